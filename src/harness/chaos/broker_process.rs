//! A real broker for the broker-restart scenario: tansu started by
//! `scripts/kafka-up.sh --persistent` (its log in a local S3 server, outside its process),
//! killed with SIGKILL and started again on the same storage by the same script.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;

/// The broker process behind a bootstrap address.
pub struct BrokerProcess {
    port: u16,
    script: PathBuf,
}

impl BrokerProcess {
    /// The broker at `bootstrap` (one `127.0.0.1:PORT`), if `script` started it with
    /// `--persistent`; a broker that would lose its log on restart is refused.
    pub fn find(bootstrap: &str, script: PathBuf) -> anyhow::Result<BrokerProcess> {
        let port: u16 = bootstrap
            .rsplit_once(':')
            .and_then(|(_, port)| port.parse().ok())
            .with_context(|| {
                format!(
                    "broker-restart needs one broker HOST:PORT from kafka-up.sh, got {bootstrap:?}"
                )
            })?;
        let broker = BrokerProcess { port, script };
        let storage = std::fs::read_to_string(broker.file("storage")).unwrap_or_default();
        anyhow::ensure!(
            storage.trim() == "s3",
            "broker-restart on a real broker restarts it, so its log must outlive the process: \
             start it with `scripts/kafka-up.sh --port {port} --persistent` (the broker on \
             {bootstrap} was not started that way; memory storage would lose the topic)"
        );
        anyhow::ensure!(
            broker.script.is_file(),
            "{} not found (run from the repository root, or pass --kafka-up)",
            broker.script.display()
        );
        Ok(broker)
    }

    /// Kills the broker with SIGKILL and waits until it is gone.
    pub async fn kill(&self) -> anyhow::Result<()> {
        let pid = std::fs::read_to_string(self.file("pid"))
            .context("reading the broker's pid file")?
            .trim()
            .to_string();
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        anyhow::ensure!(
            String::from_utf8_lossy(&cmdline).contains("tansu"),
            "pid {pid} of the broker on port {} is not a running tansu",
            self.port
        );
        let status = tokio::process::Command::new("kill")
            .args(["-KILL", &pid])
            .status()
            .await
            .context("running kill")?;
        anyhow::ensure!(status.success(), "kill -KILL {pid} failed");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::path::Path::new(&format!("/proc/{pid}")).exists() {
            anyhow::ensure!(Instant::now() < deadline, "tansu (pid {pid}) survived SIGKILL");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(())
    }

    /// Starts the broker again on its storage (bounded by the script's own start timeout).
    pub async fn restart(&self) -> anyhow::Result<()> {
        let output = tokio::process::Command::new("bash")
            .arg(&self.script)
            .args(["--port", &self.port.to_string(), "--persistent"])
            .output()
            .await
            .context("running kafka-up.sh")?;
        anyhow::ensure!(
            output.status.success(),
            "restarting the broker failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
        Ok(())
    }

    /// kafka-up.sh's file of this broker: `goalstream-tansu-PORT.<what>` in the temp dir.
    fn file(&self, what: &str) -> PathBuf {
        std::env::temp_dir().join(format!("goalstream-tansu-{}.{what}", self.port))
    }
}
