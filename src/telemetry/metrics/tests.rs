//! Unit tests of the metrics registry.

use super::*;

#[test]
fn names_follow_the_conventions_and_are_unique() {
    let metrics = Metrics::new();
    let mut seen = std::collections::HashSet::new();
    for name in metrics.names() {
        assert!(name.starts_with("goalstream_"), "{name}");
        assert!(seen.insert(name.clone()), "{name} twice");
    }
    assert!(metrics.names().len() >= 40, "{}", metrics.names().len());
}

#[test]
fn render_shows_initialised_families() {
    let metrics = Metrics::new();
    metrics.events_consumed.with_label_values(&["t"]).inc_by(3);
    let text = metrics.render();
    assert!(text.contains("goalstream_events_consumed_total{topic=\"t\"} 3"), "{text}");
    assert!(text.contains("goalstream_flushes_total{outcome=\"fenced\"} 0"), "{text}");
    assert!(text.contains("goalstream_build_info{version="), "{text}");
}
