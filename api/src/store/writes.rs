//! A command's writes, sent to the database together. On SQLite every statement is a round
//! trip to the connection's own thread, and the one writer waits out each of them while
//! every other command waits for the writer; so the statements of a command are queued and
//! sent as one multi-statement execution, their `$N` parameters renumbered into one list.
//! On PostgreSQL each statement runs when it is queued, as before.
//!
//! A read that must see queued writes flushes first ([`Writes::flush`]); the command's
//! write phase flushes at its end, inside the transaction, so nothing queued outlives it.

use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, ExecResult, Statement, Value};

use super::sql::exec;

/// Most values in one execution. SQLite's limit (32,766 parameters) is per statement, and a
/// named `$N` takes a slot of its own statement, so one execution could hold more; a long
/// queue is sent in parts anyway, to keep one call's memory bounded.
const MAX_PARAMETERS: usize = 30_000;

/// Queued writes inside one transaction.
pub(super) struct Writes<'t> {
    txn: &'t DatabaseTransaction,
    batching: bool,
    sql: String,
    values: Vec<Value>,
}

impl<'t> Writes<'t> {
    /// Writes for `txn`: queued on SQLite, immediate on PostgreSQL.
    pub fn new(txn: &'t DatabaseTransaction) -> Self {
        let batching = txn.get_database_backend() == DbBackend::Sqlite;
        Self { txn, batching, sql: String::new(), values: Vec::new() }
    }

    /// The transaction, for reads. Flush first if they must see what is queued.
    pub fn txn(&self) -> &'t DatabaseTransaction {
        self.txn
    }

    /// Queues a statement that returns no rows.
    ///
    /// # Errors
    /// On PostgreSQL, or when a full queue is sent first, the database's error.
    pub async fn push(&mut self, sql: &str, values: Vec<Value>) -> Result<(), DbErr> {
        if !self.batching {
            return exec(self.txn, sql, values).await.map(|_| ());
        }
        if self.values.len() + values.len() > MAX_PARAMETERS {
            self.flush().await?;
        }
        shift_parameters(&mut self.sql, sql, self.values.len());
        self.sql.push_str(";\n");
        self.values.extend(values);
        Ok(())
    }

    /// Runs a statement now (after what is queued) and gives its result, for a write whose
    /// count of changed rows matters.
    ///
    /// # Errors
    /// The database's error.
    pub async fn now(&mut self, sql: &str, values: Vec<Value>) -> Result<ExecResult, DbErr> {
        self.flush().await?;
        exec(self.txn, sql, values).await
    }

    /// Sends what is queued.
    ///
    /// # Errors
    /// The database's error; the transaction is then to be rolled back.
    pub async fn flush(&mut self) -> Result<(), DbErr> {
        if self.sql.is_empty() {
            return Ok(());
        }
        let sql = std::mem::take(&mut self.sql);
        let values = std::mem::take(&mut self.values);
        // The driver leaves a parameter past the end of the list NULL instead of failing:
        // a numbering mistake here must not pass as a write of NULLs.
        debug_assert_eq!(highest_parameter(&sql), values.len(), "batch parameters: {sql}");
        // `$N` stays as written: SQLite takes `$17` as a named parameter in its own
        // statement's next slot and the driver binds it to the 17th value of the list. (As
        // `?17` it would be slot 17 of a statement with sixteen empty slots before it, which
        // the driver fills in order from the list and gives up on past its end.)
        self.txn.execute_raw(Statement::from_sql_and_values(DbBackend::Sqlite, sql, values)).await.map(|_| ())
    }
}

/// The number a piece of SQL after a `$` starts with, and the rest of the piece.
fn parameter(piece: &str) -> Option<(usize, &str)> {
    let digits = piece.bytes().take_while(u8::is_ascii_digit).count();
    piece[..digits].parse().ok().map(|n| (n, &piece[digits..]))
}

/// The highest `$N` in `sql`.
fn highest_parameter(sql: &str) -> usize {
    sql.split('$').skip(1).filter_map(parameter).map(|(n, _)| n).max().unwrap_or(0)
}

/// Appends `sql` to `out` with every `$N` parameter shifted by `offset`.
fn shift_parameters(out: &mut String, sql: &str, offset: usize) {
    let mut pieces = sql.split('$');
    out.push_str(pieces.next().unwrap_or_default());
    for piece in pieces {
        out.push('$');
        match parameter(piece) {
            Some((n, rest)) => {
                out.push_str(&(n + offset).to_string());
                out.push_str(rest);
            }
            None => out.push_str(piece),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::shift_parameters;

    #[test]
    fn parameters_are_renumbered_after_the_queued_ones() {
        let mut out = String::from("DELETE FROM tasks WHERE case_id = $1;\n");
        shift_parameters(&mut out, "INSERT INTO t (a, b) VALUES ($1, $12), ($2, '$')", 1);
        assert_eq!(out, "DELETE FROM tasks WHERE case_id = $1;\nINSERT INTO t (a, b) VALUES ($2, $13), ($3, '$')");
        assert_eq!(super::highest_parameter(&out), 13);
    }
}
