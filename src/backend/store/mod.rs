//! The local store: one SQLite file under the data directory holding the cached referrals (for an
//! instant, offline start), the last sync time, the last Marketo report of each referral, and the
//! durable outbox of edits.
//!
//! Choices:
//! - The file is created with mode 0600 before SQLite opens it; SQLite gives its `-wal`/`-shm`
//!   companions the same mode.
//! - WAL journal with `synchronous=FULL`: an edit acknowledged by [`Store::outbox_push`] is on
//!   disk and survives `kill -9` and power loss.
//! - Every list column is stored beside the referral's JSON so the list can be loaded without
//!   parsing 100,000 JSON documents; the JSON is parsed only when a detail is opened.
//! - Schema changes are numbered migrations tracked in `PRAGMA user_version`; a database newer
//!   than this build is refused with a message rather than modified.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::domain::marketo::MarketoBadge;
use crate::domain::row::PackedRows;
use crate::domain::time::{format_datetime, parse_datetime};
use crate::domain::*;

mod outbox;

pub use outbox::Withdrawal;

/// Errors of the local store, with the file they concern.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("local store {path}: {message}")]
    Sqlite { path: PathBuf, message: String },
    #[error("local store {path}: {message}")]
    Io { path: PathBuf, message: String },
    #[error(
        "local store {path} was written by a newer refdeck (schema {found}, this build knows {known}); upgrade refdeck or use another --data-dir"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("local store: a stored record is damaged: {0}")]
    Corrupt(String),
}

pub type Result<T> = std::result::Result<T, StoreError>;

use crate::domain::outbox::{StoreOp, linked, rechained, with_pending};

const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

const MIGRATIONS: &[&str] = &[
    // 1: referrals with their list columns, meta, Marketo reports, outbox.
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
     CREATE TABLE referrals (
        id TEXT PRIMARY KEY,
        json TEXT NOT NULL,
        engagement_id TEXT NOT NULL DEFAULT '',
        name TEXT NOT NULL DEFAULT '',
        customer TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL DEFAULT '',
        substatus TEXT NOT NULL DEFAULT '',
        type TEXT, direction TEXT, qualification TEXT, sales_stage TEXT, registration_status TEXT,
        deal_value REAL,
        currency TEXT NOT NULL DEFAULT '',
        country TEXT NOT NULL DEFAULT '',
        closing TEXT, created TEXT, updated TEXT,
        favorite INTEGER NOT NULL DEFAULT 0,
        search_text TEXT NOT NULL DEFAULT '',
        marketo TEXT NOT NULL DEFAULT 'unknown'
     );
     CREATE INDEX referrals_updated ON referrals(updated DESC);
     CREATE INDEX referrals_engagement ON referrals(engagement_id);
     CREATE TABLE marketo_reports (id TEXT PRIMARY KEY, json TEXT NOT NULL, checked_at TEXT NOT NULL);
     CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        action TEXT NOT NULL,
        base TEXT,
        summary TEXT NOT NULL,
        created_at TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        state TEXT NOT NULL DEFAULT 'pending'
     );",
    // 2: an entry may be held back until a time (the undo window of a status move).
    "ALTER TABLE outbox ADD COLUMN not_before TEXT;",
    // 3: which referrals are Microsoft's linked copies (target `BusinessProfileLocation`/`msft`).
    "ALTER TABLE referrals ADD COLUMN microsoft INTEGER NOT NULL DEFAULT 0;
     UPDATE referrals SET microsoft = 1 WHERE EXISTS (
        SELECT 1 FROM json_each(referrals.json, '$.target') AS t
        WHERE json_extract(t.value, '$.id') = 'msft'
          AND json_extract(t.value, '$.type') = 'BusinessProfileLocation');",
    // 4: favorites are a local mark (the service takes no PATCH of `/favorite`), kept apart
    // from the referrals a refresh overwrites; the marks so far are carried over.
    "CREATE TABLE favorites (id TEXT PRIMARY KEY);
     INSERT INTO favorites (id) SELECT id FROM referrals WHERE favorite = 1;",
    // 5: when a referral expires unanswered and when it was closed, for the expiry queue and
    // the `expires`/`closed` filter tokens; filled from the stored documents.
    "ALTER TABLE referrals ADD COLUMN expires TEXT;
     ALTER TABLE referrals ADD COLUMN closed TEXT;
     UPDATE referrals SET expires = json_extract(json, '$.expirationDateTime'),
        closed = json_extract(json, '$.closedDateTime');",
    // 6: what the seller last saw of each referral (its `updatedDateTime` when last opened);
    // a referral whose `updatedDateTime` differs, or that was never seen, is marked new. The
    // referrals cached before are taken as seen.
    "CREATE TABLE seen (id TEXT PRIMARY KEY, updated TEXT);
     INSERT INTO seen (id, updated) SELECT id, updated FROM referrals;",
];

/// The local store. Not `Sync`: the backend owns it and runs its calls off the async threads.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

/// The file name of the store inside the data directory.
pub const FILE_NAME: &str = "refdeck.sqlite3";

impl Store {
    /// Opens (creating if needed, mode 0600) and migrates the store at `path`.
    pub fn open(path: &Path) -> Result<Store> {
        let io_err = |e: std::io::Error| StoreError::Io {
            path: path.to_path_buf(),
            message: e.to_string(),
        };
        if let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir).map_err(io_err)?;
        }
        crate::backend::secure_file::create_private(path).map_err(io_err)?;
        let conn = Connection::open(path).map_err(|e| sql_err(path, e))?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
        };
        store.configure()?;
        store.migrate()?;
        Ok(store)
    }

    /// An in-memory store (tests and `--no-cache`).
    pub fn open_in_memory() -> Result<Store> {
        let path = PathBuf::from(":memory:");
        let conn = Connection::open_in_memory().map_err(|e| sql_err(&path, e))?;
        let mut store = Store { conn, path };
        store.migrate()?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, e: rusqlite::Error) -> StoreError {
        sql_err(&self.path, e)
    }

    /// The store's statements on its connection.
    fn db(&self) -> Db<'_> {
        Db {
            conn: &self.conn,
            path: &self.path,
        }
    }

    /// Runs `f` in one transaction: all of it is written, or none.
    fn transaction<T>(&mut self, f: impl FnOnce(&Db<'_>) -> Result<T>) -> Result<T> {
        let tx = self
            .conn
            .transaction()
            .map_err(|e| sql_err(&self.path, e))?;
        let out = f(&Db {
            conn: &tx,
            path: &self.path,
        })?;
        tx.commit().map_err(|e| sql_err(&self.path, e))?;
        Ok(out)
    }

    /// Applies store operations in one transaction and returns the list rows of the referrals
    /// the [`StoreOp::Fetched`] among them stored. `source` is the server the referrals came
    /// from (for the sync mark).
    pub fn apply(&mut self, source: &str, ops: &[StoreOp]) -> Result<Vec<ReferralRow>> {
        self.transaction(|db| {
            let mut rows = Vec::new();
            for op in ops {
                rows.extend(db.apply(source, op)?);
            }
            Ok(rows)
        })
    }

    fn configure(&mut self) -> Result<()> {
        self.conn
            .execute_batch(
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=5000;",
            )
            .map_err(|e| sql_err(&self.path, e))
    }

    fn migrate(&mut self) -> Result<()> {
        let version: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::TooNew {
                path: self.path.clone(),
                found: version,
                known: SCHEMA_VERSION,
            });
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            let tx = self
                .conn
                .transaction()
                .map_err(|e| sql_err(&self.path, e))?;
            tx.execute_batch(sql).map_err(|e| sql_err(&self.path, e))?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)
                .map_err(|e| sql_err(&self.path, e))?;
            tx.commit().map_err(|e| sql_err(&self.path, e))?;
        }
        Ok(())
    }

    // ---- referrals -------------------------------------------------------------------------

    /// Inserts or replaces referrals (and their list columns) in one transaction. The Marketo
    /// badge of an existing row is kept.
    pub fn upsert(&mut self, referrals: &[Referral]) -> Result<()> {
        self.transaction(|db| db.upsert(referrals))
    }

    /// The list rows, most recently updated first; `limit` for a quick first screen.
    pub fn load_rows(&self, limit: Option<usize>) -> Result<Vec<ReferralRow>> {
        let mut rows = Vec::new();
        self.each_row(limit, |r| rows.push(r))?;
        Ok(rows)
    }

    /// [`Store::load_rows`] packed as they are read: a million rows never exist unpacked at
    /// once (see [`PackedRows`]).
    pub fn load_packed(&self, limit: Option<usize>) -> Result<PackedRows> {
        let mut rows = PackedRows::default();
        self.each_row(limit, |r| rows.push(r))?;
        Ok(rows)
    }

    /// Calls `f` with each list row, most recently updated first.
    fn each_row(&self, limit: Option<usize>, mut f: impl FnMut(ReferralRow)) -> Result<()> {
        let sql = format!(
            "SELECT {ROW_COLUMNS} FROM referrals ORDER BY updated DESC, id{}",
            match limit {
                Some(n) => format!(" LIMIT {n}"),
                None => String::new(),
            }
        );
        let mut stmt = self.conn.prepare(&sql).map_err(|e| self.err(e))?;
        for row in stmt.query_map([], row_from_sql).map_err(|e| self.err(e))? {
            f(row.map_err(|e| self.err(e))?);
        }
        Ok(())
    }

    /// The list rows of some referrals (missing ids are left out).
    pub fn rows_by_ids(&self, ids: &[String]) -> Result<Vec<ReferralRow>> {
        self.db().rows_by_ids(ids)
    }

    /// A referral and the rows of its engagement, for the detail pane; its `favorite` is the
    /// local mark (see [`Store::set_favorite`]).
    pub fn detail(&self, id: &str) -> Result<Option<(Referral, Vec<ReferralRow>)>> {
        let Some(mut r) = self.get(id)? else {
            return Ok(None);
        };
        r.favorite = Some(self.is_favorite(id)?);
        let related = match r.engagement_id.as_deref() {
            Some(e) if !e.is_empty() => self.related(e)?,
            _ => Vec::new(),
        };
        Ok(Some((r, related)))
    }

    /// Marks or unmarks a referral as a favorite, on this computer only: the service takes no
    /// PATCH of `/favorite` (it is not on the Partner Center Referrals connector's list of
    /// patchable paths), so the mark never goes to the server and survives every refresh.
    /// Returns the referral's list row, when it is cached.
    pub fn set_favorite(&mut self, id: &str, favorite: bool) -> Result<Option<ReferralRow>> {
        let key = [id.to_string()];
        self.transaction(|db| {
            let sql = if favorite {
                "INSERT OR IGNORE INTO favorites (id) VALUES (?1)"
            } else {
                "DELETE FROM favorites WHERE id = ?1"
            };
            db.conn.execute(sql, [id]).map_err(|e| db.err(e))?;
            db.conn
                .execute(
                    "UPDATE referrals SET favorite = ?2 WHERE id = ?1",
                    params![id, favorite],
                )
                .map_err(|e| db.err(e))?;
            Ok(db.rows_by_ids(&key)?.pop())
        })
    }

    /// True when the referral carries the local favorite mark.
    pub fn is_favorite(&self, id: &str) -> Result<bool> {
        self.conn
            .query_row(
                "SELECT EXISTS(SELECT 1 FROM favorites WHERE id = ?1)",
                [id],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))
    }

    /// How many referrals are cached.
    pub fn count(&self) -> Result<usize> {
        self.conn
            .query_row("SELECT COUNT(*) FROM referrals", [], |r| r.get::<_, i64>(0))
            .map(|n| n as usize)
            .map_err(|e| self.err(e))
    }

    /// One cached referral.
    pub fn get(&self, id: &str) -> Result<Option<Referral>> {
        let json: Option<String> = self
            .conn
            .query_row("SELECT json FROM referrals WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.err(e))?;
        json.map(|j| {
            serde_json::from_str(&j).map_err(|e| StoreError::Corrupt(format!("referral {id}: {e}")))
        })
        .transpose()
    }

    /// Several cached referrals, in the order of `ids` (missing ones are left out).
    pub fn get_many(&self, ids: &[String]) -> Result<Vec<Referral>> {
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(r) = self.get(id)? {
                out.push(r);
            }
        }
        Ok(out)
    }

    /// Every cached referral (export, Marketo check of the whole list).
    pub fn all(&self) -> Result<Vec<Referral>> {
        let mut stmt = self
            .conn
            .prepare("SELECT json FROM referrals ORDER BY updated DESC, id")
            .map_err(|e| self.err(e))?;
        let jsons = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(|e| self.err(e))?
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| self.err(e))?;
        jsons
            .iter()
            .map(|j| serde_json::from_str(j).map_err(|e| StoreError::Corrupt(e.to_string())))
            .collect()
    }

    /// The ids of every cached referral, in list order (most recently updated first): a check
    /// of the whole list reads referrals slice by slice from these.
    pub fn ids(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id FROM referrals ORDER BY updated DESC, id")
            .map_err(|e| self.err(e))?;
        let ids = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(|e| self.err(e))?
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| self.err(e))?;
        Ok(ids)
    }

    /// The referrals of one engagement.
    pub fn related(&self, engagement_id: &str) -> Result<Vec<ReferralRow>> {
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT {ROW_COLUMNS} FROM referrals WHERE engagement_id = ?1 ORDER BY created, id"
            ))
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([engagement_id], row_from_sql)
            .map_err(|e| self.err(e))?
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| self.err(e))?;
        Ok(rows)
    }

    // ---- meta ------------------------------------------------------------------------------

    fn meta(&self, key: &str) -> Result<Option<String>> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))
    }

    /// The server's `updatedDateTime` high-water mark of the last successful sync, and which
    /// server it came from (a sync against another server must start over).
    pub fn last_sync(&self, source: &str) -> Result<Option<DateTime<Utc>>> {
        if self.meta("sync_source")?.as_deref() != Some(source) {
            return Ok(None);
        }
        Ok(self.meta("last_sync")?.as_deref().and_then(parse_datetime))
    }

    pub fn set_last_sync(&self, source: &str, at: DateTime<Utc>) -> Result<()> {
        self.db().set_last_sync(source, at)
    }

    /// Records that the seller opened the referral: it is no longer new (until it changes).
    pub fn mark_seen(&self, id: &str) -> Result<()> {
        self.db().mark_seen(id)
    }

    /// The latest `updatedDateTime` among cached referrals.
    pub fn max_updated(&self) -> Result<Option<DateTime<Utc>>> {
        self.db().max_updated()
    }

    // ---- Marketo ---------------------------------------------------------------------------

    /// Records the Marketo badge of a referral and, when given, the full report (JSON).
    pub fn set_marketo(
        &self,
        id: &str,
        badge: MarketoBadge,
        report_json: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<()> {
        write_marketo(&self.conn, id, badge, report_json, &format_datetime(&at))
            .map_err(|e| self.err(e))
    }

    /// [`Store::set_marketo`] for many referrals in one transaction (one sync to disk, not one
    /// per referral): what a check of the whole list writes per slice.
    pub fn set_marketo_many(
        &mut self,
        items: &[(String, MarketoBadge, Option<String>)],
        at: DateTime<Utc>,
    ) -> Result<()> {
        let path = self.path.clone();
        let at = format_datetime(&at);
        let tx = self.conn.transaction().map_err(|e| sql_err(&path, e))?;
        for (id, badge, json) in items {
            write_marketo(&tx, id, *badge, json.as_deref(), &at).map_err(|e| sql_err(&path, e))?;
        }
        tx.commit().map_err(|e| sql_err(&path, e))
    }

    /// The last Marketo report of a referral (JSON) and when it was made.
    pub fn marketo_report(&self, id: &str) -> Result<Option<(String, DateTime<Utc>)>> {
        let row: Option<(String, String)> = self
            .conn
            .query_row(
                "SELECT json, checked_at FROM marketo_reports WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        Ok(row.map(|(json, at)| (json, parse_datetime(&at).unwrap_or_default())))
    }

    /// Wipes every cached customer record (referrals, Marketo reports, sync marks). The outbox
    /// holds the user's own unsent edits and is kept unless `include_outbox`.
    pub fn purge(&mut self, include_outbox: bool) -> Result<()> {
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(|e| sql_err(&path, e))?;
        tx.execute_batch("DELETE FROM referrals; DELETE FROM marketo_reports; DELETE FROM meta;")
            .map_err(|e| sql_err(&path, e))?;
        if include_outbox {
            tx.execute_batch("DELETE FROM outbox;")
                .map_err(|e| sql_err(&path, e))?;
        }
        tx.commit().map_err(|e| sql_err(&path, e))?;
        self.conn
            .execute_batch("VACUUM;")
            .map_err(|e| sql_err(&path, e))
    }
}

/// The statements shared by the store's own calls and its transactions (`conn` may be a
/// transaction).
struct Db<'a> {
    conn: &'a Connection,
    path: &'a Path,
}

impl Db<'_> {
    fn err(&self, e: rusqlite::Error) -> StoreError {
        sql_err(self.path, e)
    }

    /// Applies one operation; the rows of what a [`StoreOp::Fetched`] stored.
    fn apply(&self, source: &str, op: &StoreOp) -> Result<Vec<ReferralRow>> {
        match op {
            StoreOp::CountAttempt(seq) => self.outbox_attempt(*seq)?,
            StoreOp::Delete(seq) => self.outbox_remove(*seq)?,
            StoreOp::Mark { seq, state, error } => {
                self.outbox_mark(*seq, *state, error.as_deref())?
            }
            StoreOp::Rechain {
                referral_id,
                from,
                to,
            } => {
                for (seq, action) in rechained(&self.outbox()?, referral_id, from, to) {
                    self.outbox_replace(seq, &action)?;
                }
            }
            StoreOp::Link {
                after,
                engagement_id,
            } => {
                for (seq, action) in linked(&self.outbox()?, *after, engagement_id) {
                    self.outbox_replace(seq, &action)?;
                }
            }
            StoreOp::Fetched(referrals) => return self.store_fetched(source, referrals, true),
            StoreOp::FetchedPage(referrals) => {
                return self.store_fetched(source, referrals, false);
            }
        }
        Ok(Vec::new())
    }

    /// Records that the seller has seen the referral as it is now stored.
    fn mark_seen(&self, id: &str) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO seen (id, updated) SELECT id, updated FROM referrals WHERE id = ?1
                 ON CONFLICT(id) DO UPDATE SET updated = excluded.updated",
            )
            .and_then(|mut st| st.execute([id]))
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Stores referrals fetched from `source` with the unsent edits applied on top, moves the
    /// sync mark (with `mark`), and returns their rows.
    fn store_fetched(
        &self,
        source: &str,
        referrals: &[Referral],
        mark: bool,
    ) -> Result<Vec<ReferralRow>> {
        let pending = self.outbox()?;
        let shown: Vec<Referral> = referrals
            .iter()
            .map(|r| with_pending(r.clone(), &pending))
            .collect();
        // The very first sync is the baseline of what the seller has seen.
        let baseline: bool = self
            .conn
            .query_row(
                "SELECT NOT EXISTS (SELECT 1 FROM meta WHERE key = 'last_sync')",
                [],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))?;
        self.upsert(&shown)?;
        if baseline {
            for r in &shown {
                self.mark_seen(r.id())?;
            }
        }
        if mark && let Some(max) = self.max_updated()? {
            self.set_last_sync(source, max)?;
        }
        let ids: Vec<String> = shown.iter().map(|r| r.id().to_string()).collect();
        self.rows_by_ids(&ids)
    }

    /// Inserts or replaces referrals (and their list columns); the Marketo badge of an
    /// existing row is kept. The favorite column is the local mark; a referral seen for the
    /// first time with the service's read-only `favorite: true` gets the mark.
    fn upsert(&self, referrals: &[Referral]) -> Result<()> {
        let mut adopt = self
            .conn
            .prepare_cached(
                "INSERT OR IGNORE INTO favorites (id) SELECT ?1
                 WHERE NOT EXISTS (SELECT 1 FROM referrals WHERE id = ?1)",
            )
            .map_err(|e| self.err(e))?;
        let mut stmt = self
            .conn
            .prepare_cached(
                "INSERT INTO referrals (id, json, engagement_id, name, customer, status, substatus, type,
                    direction, qualification, sales_stage, registration_status, deal_value, currency, country,
                    closing, created, updated, favorite, search_text, microsoft, expires, closed)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
                    EXISTS(SELECT 1 FROM favorites WHERE id = ?1), ?19, ?20, ?21, ?22)
                 ON CONFLICT(id) DO UPDATE SET json=excluded.json, engagement_id=excluded.engagement_id,
                    name=excluded.name, customer=excluded.customer, status=excluded.status,
                    substatus=excluded.substatus, type=excluded.type, direction=excluded.direction,
                    qualification=excluded.qualification, sales_stage=excluded.sales_stage,
                    registration_status=excluded.registration_status, deal_value=excluded.deal_value,
                    currency=excluded.currency, country=excluded.country, closing=excluded.closing,
                    created=excluded.created, updated=excluded.updated, favorite=excluded.favorite,
                    search_text=excluded.search_text, microsoft=excluded.microsoft,
                    expires=excluded.expires, closed=excluded.closed",
            )
            .map_err(|e| self.err(e))?;
        for r in referrals {
            let Some(id) = r.id.as_deref().filter(|s| !s.is_empty()) else {
                continue;
            };
            let json = serde_json::to_string(r).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let row = ReferralRow::from(r);
            if row.favorite {
                adopt.execute([id]).map_err(|e| self.err(e))?;
            }
            stmt.execute(params![
                id,
                json,
                row.engagement_id,
                row.name,
                row.customer,
                row.status.as_str(),
                row.substatus.as_str(),
                row.referral_type.as_ref().map(|v| v.as_str().to_string()),
                row.direction.as_ref().map(|v| v.as_str().to_string()),
                row.qualification.as_ref().map(|v| v.as_str().to_string()),
                row.sales_stage.as_ref().map(|v| v.as_str().to_string()),
                row.registration_status
                    .as_ref()
                    .map(|v| v.as_str().to_string()),
                row.deal_value,
                row.currency,
                row.country,
                row.closing.as_ref().map(format_datetime),
                row.created.as_ref().map(format_datetime),
                row.updated.as_ref().map(format_datetime),
                row.search_text,
                row.microsoft,
                row.expires.as_ref().map(format_datetime),
                row.closed.as_ref().map(format_datetime),
            ])
            .map_err(|e| self.err(e))?;
        }
        Ok(())
    }

    /// The list rows of some referrals (missing ids are left out).
    fn rows_by_ids(&self, ids: &[String]) -> Result<Vec<ReferralRow>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {ROW_COLUMNS} FROM referrals WHERE id = ?1"
            ))
            .map_err(|e| self.err(e))?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(row) = stmt
                .query_row([id], row_from_sql)
                .optional()
                .map_err(|e| self.err(e))?
            {
                out.push(row);
            }
        }
        Ok(out)
    }

    fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [key, value],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    fn set_last_sync(&self, source: &str, at: DateTime<Utc>) -> Result<()> {
        self.set_meta("sync_source", source)?;
        self.set_meta("last_sync", &format_datetime(&at))
    }

    /// The latest `updatedDateTime` among cached referrals.
    fn max_updated(&self) -> Result<Option<DateTime<Utc>>> {
        let s: Option<String> = self
            .conn
            .query_row("SELECT MAX(updated) FROM referrals", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        Ok(s.as_deref().and_then(parse_datetime))
    }
}

/// Writes one referral's badge and (when given) report; `conn` may be a transaction.
fn write_marketo(
    conn: &Connection,
    id: &str,
    badge: MarketoBadge,
    report_json: Option<&str>,
    at: &str,
) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE referrals SET marketo = ?2 WHERE id = ?1")?
        .execute(params![id, badge.as_str()])?;
    if let Some(json) = report_json {
        conn.prepare_cached(
            "INSERT INTO marketo_reports (id, json, checked_at) VALUES (?1, ?2, ?3)
             ON CONFLICT(id) DO UPDATE SET json = excluded.json, checked_at = excluded.checked_at",
        )?
        .execute(params![id, json, at])?;
    }
    Ok(())
}

fn sql_err(path: &Path, e: rusqlite::Error) -> StoreError {
    StoreError::Sqlite {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// The columns `row_from_sql` reads, in its order.
const ROW_COLUMNS: &str = "id, engagement_id, name, customer, status, substatus, type, direction, qualification, \
    sales_stage, registration_status, deal_value, currency, country, closing, created, updated, favorite, \
    search_text, marketo, microsoft, expires, closed, \
    NOT EXISTS (SELECT 1 FROM seen WHERE seen.id = referrals.id AND seen.updated IS referrals.updated)";

fn row_from_sql(r: &Row<'_>) -> rusqlite::Result<ReferralRow> {
    let opt_enum = |i: usize| -> rusqlite::Result<Option<String>> { r.get::<_, Option<String>>(i) };
    let date = |i: usize| -> rusqlite::Result<Option<DateTime<Utc>>> {
        Ok(r.get::<_, Option<String>>(i)?
            .as_deref()
            .and_then(parse_datetime))
    };
    Ok(ReferralRow {
        id: r.get(0)?,
        engagement_id: r.get(1)?,
        name: r.get(2)?,
        customer: r.get(3)?,
        status: Status::parse(&r.get::<_, String>(4)?),
        substatus: Substatus::parse(&r.get::<_, String>(5)?),
        referral_type: opt_enum(6)?.map(|s| ReferralType::parse(&s)),
        direction: opt_enum(7)?.map(|s| Direction::parse(&s)),
        qualification: opt_enum(8)?.map(|s| Qualification::parse(&s)),
        sales_stage: opt_enum(9)?.map(|s| SalesStage::parse(&s)),
        registration_status: opt_enum(10)?.map(|s| RegistrationStatus::parse(&s)),
        deal_value: r.get(11)?,
        currency: r.get(12)?,
        country: r.get(13)?,
        closing: date(14)?,
        created: date(15)?,
        updated: date(16)?,
        favorite: r.get(17)?,
        search_text: r.get(18)?,
        marketo: MarketoBadge::parse(&r.get::<_, String>(19)?).unwrap_or_default(),
        microsoft: r.get(20)?,
        expires: date(21)?,
        closed: date(22)?,
        unseen: r.get(23)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::outbox::StoreOp;
    use crate::domain::outbox::{OutboxAction, OutboxState};
    use crate::domain::patch::PatchOp;
    use serde_json::json;

    fn referral(id: &str, updated: &str) -> Referral {
        serde_json::from_value(json!({
            "id": id, "name": format!("Deal {id}"), "status": "New", "substatus": "Pending",
            "updatedDateTime": updated, "engagementId": "e1",
            "customerProfile": {"name": "Contoso"}, "details": {"dealValue": 10.0, "currency": "USD"},
            "futureField": [1, 2]
        }))
        .unwrap()
    }

    #[test]
    fn referrals_round_trip_through_the_store() {
        let mut s = Store::open_in_memory().unwrap();
        let a = referral("a", "2026-01-01T00:00:00Z");
        let b = referral("b", "2026-02-01T00:00:00Z");
        s.upsert(&[a.clone(), b.clone()]).unwrap();
        assert_eq!(s.get("a").unwrap().unwrap(), a);
        let rows = s.load_rows(None).unwrap();
        assert_eq!(
            rows.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
            ["b", "a"]
        );
        // Never opened and not part of a first sync: new to the seller.
        assert_eq!(
            rows[0],
            ReferralRow {
                unseen: true,
                ..ReferralRow::from(&b)
            }
        );
        assert_eq!(s.load_rows(Some(1)).unwrap().len(), 1);
        assert_eq!(s.related("e1").unwrap().len(), 2);
        assert_eq!(
            s.max_updated().unwrap(),
            parse_datetime("2026-02-01T00:00:00Z")
        );
    }

    #[test]
    fn favorites_are_local_and_survive_refreshes() {
        let mut s = Store::open_in_memory().unwrap();
        let mut served = referral("a", "2026-01-01T00:00:00Z");
        served.favorite = Some(true);
        s.upsert(&[served.clone(), referral("b", "2026-01-01T00:00:00Z")])
            .unwrap();
        assert!(
            s.is_favorite("a").unwrap(),
            "the service's mark when first seen"
        );
        let row = s.set_favorite("b", true).unwrap().unwrap();
        assert!(row.favorite);
        assert_eq!(
            s.set_favorite("a", false).unwrap().map(|r| r.favorite),
            Some(false)
        );
        // A refresh overwrites the referrals, never the marks.
        s.upsert(&[served, referral("b", "2026-02-01T00:00:00Z")])
            .unwrap();
        let fav: Vec<(String, bool)> = s
            .load_rows(None)
            .unwrap()
            .into_iter()
            .map(|r| (r.id, r.favorite))
            .collect();
        assert!(fav.contains(&("a".into(), false)), "{fav:?}");
        assert!(fav.contains(&("b".into(), true)), "{fav:?}");
        assert_eq!(s.detail("b").unwrap().unwrap().0.favorite, Some(true));
        assert_eq!(s.set_favorite("gone", true).unwrap(), None);
    }

    #[test]
    fn upsert_keeps_the_marketo_badge() {
        let mut s = Store::open_in_memory().unwrap();
        s.upsert(&[referral("a", "2026-01-01T00:00:00Z")]).unwrap();
        s.set_marketo("a", MarketoBadge::Synced, Some("{}"), Utc::now())
            .unwrap();
        s.upsert(&[referral("a", "2026-03-01T00:00:00Z")]).unwrap();
        assert_eq!(s.load_rows(None).unwrap()[0].marketo, MarketoBadge::Synced);
        assert_eq!(s.marketo_report("a").unwrap().unwrap().0, "{}");
    }

    #[test]
    fn marketo_results_of_a_slice_are_written_together() {
        let mut s = Store::open_in_memory().unwrap();
        s.upsert(&[
            referral("a", "2026-01-01T00:00:00Z"),
            referral("b", "2026-02-01T00:00:00Z"),
        ])
        .unwrap();
        assert_eq!(s.ids().unwrap(), ["b", "a"]);
        let at = parse_datetime("2026-03-01T10:00:00Z").unwrap();
        s.set_marketo_many(
            &[
                ("a".into(), MarketoBadge::Partial, Some("{\"x\":1}".into())),
                ("b".into(), MarketoBadge::Missing, None),
            ],
            at,
        )
        .unwrap();
        let rows = s.load_rows(None).unwrap();
        assert_eq!(rows[0].marketo, MarketoBadge::Missing);
        assert_eq!(rows[1].marketo, MarketoBadge::Partial);
        assert_eq!(
            s.marketo_report("a").unwrap(),
            Some(("{\"x\":1}".to_string(), at))
        );
        assert_eq!(s.marketo_report("b").unwrap(), None);
    }

    #[test]
    fn a_held_entry_can_be_withdrawn_until_its_time_only() {
        let mut s = Store::open_in_memory().unwrap();
        let patch = OutboxAction::Patch {
            referral_id: "a".into(),
            ops: vec![PatchOp::replace("/status", json!("Active"))],
            etag: None,
        };
        let now = Utc::now();
        let seq = s.outbox_push(&patch, None, "status", now).unwrap();
        s.outbox_hold(seq, now + chrono::Duration::seconds(5))
            .unwrap();
        assert!(s.outbox_held(now).unwrap().contains_key(&seq));
        let late = now + chrono::Duration::seconds(6);
        assert!(
            s.outbox_held(late).unwrap().is_empty(),
            "held past its time"
        );
        assert_eq!(s.outbox_withdraw(seq, late).unwrap(), Withdrawal::TooLate);
        assert!(matches!(
            s.outbox_withdraw(seq, now).unwrap(),
            Withdrawal::Withdrawn(e) if e.seq == seq
        ));
        assert!(s.outbox().unwrap().is_empty());
        assert_eq!(s.outbox_withdraw(seq, now).unwrap(), Withdrawal::Gone);
        // Tried once already: too late even inside the window.
        let seq = s.outbox_push(&patch, None, "status", now).unwrap();
        s.outbox_hold(seq, now + chrono::Duration::seconds(5))
            .unwrap();
        s.outbox_attempt(seq).unwrap();
        assert_eq!(s.outbox_withdraw(seq, now).unwrap(), Withdrawal::TooLate);
    }

    #[test]
    fn outbox_keeps_order_and_state() {
        let s = Store::open_in_memory().unwrap();
        let patch = OutboxAction::Patch {
            referral_id: "a".into(),
            ops: vec![PatchOp::replace("/name", json!("x"))],
            etag: Some("\"e1\"".into()),
        };
        let first = s.outbox_push(&patch, None, "name → x", Utc::now()).unwrap();
        let create = OutboxAction::Create {
            referral: Box::new(referral("new", "2026-01-01T00:00:00Z")),
        };
        let second = s.outbox_push(&create, None, "create", Utc::now()).unwrap();
        assert!(first < second);
        s.outbox_attempt(first).unwrap();
        s.outbox_mark(first, OutboxState::Failed, Some("bad value"))
            .unwrap();
        let all = s.outbox().unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].action, patch);
        assert_eq!(all[0].state, OutboxState::Failed);
        assert_eq!(all[0].attempts, 1);
        assert_eq!(all[0].last_error.as_deref(), Some("bad value"));
        s.outbox_retry(first).unwrap();
        assert_eq!(s.outbox().unwrap()[0].state, OutboxState::Pending);
        s.outbox_remove(first).unwrap();
        assert_eq!(s.outbox_len().unwrap(), 1);
    }

    #[test]
    fn apply_runs_the_operations_of_an_outcome() {
        let mut s = Store::open_in_memory().unwrap();
        let patch = |etag: &str| OutboxAction::Patch {
            referral_id: "a".into(),
            ops: vec![PatchOp::replace("/name", json!("x"))],
            etag: Some(etag.into()),
        };
        let sent = s.outbox_push(&patch("e1"), None, "1", Utc::now()).unwrap();
        let later = s.outbox_push(&patch("e1"), None, "2", Utc::now()).unwrap();
        let other = s.outbox_push(&patch("e0"), None, "3", Utc::now()).unwrap();
        let twin = OutboxAction::CreateLinked {
            referral: Box::new(referral("t", "2026-01-01T00:00:00Z")),
            after: sent,
        };
        let linked = s.outbox_push(&twin, None, "4", Utc::now()).unwrap();
        s.outbox_mark(later, OutboxState::Failed, Some("x"))
            .unwrap();

        let server = referral("a", "2026-02-01T00:00:00Z");
        let rows = s
            .apply(
                "http://x",
                &[
                    StoreOp::CountAttempt(other),
                    StoreOp::Delete(sent),
                    StoreOp::Rechain {
                        referral_id: "a".into(),
                        from: Some("e1".into()),
                        to: Some("e2".into()),
                    },
                    StoreOp::Link {
                        after: sent,
                        engagement_id: Some("e9".into()),
                    },
                    StoreOp::Fetched(vec![server]),
                ],
            )
            .unwrap();
        let left = s.outbox().unwrap();
        assert_eq!(
            left.iter().map(|e| e.seq).collect::<Vec<_>>(),
            [later, other, linked]
        );
        assert_eq!(left[0].action, patch("e2"));
        assert_eq!(
            left[0].state,
            OutboxState::Pending,
            "a rewritten entry is sent again"
        );
        assert_eq!(left[1].action, patch("e0"));
        assert_eq!(left[1].attempts, 1);
        let OutboxAction::CreateLinked { referral, .. } = &left[2].action else {
            panic!("{:?}", left[2].action)
        };
        assert_eq!(referral.engagement_id.as_deref(), Some("e9"));
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].name, "x", "queued edits stay applied on top");
        assert!(s.last_sync("http://x").unwrap().is_some());
    }

    #[test]
    fn file_store_is_private_and_survives_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join(FILE_NAME);
        {
            let mut s = Store::open(&path).unwrap();
            s.upsert(&[referral("a", "2026-01-01T00:00:00Z")]).unwrap();
            s.outbox_push(
                &OutboxAction::Patch {
                    referral_id: "a".into(),
                    ops: vec![],
                    etag: None,
                },
                None,
                "x",
                Utc::now(),
            )
            .unwrap();
            s.set_last_sync("http://x", Utc::now()).unwrap();
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let mut s = Store::open(&path).unwrap();
        assert_eq!(s.count().unwrap(), 1);
        assert_eq!(s.outbox_len().unwrap(), 1);
        assert!(s.last_sync("http://x").unwrap().is_some());
        assert!(s.last_sync("http://other").unwrap().is_none());
        s.purge(false).unwrap();
        assert_eq!(s.count().unwrap(), 0);
        assert_eq!(s.outbox_len().unwrap(), 1);
        assert!(s.last_sync("http://x").unwrap().is_none());
    }

    #[test]
    fn microsoft_copies_are_marked_in_new_and_migrated_stores() {
        let copy: Referral = serde_json::from_value(json!({
            "id": "m1", "name": "Deal", "engagementId": "e1",
            "target": [{"type": "BusinessProfileLocation", "id": "msft"}]
        }))
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        {
            // A store of schema 1, before the column existed.
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(MIGRATIONS[0]).unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
            conn.execute(
                "INSERT INTO referrals (id, json, engagement_id) VALUES ('m1', ?1, 'e1')",
                [serde_json::to_string(&copy).unwrap()],
            )
            .unwrap();
        }
        let mut s = Store::open(&path).unwrap();
        assert!(s.load_rows(None).unwrap()[0].microsoft, "migrated");
        let mut partner = copy.clone();
        partner.id = Some("p1".into());
        partner.target = None;
        s.apply("http://x", &[StoreOp::Fetched(vec![partner])])
            .unwrap();
        let rows = s.load_rows(None).unwrap();
        let by_id = |id: &str| rows.iter().find(|r| r.id == id).unwrap().microsoft;
        assert!(by_id("m1"));
        assert!(!by_id("p1"));
    }

    #[test]
    fn expiry_and_closing_dates_are_kept_in_new_and_migrated_stores() {
        let r: Referral = serde_json::from_value(json!({
            "id": "x1", "name": "Deal", "status": "New", "substatus": "Pending",
            "expirationDateTime": "2026-07-01T00:00:00Z", "closedDateTime": "2026-06-01T00:00:00Z"
        }))
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        {
            // A store of schema 4, before the columns existed.
            let conn = Connection::open(&path).unwrap();
            for sql in &MIGRATIONS[..4] {
                conn.execute_batch(sql).unwrap();
            }
            conn.pragma_update(None, "user_version", 4).unwrap();
            conn.execute(
                "INSERT INTO referrals (id, json) VALUES ('x1', ?1)",
                [serde_json::to_string(&r).unwrap()],
            )
            .unwrap();
        }
        let mut s = Store::open(&path).unwrap();
        let row = s.load_rows(None).unwrap().remove(0);
        assert_eq!(
            row.expires,
            parse_datetime("2026-07-01T00:00:00Z"),
            "migrated"
        );
        assert_eq!(
            row.closed,
            parse_datetime("2026-06-01T00:00:00Z"),
            "migrated"
        );
        let mut r2 = r.clone();
        r2.id = Some("x2".into());
        s.apply("http://x", &[StoreOp::Fetched(vec![r2])]).unwrap();
        let rows = s.load_rows(None).unwrap();
        let x2 = rows.iter().find(|r| r.id == "x2").unwrap();
        assert_eq!(
            x2.expires,
            parse_datetime("2026-07-01T00:00:00Z"),
            "written"
        );
        assert_eq!(x2.closed, parse_datetime("2026-06-01T00:00:00Z"), "written");
    }

    #[test]
    fn referrals_are_new_until_opened_and_again_when_they_change() {
        let mut s = Store::open_in_memory().unwrap();
        // The first sync is the baseline: nothing in it is new.
        s.apply(
            "http://x",
            &[StoreOp::Fetched(vec![referral(
                "a",
                "2026-01-01T00:00:00Z",
            )])],
        )
        .unwrap();
        assert!(!s.load_rows(None).unwrap()[0].unseen);
        // A later one brings a new referral and a change.
        let rows = s
            .apply(
                "http://x",
                &[StoreOp::Fetched(vec![
                    referral("a", "2026-02-01T00:00:00Z"),
                    referral("b", "2026-02-01T00:00:00Z"),
                ])],
            )
            .unwrap();
        assert!(rows.iter().all(|r| r.unseen), "{rows:?}");
        s.mark_seen("a").unwrap();
        let rows = s.load_rows(None).unwrap();
        let unseen = |id: &str| rows.iter().find(|r| r.id == id).unwrap().unseen;
        assert!(!unseen("a"));
        assert!(unseen("b"));
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        Store::open(&path)
            .unwrap()
            .conn
            .pragma_update(None, "user_version", 99)
            .unwrap();
        let err = Store::open(&path).unwrap_err();
        assert!(err.to_string().contains("newer refdeck"), "{err}");
    }
}
