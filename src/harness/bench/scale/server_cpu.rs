//! CPU time of server processes from `/proc/<pid>/stat` (Linux; the server on this machine,
//! as the benchmark only talks to 127.0.0.1): user + system time, summed over the given pids.

use std::collections::HashMap;

/// Clock ticks per second of `/proc/<pid>/stat` times (`USER_HZ`, 100 on every Linux
/// architecture the kernel exposes to user space).
const TICKS_PER_SECOND: f64 = 100.0;

/// CPU seconds (user + system) of each pid that could be read; a pid that exited or that
/// `/proc` does not show is left out.
pub fn cpu_seconds(pids: &[i32]) -> HashMap<i32, f64> {
    pids.iter()
        .filter_map(|&pid| {
            let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            Some((pid, parse_stat(&text)?))
        })
        .collect()
}

/// CPU seconds spent between two readings: every pid of `after`, less its time in `before`
/// (0 for a process that started in between; a process that ended in between is lost).
pub fn spent(before: &HashMap<i32, f64>, after: &HashMap<i32, f64>) -> f64 {
    after.iter().map(|(pid, t)| (t - before.get(pid).copied().unwrap_or(0.0)).max(0.0)).sum()
}

/// User + system seconds from the text of `/proc/<pid>/stat`. The command name (field 2) is
/// in parentheses and may hold spaces: fields are counted after its closing one.
pub fn parse_stat(text: &str) -> Option<f64> {
    let rest = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // Field 3 (state) is fields[0]; utime is field 14, stime field 15.
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / TICKS_PER_SECOND)
}
