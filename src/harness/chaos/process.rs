//! Child processes of the scenarios: `goalstream run` consumers and `goalstream chaos-worker`
//! job workers, killed with SIGKILL (std's `Child::kill`) or stopped with SIGTERM, and always
//! killed when dropped so that a failing scenario leaves nothing running.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context;

/// A child process, SIGKILLed on drop.
pub struct Process {
    child: Child,
    /// Its log file (stdout and stderr).
    pub log: PathBuf,
}

impl Process {
    /// Spawns `bin args…` with `env`, output to `log`.
    pub fn spawn(
        bin: &Path,
        args: &[String],
        env: &[(&str, String)],
        log: PathBuf,
    ) -> anyhow::Result<Process> {
        let file = std::fs::File::create(&log)
            .with_context(|| format!("creating the log {}", log.display()))?;
        let mut command = Command::new(bin);
        command.args(args).stdout(file.try_clone()?).stderr(file).stdin(Stdio::null());
        for (name, value) in env {
            command.env(name, value);
        }
        let child = command.spawn().with_context(|| format!("starting {}", bin.display()))?;
        Ok(Process { child, log })
    }

    /// Its process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL, then reap.
    pub fn kill(mut self) -> anyhow::Result<()> {
        self.child.kill().context("SIGKILL")?;
        self.child.wait()?;
        Ok(())
    }

    /// SIGTERM, then waits up to `timeout` for it to exit (SIGKILL after that).
    pub async fn terminate(mut self, timeout: Duration) -> anyhow::Result<Option<ExitStatus>> {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .context("running kill -TERM")?;
        anyhow::ensure!(status.success(), "kill -TERM {} failed", self.child.id());
        let started = Instant::now();
        while started.elapsed() < timeout {
            if let Some(status) = self.child.try_wait()? {
                return Ok(Some(status));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(None)
    }

    /// Whether it has exited.
    pub fn exited(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(Some(_)))
    }

    /// How many lines of its log contain `needle`.
    pub fn log_count(&self, needle: &str) -> usize {
        std::fs::read_to_string(&self.log)
            .map(|text| text.lines().filter(|l| l.contains(needle)).count())
            .unwrap_or(0)
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
