//! Group commit for SQLite. SQLite takes one writer at a time and each commit costs an
//! fsync, so commands from concurrent callers queue to one writer task, which runs up to
//! [`MAX_GROUP`] of them in one transaction, each inside its own savepoint (a refused
//! command rolls back alone), commits once, and only then answers each caller. Nothing is
//! acknowledged before it is on disk.

use sea_orm::TransactionTrait;
use tokio::sync::{mpsc, oneshot};

use super::command::{Applied, Request};
use super::{Store, StoreError};

/// Most commands committed together.
pub const MAX_GROUP: usize = 64;

/// A command waiting for the writer.
pub(super) struct Job {
    pub request: Request,
    pub reply: oneshot::Sender<Result<Applied, StoreError>>,
}

/// Starts the writer task; commands sent on the returned channel are carried out in groups.
pub(super) fn start(store: Store) -> mpsc::Sender<Job> {
    let (tx, mut rx) = mpsc::channel::<Job>(4 * MAX_GROUP);
    tokio::spawn(async move {
        while let Some(first) = rx.recv().await {
            let mut jobs = vec![first];
            while jobs.len() < MAX_GROUP {
                match rx.try_recv() {
                    Ok(job) => jobs.push(job),
                    Err(_) => break,
                }
            }
            store.run_group(jobs).await;
        }
    });
    tx
}

impl Store {
    async fn run_group(&self, jobs: Vec<Job>) {
        let _turn = self.write_turn().await;
        let txn = match self.begin_write().await {
            Ok(t) => t,
            Err(e) => {
                let reason = e.to_string();
                for job in jobs {
                    let _ = job.reply.send(Err(StoreError::Unavailable(reason.clone())));
                }
                return;
            }
        };
        let mut results = Vec::with_capacity(jobs.len());
        for job in jobs {
            let result = match txn.begin().await {
                Ok(savepoint) => match self.execute_in(&savepoint, &job.request).await {
                    Ok(applied) => savepoint.commit().await.map(|()| applied).map_err(StoreError::from),
                    Err(e) => {
                        let _ = savepoint.rollback().await;
                        Err(e)
                    }
                },
                Err(e) => Err(e.into()),
            };
            results.push((job, result));
        }
        match txn.commit().await {
            Ok(()) => {
                for (job, result) in results {
                    if let Ok(applied) = &result {
                        self.ring_bells(applied);
                    }
                    let _ = job.reply.send(result);
                }
            }
            Err(e) => {
                let reason = e.to_string();
                for (job, result) in results {
                    let _ = job.reply.send(result.and(Err(StoreError::Unavailable(reason.clone()))));
                }
            }
        }
    }
}
