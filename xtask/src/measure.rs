//! Runs a command and reports its wall time and peak resident memory.

use anyhow::{Context, Result, bail};
use std::process::Command;
use std::time::{Duration, Instant};

/// What one run of a command cost.
#[derive(Debug, Clone, Copy)]
pub struct RunCost {
    pub wall: Duration,
    /// Peak resident set size in KiB of the command or of any of the
    /// processes it waited for (`cargo metadata`), as `wait4` reports it.
    pub peak_rss_kib: u64,
}

/// Runs `command` to completion, failing when it exits with a status other
/// than one of `accepted_exit_codes`.
pub fn run_measured(command: &mut Command, accepted_exit_codes: &[i32]) -> Result<RunCost> {
    let started = Instant::now();
    let child = command
        .spawn()
        .with_context(|| format!("failed to start {command:?}"))?;
    let (status, peak_rss_kib) = wait_with_peak_rss(child.id())?;
    let wall = started.elapsed();
    if !accepted_exit_codes.contains(&status) {
        bail!("{command:?} exited with status {status}");
    }
    Ok(RunCost { wall, peak_rss_kib })
}

/// `wait4(2)`: the only portable way to get a finished child's peak RSS
/// (`ru_maxrss`, which Linux reports as the maximum over the child and the
/// descendants it waited for).
#[allow(unsafe_code)]
fn wait_with_peak_rss(pid: u32) -> Result<(i32, u64)> {
    let pid = libc::pid_t::try_from(pid).context("pid out of range")?;
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero `rusage` is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `status` and `usage` are valid, exclusive pointers for the
    // duration of the call, and `pid` is our own unwaited child.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    if waited != pid {
        bail!("wait4 failed: {}", std::io::Error::last_os_error());
    }
    let exit_code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    Ok((exit_code, u64::try_from(usage.ru_maxrss).unwrap_or(0)))
}

/// Median, 95th percentile and maximum of a set of runs.
#[derive(Debug)]
pub struct Summary {
    pub runs: usize,
    pub median: Duration,
    pub p95: Duration,
    pub min: Duration,
    pub max_peak_rss_kib: u64,
}

pub fn summarize(costs: &[RunCost]) -> Summary {
    let mut walls: Vec<Duration> = costs.iter().map(|c| c.wall).collect();
    walls.sort();
    let at = |q: f64| {
        let index = ((walls.len() as f64 - 1.0) * q).round() as usize;
        walls.get(index).copied().unwrap_or_default()
    };
    Summary {
        runs: walls.len(),
        median: at(0.5),
        p95: at(0.95),
        min: walls.first().copied().unwrap_or_default(),
        max_peak_rss_kib: costs.iter().map(|c| c.peak_rss_kib).max().unwrap_or(0),
    }
}

/// The first three fields of `/proc/loadavg`.
pub fn load_average() -> Result<String> {
    let text = std::fs::read_to_string("/proc/loadavg").context("failed to read /proc/loadavg")?;
    Ok(text
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" "))
}

/// The duration at `quantile` (0.5 the median) of `durations`, by rank.
pub fn percentile(durations: &[Duration], quantile: f64) -> Duration {
    let mut sorted = durations.to_vec();
    sorted.sort();
    let index = ((sorted.len() as f64 - 1.0) * quantile).round() as usize;
    sorted.get(index).copied().unwrap_or_default()
}

/// `12.3 ms`.
pub fn milliseconds(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1e3)
}
