#!/usr/bin/env python3
"""claims.py: README's numbers table, regenerated from recorded runs, so a claim and its
evidence cannot drift apart.

    scripts/claims.py record HEADLINE -- goalstream load --profile smoke --json --no-report
        runs the command (a release build of `goalstream`, or any command whose last stdout
        line is one JSON object: `load --json`, `bench flush --json`), and writes
        docs/results/HEADLINE/<UTC time>.json: that object plus the commit, the command and
        the time. Run it at least 3 times per headline in one session.
    scripts/claims.py table [--check]
        rewrites README.md between `<!-- claims:begin -->` and `<!-- claims:end -->` from every
        docs/results/*/*.json; --check fails instead when README.md is not what it would write.

A headline is claimed only with >= 3 runs, as the median and the range over them, with the
broker (in-process mock or real), the commit(s) and the settings. With fewer runs the table
says so and quotes no number.
"""
import datetime
import glob
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(ROOT, "docs", "results")
README = os.path.join(ROOT, "README.md")
BEGIN, END = "<!-- claims:begin -->", "<!-- claims:end -->"
MIN_RUNS = 3
# The job queue's scenarios quoted in the table (bench jobs reports many more).
JOBS_HEADLINES = {"claim_complete", "claim_complete_vs_single_slot", "lifecycle_durable_p50"}


def record(headline, command):
    # The commit the binary was built from: GOALSTREAM_BUILD_COMMIT when the checkout moved on
    # since the build, else the checkout's HEAD.
    commit = os.environ.get("GOALSTREAM_BUILD_COMMIT") or subprocess.run(
        ["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
        capture_output=True, text=True, check=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--", "src", "sql"],
                           capture_output=True, text=True, check=True).stdout.strip()
    load_before = os.getloadavg()[0]
    run = subprocess.run(command, capture_output=True, text=True)
    sys.stderr.write(run.stderr[-2000:])
    lines = [l for l in run.stdout.splitlines() if l.startswith("{")]
    if not lines:
        sys.exit(f"claims: {' '.join(command)} printed no JSON line (exit {run.returncode})")
    result = json.loads(lines[-1])
    now = datetime.datetime.now(datetime.timezone.utc)
    result["claims"] = {
        "commit": commit + ("-dirty" if dirty else ""),
        "command": command,
        "exit_status": run.returncode,
        "recorded_at": now.isoformat(timespec="seconds"),
        "load_avg_1m_before": round(load_before, 1),
        "cpus": os.cpu_count(),
    }
    if os.environ.get("GOALSTREAM_CLAIMS_NOTE"):
        result["claims"]["note"] = os.environ["GOALSTREAM_CLAIMS_NOTE"]
    out = os.path.join(RESULTS, headline)
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, now.strftime("%Y%m%dT%H%M%SZ") + ".json")
    with open(path, "w") as f:
        json.dump(result, f, indent=1, sort_keys=True)
        f.write("\n")
    print(path)


def metrics(run):
    """The numbers a run backs, by name."""
    if "profile" in run:  # goalstream load --json
        found = {
            "durable events/s": run["events_per_s"],
            "event→durable p99 ms": run["latency_ms"]["p99"],
            "lost + duplicated": run["lost"] + run["duplicated"],
        }
        api = run.get("api")
        if isinstance(api, dict) and api:
            found["API p95 ms (worst endpoint)"] = max(e["latency_ms"]["p95"] for e in api.values())
        return found
    if run.get("results") and "scenario" in run["results"][0]:  # goalstream bench jobs --json
        found = {f'{r["scenario"]} {r["unit"]}': r["value"] for r in run["results"]
                 if r["scenario"] in JOBS_HEADLINES}
        for r in run.get("ratios") or []:
            if r["scenario"] in JOBS_HEADLINES:
                found[f'{r["scenario"]} vs graphile-worker (same run)'] = r["ratio"]
        return found
    if "results" in run:  # goalstream bench flush --json
        return {g["name"]: g["measured"] for g in run.get("gates", [])} or {
            f'{r["strategy"]} {r["workload"]} batch {r["batch"]} rows/s': r["rows_per_s"]
            for r in run["results"]
        }
    return {}


def conditions(runs):
    first = runs[0]
    broker = first.get("broker", "")
    kind = "in-process mock" if "in-process" in broker else ("real: " + broker if broker else "-")
    settings = first.get("settings")
    if isinstance(settings, dict):
        settings = ", ".join(f"{k} {settings[k]}" for k in ("rate", "duration", "users", "workers", "partitions") if k in settings)
    else:
        words, skip = [], False
        for word in first["claims"]["command"][1:]:
            if skip:
                skip = False
            elif word == "--database-url":
                skip = True
            elif word != "--json":
                words.append(os.path.basename(word) if word.startswith("/") else word)
        settings = " ".join(words)
    commits = sorted({r["claims"]["commit"] for r in runs})
    return kind, settings, ", ".join(commits)


def machine(runs):
    """The machine's state during the runs: the 1-minute load average before each (2 cores
    here: above 2 the run shared them), or the note recorded with them."""
    notes = sorted({r["claims"]["note"] for r in runs if r["claims"].get("note")})
    loads = [r["claims"]["load_avg_1m_before"] for r in runs
             if r["claims"].get("load_avg_1m_before") is not None]
    parts = []
    if loads:
        parts.append(f"load {min(loads):.1f}–{max(loads):.1f} on {runs[0]['claims'].get('cpus')} CPUs")
    parts.extend(notes)
    return "; ".join(parts) or "-"


def number(value):
    if value == int(value) and abs(value) < 100:
        return f"{value:.0f}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}"


def table():
    headlines = {}
    for path in sorted(glob.glob(os.path.join(RESULTS, "*", "*.json"))):
        with open(path) as f:
            headlines.setdefault(os.path.basename(os.path.dirname(path)), []).append(json.load(f))
    rows = ["| Headline | Number | Median | Range | Runs passed | Broker | Settings | Machine | Commit |",
            "|---|---|---:|---|---:|---|---|---|---|"]
    for headline, runs in sorted(headlines.items()):
        kind, settings, commits = conditions(runs)
        passed = sum(1 for r in runs if r.get("passed"))
        if len(runs) < MIN_RUNS:
            rows.append(f"| {headline} | not claimed: {len(runs)} run(s), {MIN_RUNS} needed | | | "
                        f"{passed}/{len(runs)} | {kind} | {settings} | {machine(runs)} | {commits} |")
            continue
        names = {}
        for run in runs:
            for name, value in metrics(run).items():
                names.setdefault(name, []).append(value)
        for name, values in names.items():
            rows.append(f"| {headline} | {name} | {number(statistics.median(values))} | "
                        f"{number(min(values))}–{number(max(values))} | {passed}/{len(runs)} | "
                        f"{kind} | {settings} | {machine(runs)} | {commits} |")
    note = (f"Generated by `scripts/claims.py table` from docs/results/*/*.json: each headline the "
            f"median and range of at least {MIN_RUNS} runs of one session, recorded with "
            f"`scripts/claims.py record`. Speed and latency hold for the machine class the runs "
            f"were made on (2 shared cores, see each run's targets).")
    return "\n".join([BEGIN, note, "", *rows, END])


def main():
    args = sys.argv[1:]
    if args[:1] == ["record"] and len(args) >= 4 and args[2] == "--":
        return record(args[1], args[3:])
    if args[:1] == ["table"]:
        with open(README) as f:
            text = f.read()
        if BEGIN not in text or END not in text:
            sys.exit(f"claims: README.md has no {BEGIN} … {END} block")
        start, end = text.index(BEGIN), text.index(END) + len(END)
        new = text[:start] + table() + text[end:]
        if "--check" in args:
            if new != text:
                sys.exit("claims: README.md's numbers table is not what docs/results says; run scripts/claims.py table")
            return
        with open(README, "w") as f:
            f.write(new)
        return
    sys.exit(__doc__)


if __name__ == "__main__":
    main()
