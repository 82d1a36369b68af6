//! The runtime around the store: the timer scheduler ([`timers`]) and the outbox deliverer
//! ([`outbox`]). Each is a loop that works off due rows under a lease, sleeps until the
//! next due row, and is woken early by the store's bell when an earlier row is written.
//! Several nodes may run them over one PostgreSQL database: leases and the per-case
//! version make every effect happen once.

pub mod outbox;
pub mod timers;

use std::time::Duration;

use chrono::{DateTime, Utc};

/// How long a claimed row stays with the node that claimed it. A node that dies holding
/// rows gives them up when the lease runs out.
pub const LEASE: Duration = Duration::from_secs(30);

/// The longest a loop sleeps without looking, so that expired leases of dead nodes are
/// taken over promptly even when nothing rings.
pub const MAX_SLEEP: Duration = Duration::from_secs(5);

/// How long to sleep from `now` until `next` (capped at [`MAX_SLEEP`]).
#[must_use]
pub fn sleep_for(now: DateTime<Utc>, next: Option<DateTime<Utc>>) -> Duration {
    next.map_or(MAX_SLEEP, |n| (n - now).to_std().unwrap_or(Duration::ZERO).min(MAX_SLEEP))
}

/// The end of a loop's pass: sleeps until `next` (at most [`MAX_SLEEP`]), the bell, or
/// `stop`, whichever comes first.
pub async fn wait(
    bell: tokio::sync::futures::Notified<'_>,
    next: Option<DateTime<Utc>>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    tokio::select! {
        () = bell => {}
        () = tokio::time::sleep(sleep_for(Utc::now(), next)) => {}
        _ = stop.changed() => {}
    }
}
