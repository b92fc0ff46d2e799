//! The tansu test broker (scripts/kafka-up.sh) on a port of the test's own, stopped on drop,
//! and goalstream processes killed on drop (a failing test leaves nothing running).

use std::process::{Child, Command, Stdio};

/// A free TCP port on 127.0.0.1 (free when asked; tests start their listener right after).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A tansu broker with in-memory storage.
pub struct Tansu {
    /// Its port on 127.0.0.1.
    pub port: u16,
}

impl Tansu {
    /// Starts a broker on `port` with `topics` (`NAME:PARTITIONS`).
    pub fn start(port: u16, topics: &[&str]) -> Tansu {
        let mut command = Command::new("scripts/kafka-up.sh");
        command.args(["--port", &port.to_string()]);
        for topic in topics {
            command.args(["--topic", topic]);
        }
        let status = command.stdout(Stdio::null()).status().expect("scripts/kafka-up.sh runs");
        assert!(status.success(), "the tansu broker did not start (scripts/kafka-up.sh)");
        Tansu { port }
    }

    /// `127.0.0.1:PORT`.
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

impl Drop for Tansu {
    fn drop(&mut self) {
        let _ =
            Command::new("scripts/kafka-down.sh").args(["--port", &self.port.to_string()]).status();
    }
}

/// A child process killed when dropped.
pub struct Process(pub Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
