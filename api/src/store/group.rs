//! Group commit for SQLite. SQLite takes one writer at a time and each commit costs an
//! fsync, so commands from concurrent callers queue to one writer, which runs up to
//! [`MAX_GROUP`] of them in one transaction (a refused command is refused before it writes
//! anything, so it needs no savepoint), commits once, and only then answers each caller.
//! Nothing is acknowledged before it is on disk.

use tokio::sync::{mpsc, oneshot};

use super::command::{Applied, Planned, Request};
use super::{Store, StoreError};

/// Most commands committed together.
pub const MAX_GROUP: usize = 64;

/// A command waiting for the writer.
pub(super) struct Job {
    pub request: Request,
    pub reply: oneshot::Sender<Result<Applied, StoreError>>,
}

/// Starts the writer task; commands sent on the returned channel are carried out in groups.
/// (A thread of its own for the writer, tried, made the load benchmark slower: on two cores
/// it only added a thread to compete with.)
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
            // A panic while carrying out a group (a bug in the engine or a guard) fails
            // that group's callers ("the writer stopped"), not every later command.
            let store = store.clone();
            if let Err(e) = tokio::spawn(async move { store.run_group(jobs).await }).await {
                tracing::error!(error = %e, "a commit group panicked; its commands were not carried out");
            }
        }
    });
    tx
}

impl Store {
    async fn run_group(&self, jobs: Vec<Job>) {
        let _turn = self.write_turn().await;
        match self.try_group(&jobs).await {
            Ok(results) => {
                for (job, result) in jobs.into_iter().zip(results) {
                    if let Ok(applied) = &result {
                        self.ring_bells(applied);
                    }
                    let _ = job.reply.send(result);
                }
            }
            Err(e) => {
                // A write or the commit failed (not a refusal, which writes nothing): the
                // group's transaction is gone, and each command is carried out again alone,
                // so one failure fails no other caller's command.
                tracing::warn!(error = %e, commands = jobs.len(), "group commit failed; carrying out one by one");
                for job in jobs {
                    let result = self.execute_alone(&job.request).await;
                    let _ = job.reply.send(result);
                }
            }
        }
    }

    /// One transaction for the whole group. A command refused while being planned wrote
    /// nothing, so it needs no savepoint: its caller gets the refusal and the others go on.
    async fn try_group(&self, jobs: &[Job]) -> Result<Vec<Result<Applied, StoreError>>, StoreError> {
        let txn = self.begin_write().await?;
        let mut results = Vec::with_capacity(jobs.len());
        for job in jobs {
            let result = match self.plan(&txn, &job.request).await {
                Ok(Planned::Write(pending)) => match self.write(&txn, &job.request, *pending).await {
                    Ok(applied) => Ok(applied),
                    Err(e) => {
                        let _ = txn.rollback().await;
                        return Err(e);
                    }
                },
                Ok(Planned::Done(applied)) => Ok(*applied),
                Err(
                    refused @ (StoreError::Engine(_)
                    | StoreError::CaseNotFound(_)
                    | StoreError::Conflict
                    | StoreError::UnknownService(_)),
                ) => Err(refused),
                Err(failed) => {
                    // The database failed while reading (full disk, I/O error): SQLite may
                    // have ended the transaction itself, so nothing more is done in it.
                    let _ = txn.rollback().await;
                    return Err(failed);
                }
            };
            results.push(result);
        }
        txn.commit().await?;
        Ok(results)
    }
}
