//! A goalstream child process's stderr, read line by line on a thread, for tests that wait for
//! a log line (the address it listens on) and then read what it logged.

use std::io::{BufRead, BufReader};
use std::process::Child;
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

/// The lines of a child's stderr (piped), and everything read so far.
pub struct Stderr {
    lines: Receiver<String>,
    /// Every line read so far, newline-terminated.
    pub log: String,
}

impl Stderr {
    /// Starts reading `child`'s piped stderr.
    pub fn read(child: &mut Child) -> Stderr {
        let (tx, lines) = channel::<String>();
        let stderr = child.stderr.take().expect("stderr is piped");
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        Stderr { lines, log: String::new() }
    }

    /// The first line containing `needle`, read within `timeout` (panics with the log if none).
    pub fn wait_for(&mut self, needle: &str, timeout: Duration) -> String {
        let started = Instant::now();
        loop {
            let left = timeout.saturating_sub(started.elapsed());
            let line = self.lines.recv_timeout(left).unwrap_or_else(|_| {
                panic!("no line with {needle:?} in {timeout:?}:\n{}", self.log)
            });
            self.log.push_str(&line);
            self.log.push('\n');
            if line.contains(needle) {
                return line;
            }
        }
    }

    /// Reads lines until none comes for `quiet` (or the child closed stderr).
    pub fn drain(&mut self, quiet: Duration) {
        while let Ok(line) = self.lines.recv_timeout(quiet) {
            self.log.push_str(&line);
            self.log.push('\n');
        }
    }
}

/// The first `127.0.0.1:PORT` in `line`.
pub fn address_in(line: &str) -> String {
    let at = line.find("127.0.0.1:").unwrap_or_else(|| panic!("no address in {line}"));
    let port: String = line[at + 10..].chars().take_while(|c| c.is_ascii_digit()).collect();
    format!("127.0.0.1:{port}")
}
