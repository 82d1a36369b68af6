//! The change feed behind subscriptions: after each commit that appended events, a
//! [`Change`] goes to this node's subscribers. On PostgreSQL the command's transaction also
//! sends `NOTIFY case_changes`, delivered at commit to every node's listener, so a
//! subscriber on one node hears of commands carried out on another.

use super::command::Applied;
use super::queue::QueueItem;
use super::writes::Writes;
use super::{Store, StoreError};

/// The channel of [`Change`] notifications on PostgreSQL.
const CHANNEL: &str = "case_changes";

/// A case changed: its version and its open tasks after the change, so a queue can be
/// kept without reading the case; events are read from the store.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Change {
    /// The case.
    pub case_id: String,
    /// Its handling office.
    pub office: String,
    /// Its version after the change.
    pub seq: u64,
    /// Its open tasks after the change.
    pub tasks: Vec<QueueItem>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Notice {
    origin: String,
    change: Change,
}

impl Change {
    fn encode(&self, origin: &str) -> String {
        serde_json::to_string(&Notice { origin: origin.to_owned(), change: self.clone() }).unwrap_or_default()
    }

    fn decode(payload: &str) -> Option<(String, Self)> {
        serde_json::from_str::<Notice>(payload).ok().map(|n| (n.origin, n.change))
    }
}

impl Store {
    /// Subscribes to changes committed from now on. A subscriber that falls far behind
    /// misses notifications (`Lagged`), never events: it re-reads the case.
    #[must_use]
    pub fn changes(&self) -> tokio::sync::broadcast::Receiver<Change> {
        self.changes.subscribe()
    }

    /// What a command changed, with the case's open work after it.
    fn change_of(&self, applied: &Applied) -> Change {
        let tasks: Vec<QueueItem> =
            self.open_work(&applied.case_id, &applied.state).into_iter().map(|(item, _)| item).collect();
        Change { case_id: applied.case_id.clone(), office: applied.state.office.clone(), seq: applied.seq, tasks }
    }

    /// Tells this node's subscribers (after commit); nothing to build when none listen.
    pub(super) fn announce(&self, applied: &Applied) {
        if !applied.events.is_empty() && self.changes.receiver_count() > 0 {
            let _ = self.changes.send(self.change_of(applied));
        }
    }

    /// PostgreSQL: tells the other nodes, at commit (inside the command's transaction).
    pub(super) async fn notify_nodes(&self, w: &mut Writes<'_>, applied: &Applied) -> Result<(), StoreError> {
        if self.is_postgres() && !applied.events.is_empty() {
            let payload = self.change_of(applied).encode(&self.origin);
            w.push("SELECT pg_notify($1, $2)", vec![CHANNEL.into(), payload.into()]).await?;
        }
        Ok(())
    }

    /// PostgreSQL: listens for other nodes' changes and passes them to this node's
    /// subscribers, until the store is dropped. Reconnects after a lost connection.
    pub(super) fn listen_to_nodes(&self) -> Option<tokio::task::JoinHandle<()>> {
        let pool = self.is_postgres().then(|| self.db.get_postgres_connection_pool().clone())?;
        let sender = self.changes.downgrade();
        let origin = self.origin.clone();
        Some(tokio::spawn(async move {
            loop {
                let mut listener = match sea_orm::sqlx::postgres::PgListener::connect_with(&pool).await {
                    Ok(l) => l,
                    Err(e) => {
                        tracing::warn!(error = %e, "change listener cannot connect; retrying");
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                        continue;
                    }
                };
                if let Err(e) = listener.listen(CHANNEL).await {
                    tracing::warn!(error = %e, "LISTEN failed; retrying");
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    continue;
                }
                loop {
                    let notification = match listener.recv().await {
                        Ok(n) => n,
                        Err(e) => {
                            tracing::warn!(error = %e, "change listener lost its connection");
                            break;
                        }
                    };
                    let Some(sender) = sender.upgrade() else { return };
                    if let Some((from, change)) = Change::decode(notification.payload())
                        && from != origin
                    {
                        let _ = sender.send(change);
                    }
                }
            }
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::Change;

    #[test]
    fn notifications_round_trip() {
        let c = Change { case_id: "019a-x".into(), office: "110105001".into(), seq: 7, tasks: Vec::new() };
        assert_eq!(Change::decode(&c.encode("n1")), Some(("n1".to_owned(), c)));
        assert_eq!(Change::decode("n1 x 1 y"), None);
    }
}
