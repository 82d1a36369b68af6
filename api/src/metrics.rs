//! Prometheus metrics at `/metrics`, in the text exposition format (version 0.0.4).
//!
//! Counters and histograms are plain atomics owned by the [`Store`](crate::store::Store)
//! (so every part that holds the store counts into the same set, and two stores in one
//! process do not mix); gauges about the work on hand are read from the database at scrape
//! time, so every node reports the whole system's backlog and they never drift.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Latency buckets, in seconds: 1 ms to 10 s.
const BUCKETS: [f64; 14] =
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, f64::INFINITY];

/// A latency histogram with fixed buckets.
#[derive(Default)]
pub struct Histogram {
    counts: [AtomicU64; BUCKETS.len()],
    sum_micros: AtomicU64,
}

impl Histogram {
    /// Records one observation.
    pub fn observe(&self, took: Duration) {
        let seconds = took.as_secs_f64();
        let i = BUCKETS.iter().position(|b| seconds <= *b).unwrap_or(BUCKETS.len() - 1);
        self.counts[i].fetch_add(1, Ordering::Relaxed);
        self.sum_micros.fetch_add(u64::try_from(took.as_micros()).unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let mut cumulative = 0;
        let sep = if labels.is_empty() { "" } else { "," };
        for (bound, count) in BUCKETS.iter().zip(&self.counts) {
            cumulative += count.load(Ordering::Relaxed);
            let le = if bound.is_infinite() { "+Inf".to_owned() } else { bound.to_string() };
            let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{le}\"}} {cumulative}");
        }
        let braces = if labels.is_empty() { String::new() } else { format!("{{{labels}}}") };
        #[allow(clippy::cast_precision_loss)]
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_sum{braces} {sum}");
        let _ = writeln!(out, "{name}_count{braces} {cumulative}");
    }
}

/// How a command ended.
#[derive(Debug, Clone, Copy)]
pub enum CommandOutcome {
    /// Committed.
    Applied,
    /// Refused by the engine (the case's rules).
    Refused,
    /// Another writer got there first.
    Conflict,
    /// The store failed (database, unreadable row, unavailable).
    Failed,
}

const OUTCOMES: [&str; 4] = ["applied", "refused", "conflict", "failed"];

/// The process's counters.
#[derive(Default)]
pub struct Metrics {
    /// HTTP requests by (route, status).
    requests: Mutex<BTreeMap<(&'static str, u16), u64>>,
    /// HTTP request latency.
    pub request_seconds: Histogram,
    /// GraphQL errors by `extensions.code`.
    errors: Mutex<BTreeMap<String, u64>>,
    commands: [AtomicU64; 4],
    /// Command latency, from the call to the durable commit (or the refusal).
    pub command_seconds: Histogram,
    /// Timers fired by this node's scheduler.
    pub timers_fired: AtomicU64,
    /// Outbox messages delivered by this node.
    pub outbox_delivered: AtomicU64,
    /// Outbox deliveries that failed and will be retried.
    pub outbox_retried: AtomicU64,
    /// Outbox messages given up on (incidents on their cases).
    pub outbox_given_up: AtomicU64,
}

/// What is on hand, read from the database at scrape time.
#[derive(Debug, Default)]
pub struct Backlog {
    /// Open cases by SLA level (`normal`, `warning`, `overdue`).
    pub open_cases: Vec<(String, i64)>,
    /// Open tasks.
    pub open_tasks: i64,
    /// Pending timers.
    pub pending_timers: i64,
    /// Outbox messages by state (`pending`, `failed`, ...).
    pub outbox: Vec<(String, i64)>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Metrics {
    /// Counts one HTTP request.
    pub fn request(&self, route: &'static str, status: u16, took: Duration) {
        *lock(&self.requests).entry((route, status)).or_default() += 1;
        self.request_seconds.observe(took);
    }

    /// Counts one error sent to a client.
    pub fn error(&self, code: &str) {
        *lock(&self.errors).entry(code.to_owned()).or_default() += 1;
    }

    /// Counts one command.
    pub fn command(&self, outcome: CommandOutcome, took: Duration) {
        self.commands[outcome as usize].fetch_add(1, Ordering::Relaxed);
        self.command_seconds.observe(took);
    }

    /// The exposition text.
    #[must_use]
    pub fn render(&self, backlog: &Backlog) -> String {
        let mut out = String::with_capacity(4096);
        let family = |out: &mut String, name: &str, kind: &str, help: &str| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        };
        family(&mut out, "edu_http_requests_total", "counter", "HTTP requests by route and status.");
        for ((route, status), n) in lock(&self.requests).iter() {
            let _ = writeln!(out, "edu_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}");
        }
        family(&mut out, "edu_http_request_duration_seconds", "histogram", "HTTP request latency.");
        self.request_seconds.render(&mut out, "edu_http_request_duration_seconds", "");
        family(&mut out, "edu_graphql_errors_total", "counter", "GraphQL errors sent, by extensions.code.");
        for (code, n) in lock(&self.errors).iter() {
            let _ = writeln!(out, "edu_graphql_errors_total{{code=\"{code}\"}} {n}");
        }
        family(&mut out, "edu_commands_total", "counter", "Case commands by outcome.");
        for (name, n) in OUTCOMES.iter().zip(&self.commands) {
            let _ = writeln!(out, "edu_commands_total{{outcome=\"{name}\"}} {}", n.load(Ordering::Relaxed));
        }
        family(&mut out, "edu_command_duration_seconds", "histogram", "Case command latency up to the durable commit.");
        self.command_seconds.render(&mut out, "edu_command_duration_seconds", "");
        for (name, help, value) in [
            ("edu_timers_fired_total", "Timers fired by this node.", &self.timers_fired),
            ("edu_outbox_delivered_total", "Outbox messages delivered by this node.", &self.outbox_delivered),
            ("edu_outbox_retried_total", "Outbox deliveries failed and retried later.", &self.outbox_retried),
            ("edu_outbox_given_up_total", "Outbox messages given up on (case incidents).", &self.outbox_given_up),
        ] {
            family(&mut out, name, "counter", help);
            let _ = writeln!(out, "{name} {}", value.load(Ordering::Relaxed));
        }
        family(&mut out, "edu_open_cases", "gauge", "Open cases by SLA level (all nodes).");
        for (level, n) in &backlog.open_cases {
            let _ = writeln!(out, "edu_open_cases{{level=\"{level}\"}} {n}");
        }
        family(&mut out, "edu_open_tasks", "gauge", "Open tasks in every queue.");
        let _ = writeln!(out, "edu_open_tasks {}", backlog.open_tasks);
        family(&mut out, "edu_pending_timers", "gauge", "Timers not yet fired.");
        let _ = writeln!(out, "edu_pending_timers {}", backlog.pending_timers);
        family(&mut out, "edu_outbox_messages", "gauge", "Outbox messages by state.");
        for (state, n) in &backlog.outbox {
            let _ = writeln!(out, "edu_outbox_messages{{state=\"{state}\"}} {n}");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_are_cumulative_and_count_every_observation() {
        let m = Metrics::default();
        m.command(CommandOutcome::Applied, Duration::from_micros(800));
        m.command(CommandOutcome::Applied, Duration::from_millis(20));
        m.command(CommandOutcome::Refused, Duration::from_secs(60));
        let text = m.render(&Backlog::default());
        assert!(text.contains("edu_command_duration_seconds_bucket{le=\"0.001\"} 1\n"), "{text}");
        assert!(text.contains("edu_command_duration_seconds_bucket{le=\"0.025\"} 2\n"), "{text}");
        assert!(text.contains("edu_command_duration_seconds_bucket{le=\"10\"} 2\n"), "{text}");
        assert!(text.contains("edu_command_duration_seconds_bucket{le=\"+Inf\"} 3\n"), "{text}");
        assert!(text.contains("edu_command_duration_seconds_count 3\n"), "{text}");
        assert!(text.contains("edu_commands_total{outcome=\"applied\"} 2\n"), "{text}");
        assert!(text.contains("edu_commands_total{outcome=\"refused\"} 1\n"), "{text}");
    }
}
