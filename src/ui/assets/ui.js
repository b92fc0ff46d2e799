// goalstream operator console: progressive enhancement only (every page works without it).
// Served from the binary under a Content-Security-Policy that allows this file and nothing inline.
"use strict";

// Errors a page raises, for the browser tests (they also read the browser's console log).
window.gsErrors = [];
window.addEventListener("error", (e) => window.gsErrors.push(String(e.message)));
window.addEventListener("unhandledrejection", (e) => window.gsErrors.push(String(e.reason)));
document.addEventListener("securitypolicyviolation", (e) =>
  window.gsErrors.push("CSP: " + e.violatedDirective + " " + e.blockedURI));

function selectAll() {
  const all = document.getElementById("select-all");
  if (!all) return;
  all.addEventListener("change", () => {
    for (const box of document.querySelectorAll('input[type="checkbox"][name="id"]')) {
      box.checked = all.checked;
    }
  });
}

function text(id, value) {
  const el = document.getElementById(id);
  if (el) el.textContent = value;
}

function ms(seconds) {
  return seconds == null ? "–" : "≤ " + Math.round(seconds * 1000) + " ms";
}

function lagRows(partitions) {
  const body = document.querySelector("#lag tbody");
  if (!body) return;
  body.replaceChildren();
  if (partitions.length === 0) {
    const row = body.insertRow();
    const cell = row.insertCell();
    cell.colSpan = 4;
    cell.textContent = "No partition assigned to this process.";
    return;
  }
  for (const p of partitions) {
    const row = body.insertRow();
    const values = [p.topic, p.partition, p.lag_messages, p.seconds_behind];
    values.forEach((value, i) => {
      const cell = row.insertCell();
      cell.textContent = String(value);
      if (i > 0) cell.className = "num";
    });
  }
}

function pipeline() {
  const root = document.getElementById("pipeline");
  if (!root) return;
  let previous = null;
  const poll = async () => {
    try {
      const response = await fetch(root.dataset.poll, { credentials: "same-origin" });
      if (!response.ok) throw new Error("HTTP " + response.status);
      const reading = await response.json();
      const now = reading.pipeline;
      if (previous) {
        const seconds = (reading.at_ms - previous.at_ms) / 1000;
        const before = previous.pipeline;
        if (seconds > 0) {
          const rate = (now.events_consumed - before.events_consumed) / seconds;
          text("events-rate", rate.toFixed(0));
        }
        const flushes = now.flushes - before.flushes;
        text("flush-mean", flushes > 0
          ? ((now.flush_seconds - before.flush_seconds) / flushes * 1000).toFixed(1) + " ms"
          : "no flush");
      }
      text("flush-quantiles", ms(now.flush_p50_s) + " / " + ms(now.flush_p99_s));
      text("partitions", now.partitions_assigned + " / " + now.partitions_paused);
      text("consumed", String(now.events_consumed));
      text("dead-lettered", String(now.events_dead_lettered));
      text("flushes", String(now.flushes));
      text("buffered", String(now.buffered_keys));
      lagRows(now.partitions);
      root.dataset.updated = String(reading.at_ms);
      previous = reading;
    } catch (error) {
      text("events-rate", "unavailable");
    }
  };
  poll();
  setInterval(poll, 2000);
}

document.addEventListener("DOMContentLoaded", () => {
  selectAll();
  pipeline();
});
