//! The outbox tables of the store: edits written before they are sent, held for the undo
//! window, attempted, marked, replaced and removed.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::{Db, Result, Store, StoreError, sql_err};
use crate::domain::Referral;
use crate::domain::outbox::{OutboxAction, OutboxEntry, OutboxState};
use crate::domain::time::{format_datetime, parse_datetime};

/// What [`Store::outbox_withdraw`] found.
#[derive(Debug, Clone, PartialEq)]
pub enum Withdrawal {
    /// The entry was held and never sent: it is gone now.
    Withdrawn(Box<OutboxEntry>),
    /// The entry's hold is over or it was tried already: the server may have it.
    TooLate,
    /// No such entry (sent, or discarded).
    Gone,
}

/// An [`OutboxState`] as stored in the `state` column.
fn state_to_sql(state: OutboxState) -> &'static str {
    match state {
        OutboxState::Pending => "pending",
        OutboxState::Failed => "failed",
        OutboxState::Conflict => "conflict",
    }
}

/// The `state` column read back; anything unknown is pending.
fn state_from_sql(s: &str) -> OutboxState {
    match s {
        "failed" => OutboxState::Failed,
        "conflict" => OutboxState::Conflict,
        _ => OutboxState::Pending,
    }
}

impl Store {
    /// Writes an edit to disk (durably, before anything is sent) and returns its sequence number.
    pub fn outbox_push(
        &self,
        action: &OutboxAction,
        base: Option<&Referral>,
        summary: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let action_json =
            serde_json::to_string(action).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let base_json = base
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.conn
            .execute(
                "INSERT INTO outbox (action, base, summary, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![action_json, base_json, summary, format_datetime(&now)],
            )
            .map_err(|e| self.err(e))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Holds an entry back until `until` (it is not sent before; see [`Store::outbox_withdraw`]).
    pub fn outbox_hold(&self, seq: i64, until: DateTime<Utc>) -> Result<()> {
        self.conn
            .execute(
                "UPDATE outbox SET not_before = ?2 WHERE seq = ?1",
                params![seq, format_datetime(&until)],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// The entries still held back at `now`, with the time each may be sent.
    pub fn outbox_held(&self, now: DateTime<Utc>) -> Result<HashMap<i64, DateTime<Utc>>> {
        let mut stmt = self
            .conn
            .prepare("SELECT seq, not_before FROM outbox WHERE not_before IS NOT NULL")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
            .map_err(|e| self.err(e))?
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| self.err(e))?;
        Ok(rows
            .into_iter()
            .filter_map(|(seq, at)| parse_datetime(&at).map(|at| (seq, at)))
            .filter(|(_, at)| *at > now)
            .collect())
    }

    /// Takes back an entry that is still held at `now` and was never tried (undo), in one
    /// transaction with the check; anything later is too late.
    pub fn outbox_withdraw(&mut self, seq: i64, now: DateTime<Utc>) -> Result<Withdrawal> {
        let held = self.outbox_held(now)?.contains_key(&seq);
        let tx = self
            .conn
            .transaction()
            .map_err(|e| sql_err(&self.path, e))?;
        let attempts: Option<i64> = tx
            .query_row("SELECT attempts FROM outbox WHERE seq = ?1", [seq], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| sql_err(&self.path, e))?;
        let outcome = match attempts {
            None => Withdrawal::Gone,
            Some(n) if n > 0 || !held => Withdrawal::TooLate,
            Some(_) => {
                let entry = Db {
                    conn: &tx,
                    path: &self.path,
                }
                .outbox()?
                .into_iter()
                .find(|e| e.seq == seq);
                tx.execute("DELETE FROM outbox WHERE seq = ?1", [seq])
                    .map_err(|e| sql_err(&self.path, e))?;
                match entry {
                    Some(e) => Withdrawal::Withdrawn(Box::new(e)),
                    None => Withdrawal::Gone,
                }
            }
        };
        tx.commit().map_err(|e| sql_err(&self.path, e))?;
        Ok(outcome)
    }

    /// Every entry, oldest first.
    pub fn outbox(&self) -> Result<Vec<OutboxEntry>> {
        self.db().outbox()
    }

    /// Entries not yet sent or resolved.
    pub fn outbox_len(&self) -> Result<usize> {
        self.conn
            .query_row("SELECT COUNT(*) FROM outbox", [], |r| r.get::<_, i64>(0))
            .map(|n| n as usize)
            .map_err(|e| self.err(e))
    }

    /// Counts an attempt, durably, before it is sent: after a crash mid-request the next run
    /// knows the server may have the change already.
    pub fn outbox_attempt(&self, seq: i64) -> Result<()> {
        self.db().outbox_attempt(seq)
    }

    /// Records an attempt's outcome.
    pub fn outbox_mark(&self, seq: i64, state: OutboxState, error: Option<&str>) -> Result<()> {
        self.db().outbox_mark(seq, state, error)
    }

    /// Puts a failed or conflicting entry back in the queue (the user chose retry).
    pub fn outbox_retry(&self, seq: i64) -> Result<()> {
        self.conn
            .execute(
                "UPDATE outbox SET state = 'pending', last_error = NULL WHERE seq = ?1",
                [seq],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Replaces an entry's action (a conflict resolved into new operations and eTag).
    pub fn outbox_replace(&self, seq: i64, action: &OutboxAction) -> Result<()> {
        self.db().outbox_replace(seq, action)
    }

    /// Removes an entry (sent, or discarded by the user).
    pub fn outbox_remove(&self, seq: i64) -> Result<()> {
        self.db().outbox_remove(seq)
    }

    // ---- purge -----------------------------------------------------------------------------
}

impl Db<'_> {
    /// Every entry, oldest first.
    pub(super) fn outbox(&self) -> Result<Vec<OutboxEntry>> {
        let mut stmt = self
            .conn
            .prepare("SELECT seq, action, base, summary, created_at, attempts, last_error, state FROM outbox ORDER BY seq")
            .map_err(|e| self.err(e))?;
        let raw = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, i64>(5)?,
                    r.get::<_, Option<String>>(6)?,
                    r.get::<_, String>(7)?,
                ))
            })
            .map_err(|e| self.err(e))?
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| self.err(e))?;
        raw.into_iter()
            .map(
                |(seq, action, base, summary, created, attempts, last_error, state)| {
                    let action = serde_json::from_str(&action)
                        .map_err(|e| StoreError::Corrupt(format!("outbox entry {seq}: {e}")))?;
                    let base = base
                        .map(|b| serde_json::from_str::<Referral>(&b).map(Box::new))
                        .transpose()
                        .map_err(|e| StoreError::Corrupt(format!("outbox entry {seq}: {e}")))?;
                    Ok(OutboxEntry {
                        seq,
                        action,
                        base,
                        summary,
                        created_at: parse_datetime(&created).unwrap_or_default(),
                        attempts: attempts.max(0) as u32,
                        last_error,
                        state: state_from_sql(&state),
                    })
                },
            )
            .collect()
    }

    /// Counts an attempt, durably, before it is sent: after a crash mid-request the next run
    /// knows the server may have the change already.
    pub(super) fn outbox_attempt(&self, seq: i64) -> Result<()> {
        self.conn
            .execute(
                "UPDATE outbox SET attempts = attempts + 1 WHERE seq = ?1",
                [seq],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Records an attempt's outcome.
    pub(super) fn outbox_mark(
        &self,
        seq: i64,
        state: OutboxState,
        error: Option<&str>,
    ) -> Result<()> {
        self.conn
            .execute(
                "UPDATE outbox SET state = ?2, last_error = ?3 WHERE seq = ?1",
                params![seq, state_to_sql(state), error],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Replaces an entry's action (a conflict resolved into new operations and eTag).
    pub(super) fn outbox_replace(&self, seq: i64, action: &OutboxAction) -> Result<()> {
        let json = serde_json::to_string(action).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.conn
            .execute(
                "UPDATE outbox SET action = ?2, state = 'pending', last_error = NULL WHERE seq = ?1",
                params![seq, json],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Removes an entry (sent, or discarded by the user).
    pub(super) fn outbox_remove(&self, seq: i64) -> Result<()> {
        self.conn
            .execute("DELETE FROM outbox WHERE seq = ?1", [seq])
            .map(|_| ())
            .map_err(|e| self.err(e))
    }
}
