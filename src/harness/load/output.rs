//! Files a load run leaves: `<dir>/load/<tier>.json` (the whole report with its time series),
//! the tier's plots, the latency-per-tier plot over every saved tier, and
//! `<dir>/load-report.md`.

use std::path::{Path, PathBuf};

use anyhow::Context;

use super::plot::{bar_chart, line_chart, Series};
use super::report::{markdown, SavedTier, TierReport};

/// Tiers in report order.
const TIERS: [&str; 4] = ["smoke", "normal", "peak", "endurance"];

/// Writes the report files under `dir`; returns the Markdown report's path.
pub fn save(dir: &Path, report: &TierReport) -> anyhow::Result<PathBuf> {
    let data = dir.join("load");
    std::fs::create_dir_all(&data).with_context(|| format!("creating {}", data.display()))?;
    let tier = report.profile.as_str();
    write(&data.join(format!("{tier}.json")), &serde_json::to_string_pretty(report)?)?;

    let series = |name: &str, f: &dyn Fn(&super::sampler::Sample) -> f64| Series {
        name: name.to_string(),
        points: report.samples.iter().map(|s| (s.t_s, f(s))).collect(),
    };
    let mut produced_rate = Vec::new();
    for pair in report.samples.windows(2) {
        let dt = (pair[1].t_s - pair[0].t_s).max(1e-3);
        produced_rate.push((pair[1].t_s, (pair[1].produced - pair[0].produced) as f64 / dt));
    }
    let mut plots = Vec::new();
    let throughput = line_chart(
        &format!("{tier}: throughput"),
        "seconds",
        "events/s",
        &[
            Series { name: "produced/s".into(), points: produced_rate },
            series("durable/s", &|s| s.durable_per_s),
        ],
    );
    plots.push(("throughput", throughput));
    let lag = line_chart(
        &format!("{tier}: consumer lag and events in flight"),
        "seconds",
        "events",
        &[
            series("lag (produced, not polled)", &|s| s.lag as f64),
            series("in flight (not durable)", &|s| s.in_flight as f64),
        ],
    );
    plots.push(("lag", lag));
    let memory = line_chart(
        &format!("{tier}: resident memory"),
        "seconds",
        "MiB",
        &[series("RSS", &|s| s.rss_kib as f64 / 1024.0)],
    );
    plots.push(("memory", memory));
    let mut links = Vec::new();
    for (name, svg) in plots {
        let file = format!("{tier}-{name}.svg");
        write(&data.join(&file), &svg)?;
        links.push((format!("{tier}: {name}"), format!("load/{file}")));
    }

    let tiers = saved_tiers(&data)?;
    let groups: Vec<(String, Vec<f64>)> = tiers
        .iter()
        .map(|t| {
            let l = t.latency_ms;
            (t.profile.clone(), vec![l.p50 as f64, l.p95 as f64, l.p99 as f64, l.max as f64])
        })
        .collect();
    let latency = bar_chart(
        "event→durable latency per tier (log scale)",
        "ms",
        &["p50", "p95", "p99", "max"],
        &groups,
    );
    write(&data.join("latency-tiers.svg"), &latency)?;
    links.insert(0, ("event→durable latency per tier".into(), "load/latency-tiers.svg".into()));

    let path = dir.join("load-report.md");
    write(&path, &markdown(&tiers, report, &links))?;
    Ok(path)
}

/// The tiers saved in `data`, in tier order.
fn saved_tiers(data: &Path) -> anyhow::Result<Vec<SavedTier>> {
    let mut tiers = Vec::new();
    for tier in TIERS {
        let path = data.join(format!("{tier}.json"));
        if let Ok(text) = std::fs::read_to_string(&path) {
            let saved: SavedTier = serde_json::from_str(&text)
                .with_context(|| format!("reading {}", path.display()))?;
            tiers.push(saved);
        }
    }
    Ok(tiers)
}

fn write(path: &Path, text: &str) -> anyhow::Result<()> {
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}
