use prometheus::{Histogram, HistogramOpts, IntGaugeVec, Opts};

use super::*;

#[test]
fn quantiles_are_the_bucket_bounds_that_hold_them() {
    let opts = HistogramOpts::new("h", "help").buckets(vec![0.01, 0.1, 1.0]);
    let histogram = Histogram::with_opts(opts).unwrap();
    assert_eq!(quantile(&histogram.collect(), 0.5), None, "empty");
    for value in [0.005, 0.005, 0.05, 0.5] {
        histogram.observe(value);
    }
    assert_eq!(quantile(&histogram.collect(), 0.5), Some(0.01));
    assert_eq!(quantile(&histogram.collect(), 0.99), Some(1.0));
    histogram.observe(5.0);
    assert_eq!(quantile(&histogram.collect(), 0.99), None, "past the last bucket");
}

#[test]
fn series_keep_their_labels_by_name() {
    let gauge = IntGaugeVec::new(Opts::new("g", "help"), &["topic", "partition"]).unwrap();
    gauge.with_label_values(&["t", "3"]).set(12);
    let found = series(&gauge.collect(), |m| m.get_gauge().get_value());
    assert_eq!(found.len(), 1);
    assert_eq!(label(&found[0].0, "topic"), "t");
    assert_eq!(label(&found[0].0, "partition"), "3");
    assert_eq!(found[0].1, 12.0);
}
