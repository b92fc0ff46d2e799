//! Unit tests of `plot`.

use super::*;

#[test]
fn nice_bounds_and_short_labels() {
    assert_eq!(nice(0.0), 1.0);
    assert_eq!(nice(43.0), 50.0);
    assert_eq!(nice(61_000.0), 100_000.0);
    assert_eq!(nice(150.0), 200.0);
    assert_eq!(short(45_000.0), "45k");
    assert_eq!(short(1_250_000.0), "1.2M");
}

#[test]
fn charts_are_well_formed_svg() {
    let series =
        vec![Series { name: "durable/s <x>".into(), points: vec![(0.0, 0.0), (1.0, 5.0)] }];
    let svg = line_chart("t", "s", "events/s", &series);
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    assert!(svg.contains("<polyline") && svg.contains("durable/s &lt;x&gt;"));
    let bars = bar_chart("l", "ms", &["p50", "p99"], &[("smoke".into(), vec![3.0, 9.0])]);
    assert_eq!(bars.matches("<rect x=").count(), 2 + 2);
}
