//! SIGINT and SIGTERM, the one way a goalstream process is asked to stop: [`signal`] resolves
//! at the first one; from then on a second one exits at once (status 130), without waiting
//! for the staged stop. Nothing acknowledged is lost either way: offsets live in Postgres with
//! the data they produced.

use tokio::signal::unix::{signal as unix_signal, Signal, SignalKind};

/// Exit status of a process stopped by a second signal.
pub const FORCED_EXIT_STATUS: i32 = 130;

/// Resolves at the first SIGINT or SIGTERM, and then arms the second-signal exit. When the
/// signals cannot be listened for, never resolves (stop the process with SIGKILL) and says so.
pub async fn signal() {
    let Some(mut signals) = Signals::new() else {
        tracing::warn!("cannot listen for signals; stop with SIGKILL");
        return std::future::pending().await;
    };
    let name = signals.next().await;
    tracing::info!(signal = name, "stopping");
    tokio::spawn(async move {
        let name = signals.next().await;
        tracing::warn!(
            signal = name,
            "second signal: exiting now; unflushed events will be read again"
        );
        std::process::exit(FORCED_EXIT_STATUS);
    });
}

/// SIGINT and SIGTERM as one stream.
struct Signals {
    interrupt: Signal,
    terminate: Signal,
}

impl Signals {
    fn new() -> Option<Self> {
        Some(Signals {
            interrupt: unix_signal(SignalKind::interrupt()).ok()?,
            terminate: unix_signal(SignalKind::terminate()).ok()?,
        })
    }

    async fn next(&mut self) -> &'static str {
        tokio::select! {
            _ = self.interrupt.recv() => "SIGINT",
            _ = self.terminate.recv() => "SIGTERM",
        }
    }
}
