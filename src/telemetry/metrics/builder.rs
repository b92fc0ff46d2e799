//! Creates the families of [`super::Metrics`] and registers them on its registry.

use prometheus::{
    Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts,
    Registry,
};

/// Creates families and registers them, remembering their names.
pub(super) struct Builder {
    pub(super) registry: Registry,
    pub(super) names: Vec<String>,
}

impl Builder {
    fn register<M: prometheus::core::Collector + Clone + 'static>(
        &mut self,
        name: &str,
        metric: M,
    ) -> M {
        self.registry.register(Box::new(metric.clone())).expect("metric names are unique");
        self.names.push(name.to_string());
        metric
    }

    pub(super) fn counter(&mut self, name: &str, help: &str) -> IntCounter {
        let metric = IntCounter::new(name, help).expect("valid metric");
        self.register(name, metric)
    }

    pub(super) fn counter_vec(&mut self, name: &str, help: &str, labels: &[&str]) -> IntCounterVec {
        let metric = IntCounterVec::new(Opts::new(name, help), labels).expect("valid metric");
        self.register(name, metric)
    }

    pub(super) fn gauge(&mut self, name: &str, help: &str) -> IntGauge {
        let metric = IntGauge::new(name, help).expect("valid metric");
        self.register(name, metric)
    }

    pub(super) fn gauge_vec(&mut self, name: &str, help: &str, labels: &[&str]) -> IntGaugeVec {
        let metric = IntGaugeVec::new(Opts::new(name, help), labels).expect("valid metric");
        self.register(name, metric)
    }

    pub(super) fn float_gauge_vec(
        &mut self,
        name: &str,
        help: &str,
        labels: &[&str],
    ) -> prometheus::GaugeVec {
        let metric = prometheus::GaugeVec::new(Opts::new(name, help), labels).expect("valid");
        self.register(name, metric)
    }

    pub(super) fn histogram(&mut self, name: &str, help: &str, buckets: &[f64]) -> Histogram {
        let opts = HistogramOpts::new(name, help).buckets(buckets.to_vec());
        let metric = Histogram::with_opts(opts).expect("valid metric");
        self.register(name, metric)
    }

    pub(super) fn histogram_vec(
        &mut self,
        name: &str,
        help: &str,
        labels: &[&str],
        buckets: &[f64],
    ) -> HistogramVec {
        let opts = HistogramOpts::new(name, help).buckets(buckets.to_vec());
        let metric = HistogramVec::new(opts, labels).expect("valid metric");
        self.register(name, metric)
    }
}
