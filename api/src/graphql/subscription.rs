//! Subscriptions over WebSocket (graphql-transport-ws at `/ws`; the token goes in the
//! `connection_init` payload as `{"Authorization": "Bearer …"}`).
//!
//! - `caseEvents(caseId)`: a case's events as they are recorded, for whoever may see it.
//! - `taskQueue`: changes to the caller's queue: each time a case gains, changes or loses
//!   tasks of the caller's roles in their office scope, that case's tasks as they now are
//!   (an empty list: gone from the queue).
//!
//! Both are fed by the store's change feed (see [`crate::store::Change`]): every node's
//! commits, through PostgreSQL `NOTIFY` when there are several nodes.

use std::collections::{HashSet, VecDeque};

use async_graphql::{Context, SimpleObject, Subscription};
use futures_util::Stream;
use tokio::sync::broadcast::error::RecvError;

use super::error::{from_store, not_found};
use super::lists::QueueTask;
use super::{claims, store};
use crate::policy::{self, QueueScope};
use crate::store::{Change, QueueItem, Store};

/// One recorded event.
#[derive(SimpleObject, Debug, Clone)]
pub struct CaseEvent {
    /// The case.
    pub case_id: String,
    /// Its position in the case: the case's version once recorded.
    pub seq: u64,
    /// When.
    pub at: chrono::DateTime<chrono::Utc>,
    /// Who (user id, or `system`).
    pub actor: String,
    /// The kind of event (bookkeeping events included).
    pub kind: super::types::EventKind,
    /// The event as a line of the case's timeline (who in which role, what, in words);
    /// none for bookkeeping (timers, clock ledgers, routing).
    pub entry: Option<super::timeline::TimelineEntry>,
}

/// A case's tasks in the caller's queue, as they now are.
#[derive(SimpleObject, Debug, Clone)]
pub struct QueueChange {
    /// The case.
    pub case_id: String,
    /// Its version.
    pub version: u64,
    /// Its open tasks for the caller's roles and office scope; empty when none is left.
    pub tasks: Vec<QueueTask>,
}

fn in_queue(scope: &QueueScope, task: &QueueItem) -> bool {
    scope.holds(&task.role, &task.office)
}

struct EventFeed {
    store: Store,
    changes: tokio::sync::broadcast::Receiver<Change>,
    case_id: String,
    service: std::sync::Arc<engine::Service>,
    who: crate::auth::Claims,
    last: u64,
    mask: bool,
    ready: VecDeque<CaseEvent>,
}

impl EventFeed {
    /// Reads the case's events after the last one sent; `false` once the subscriber may no
    /// longer see the case (a transfer that moved on past their office), which ends it.
    async fn catch_up(&mut self) -> Result<bool, crate::store::StoreError> {
        let Some(case) = self.store.stored(&self.case_id).await? else { return Ok(false) };
        let Some(access) = policy::case_access(&self.who, &case.state, &case.service) else { return Ok(false) };
        self.mask = access.masked;
        // Who voted and who objected never leave the record (the timeline hides them too).
        let events = super::timeline::without_secrets(&self.service, &self.store.events(&self.case_id).await?);
        // The timeline reads the whole history (a task's role is named where it opened).
        let mut entries = super::timeline::entries(&self.service, &events, self.mask).into_iter().peekable();
        for r in events {
            let entry = entries.next_if(|e| e.seq == r.sequence);
            if r.sequence <= self.last {
                continue;
            }
            self.last = r.sequence;
            let kind = super::types::EventKind::from(&r.event);
            self.ready.push_back(CaseEvent {
                case_id: r.case_id,
                seq: r.sequence,
                at: r.at,
                actor: r.actor,
                kind,
                entry,
            });
        }
        Ok(true)
    }

    async fn next(&mut self) -> Option<CaseEvent> {
        loop {
            if let Some(e) = self.ready.pop_front() {
                return Some(e);
            }
            let behind = match self.changes.recv().await {
                Ok(c) => c.case_id == self.case_id && c.seq > self.last,
                // Missed notifications, never events: read what is there.
                Err(RecvError::Lagged(_)) => true,
                Err(RecvError::Closed) => return None,
            };
            if behind {
                match self.catch_up().await {
                    Ok(true) => {}
                    Ok(false) => return None,
                    Err(e) => {
                        tracing::warn!(error = %e, "caseEvents: cannot read events; ending the subscription");
                        return None;
                    }
                }
            }
        }
    }
}

/// Live updates.
#[derive(Default)]
pub struct Subscription;

#[Subscription]
impl Subscription {
    /// A case's events from `afterVersion` on (default: from now), as they are recorded.
    async fn case_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The case (its id, the tracking number).")] case_id: String,
        #[graphql(desc = "Send the events after this version (default: from now on).")] after_version: Option<u64>,
    ) -> async_graphql::Result<impl Stream<Item = CaseEvent> + use<>> {
        let who = claims(ctx)?;
        let s = store(ctx).clone();
        // Subscribe first, then read: nothing committed in between is missed.
        let changes = s.changes();
        let case = s.stored(&case_id).await.map_err(from_store)?.ok_or_else(|| not_found("such case"))?;
        let mask = policy::case_access(who, &case.state, &case.service).ok_or_else(|| not_found("such case"))?.masked;
        let mut feed = EventFeed {
            store: s,
            changes,
            case_id,
            service: case.service.clone(),
            who: who.clone(),
            last: after_version.unwrap_or(case.version).min(case.version),
            mask,
            ready: VecDeque::new(),
        };
        if feed.last < case.version {
            feed.catch_up().await.map_err(from_store)?;
        }
        Ok(futures_util::stream::unfold(feed, |mut feed| async move { feed.next().await.map(|e| (e, feed)) }))
    }

    /// Changes to the caller's queue (staff).
    async fn task_queue(&self, ctx: &Context<'_>) -> async_graphql::Result<impl Stream<Item = QueueChange> + use<>> {
        // The same scope as the `tasks` query: no staff role or no office, no queue.
        let who = policy::queue_scope(claims(ctx)?)?;
        let changes = store(ctx).changes();
        // Cases with tasks the subscriber was last told about.
        let shown: HashSet<String> = HashSet::new();
        Ok(futures_util::stream::unfold((changes, shown, who), |(mut changes, mut shown, who)| async move {
            loop {
                let change = match changes.recv().await {
                    Ok(c) => c,
                    Err(RecvError::Lagged(n)) => {
                        tracing::info!(missed = n, "taskQueue subscriber fell behind");
                        continue;
                    }
                    Err(RecvError::Closed) => return None,
                };
                let tasks: Vec<QueueTask> =
                    change.tasks.into_iter().filter(|t| in_queue(&who, t)).map(QueueTask::from).collect();
                let was_shown = shown.contains(&change.case_id);
                if tasks.is_empty() && !was_shown {
                    continue;
                }
                if tasks.is_empty() {
                    shown.remove(&change.case_id);
                } else {
                    shown.insert(change.case_id.clone());
                }
                let update = QueueChange { case_id: change.case_id, version: change.seq, tasks };
                return Some((update, (changes, shown, who)));
            }
        }))
    }
}
