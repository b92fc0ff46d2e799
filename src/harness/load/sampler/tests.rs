//! Unit tests of `sampler`.

use super::*;

#[test]
fn vm_rss_is_read_from_proc_status() {
    let status = "Name:\tgoalstream\nVmPeak:\t  900 kB\nVmRSS:\t   12345 kB\nThreads:\t9\n";
    assert_eq!(parse_vm_rss(status), Some(12_345));
    assert_eq!(parse_vm_rss("Name: x\n"), None);
    assert!(rss_kib().unwrap_or(1) > 0);
}

#[tokio::test]
async fn samples_count_lag_and_rate() {
    let stats = Arc::new(IngestStats::default());
    let produced = Arc::new(AtomicU64::new(0));
    let sampler = Sampler::new(
        Config { interval: DEFAULT_INTERVAL, progress: false },
        stats.clone(),
        produced.clone(),
        Instant::now(),
    );
    sampler.run_once();
    produced.store(100, Ordering::Relaxed);
    IngestStats::add(&stats.consumed, 70);
    IngestStats::add(&stats.durable, 50);
    std::thread::sleep(Duration::from_millis(20));
    let sample = sampler.run_once();
    assert_eq!((sample.lag, sample.in_flight, sample.durable), (30, 20, 50));
    assert!(sample.durable_per_s > 0.0);
    assert_eq!(sampler.samples().lock().unwrap().len(), 2);
}
