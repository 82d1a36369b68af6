//! The hash chain of a case's events: each recorded event stores the SHA-256 of the one
//! before, so an auditor can prove nothing was edited, removed or reordered.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::case::Event;

/// Hash before the first event of a case.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An event as stored: with its place, time, author and chain hashes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recorded {
    /// Case id.
    pub case_id: String,
    /// Position in the case, from 1.
    pub sequence: u64,
    /// When it was recorded.
    pub at: DateTime<Utc>,
    /// Who caused it (user id, or `system`).
    pub actor: String,
    /// The event.
    pub event: Event,
    /// Hash of the previous recorded event.
    pub previous: String,
    /// Hash of this one.
    pub hash: String,
}

/// The hash of a recorded event's content and its predecessor's hash.
#[must_use]
pub fn hash_of(case_id: &str, sequence: u64, at: DateTime<Utc>, actor: &str, event: &Event, previous: &str) -> String {
    let mut h = Sha256::new();
    h.update(previous.as_bytes());
    h.update(case_id.as_bytes());
    h.update(sequence.to_be_bytes());
    h.update(at.to_rfc3339().as_bytes());
    h.update(actor.as_bytes());
    // Serializing an event cannot fail: it holds only strings, numbers and maps with string keys.
    h.update(serde_json::to_vec(event).unwrap_or_default());
    hex::encode(h.finalize())
}

/// Seals new events onto a chain whose last record has `sequence` and `hash`.
#[must_use]
pub fn seal(
    case_id: &str,
    last: Option<(u64, &str)>,
    at: DateTime<Utc>,
    actor: &str,
    events: Vec<Event>,
) -> Vec<Recorded> {
    let (mut sequence, mut previous) = last.map_or((0, GENESIS.to_owned()), |(s, h)| (s, h.to_owned()));
    events
        .into_iter()
        .map(|event| {
            sequence += 1;
            let hash = hash_of(case_id, sequence, at, actor, &event, &previous);
            let r = Recorded {
                case_id: case_id.to_owned(),
                sequence,
                at,
                actor: actor.to_owned(),
                event,
                previous: previous.clone(),
                hash: hash.clone(),
            };
            previous = hash;
            r
        })
        .collect()
}

/// Where a chain breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Break {
    /// Sequence of the first bad record.
    pub sequence: u64,
    /// What is wrong with it.
    pub reason: String,
}

/// Verifies a case's chain in order; names the first broken record.
///
/// # Errors
/// The first [`Break`].
pub fn verify(records: &[Recorded]) -> Result<(), Break> {
    let mut previous = GENESIS.to_owned();
    for (i, r) in records.iter().enumerate() {
        let expected = i as u64 + 1;
        if r.sequence != expected {
            return Err(Break { sequence: expected, reason: format!("record {expected} is missing or out of order") });
        }
        if r.previous != previous {
            return Err(Break { sequence: r.sequence, reason: "does not follow the previous record".into() });
        }
        if hash_of(&r.case_id, r.sequence, r.at, &r.actor, &r.event, &r.previous) != r.hash {
            return Err(Break { sequence: r.sequence, reason: "content does not match its hash (edited)".into() });
        }
        previous.clone_from(&r.hash);
    }
    Ok(())
}
