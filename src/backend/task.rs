//! The backend task: the one place that talks to the network and the disk. It takes
//! [`Command`]s from the UI and answers with [`Event`]s; every slow thing runs in a task of its
//! own so the UI is never held up, and store calls run on the blocking pool.
//!
//! Sync: the first refresh fetches everything (`ceil(N/100)` list calls); later ones ask only for
//! `updatedDateTime gt` the newest `updatedDateTime` already stored from this server, so the mark
//! is the server's own clock, never ours.
//!
//! Outbox: an edit is written to the store (durably) before it is sent, and applied to the cached
//! referral so the list shows it at once. One worker sends entries in order. Network failures,
//! 5xx and 429 leave an entry pending and retry with backoff; a 412 marks it as a conflict and
//! shows the mine/theirs view; any other refusal marks it failed and restores the server's copy in
//! the cache. Entries after a failed or conflicting one for the same referral wait behind it, so
//! a referral's edits always reach the server in the order they were made.
//!
//! Marketo: checks, pushes, badges and the Marketo link state live in `task/marketo.rs`.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use tokio::sync::Notify;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

use crate::backend::partner_center::{ListQuery, PartnerCenterClient, PcError};
use crate::protocol::*;
use crate::backend::store::{Store, StoreError};
use crate::domain::outbox::{OutboxAction, OutboxEntry, OutboxState};
use crate::domain::patch::{self, PatchOp};
use crate::domain::time::format_datetime;
use crate::domain::{Referral, ReferralRow};

mod marketo;

/// How the backend is set up.
pub struct BackendConfig {
    /// The Partner Center client, when one could be built.
    pub partner_center: Option<PartnerCenterClient>,
    /// `sandbox`, or the host/tenant, for the top bar.
    pub partner_center_label: String,
    /// Identifies the server the cache was synced from (its base URL).
    pub source: String,
    pub marketo: Option<crate::backend::marketo::MarketoClient>,
    pub marketo_label: String,
    /// The store file; `None` keeps everything in memory.
    pub store_path: Option<PathBuf>,
    /// Period of the background refresh; `None` for none.
    pub refresh_every: Option<Duration>,
    /// Referrals per Marketo check when the whole list is checked (progress is reported
    /// between slices); [`MARKETO_SLICE`] unless a test wants smaller ones.
    pub marketo_slice: usize,
}

/// The default [`BackendConfig::marketo_slice`]: ten full batches of 300.
pub const MARKETO_SLICE: usize = 3_000;

/// Starts the backend task.
pub fn spawn(
    config: BackendConfig,
    commands: UnboundedReceiver<Command>,
    events: UnboundedSender<Event>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(run(config, commands, events))
}

/// Shared by the backend's tasks.
#[derive(Clone)]
struct Ctx {
    store: Arc<Mutex<Store>>,
    pc: Option<PartnerCenterClient>,
    mkto: Option<crate::backend::marketo::MarketoClient>,
    events: UnboundedSender<Event>,
    wake_outbox: Arc<Notify>,
    refreshing: Arc<std::sync::atomic::AtomicBool>,
    link: Arc<Mutex<Link>>,
    pc_label: String,
    source: String,
    /// Every task the backend started, so a shutdown stops them all (the outbox is on disk).
    tasks: Arc<Mutex<Vec<tokio::task::AbortHandle>>>,
    /// Marketo's link state, label, and the work in progress there.
    mkto_link: Arc<Mutex<Link>>,
    mkto_label: String,
    mkto_slice: usize,
    checking_all: Arc<std::sync::atomic::AtomicBool>,
    pushing: Arc<Mutex<HashSet<String>>>,
}

async fn run(
    config: BackendConfig,
    mut commands: UnboundedReceiver<Command>,
    events: UnboundedSender<Event>,
) {
    let store = match &config.store_path {
        Some(path) => match Store::open(path) {
            Ok(s) => s,
            Err(e) => {
                let _ = events.send(Event::Notice {
                    level: Level::Error,
                    text: format!("{e}; working without a local cache this session"),
                });
                tracing::error!("store: {e}");
                Store::open_in_memory().expect("an in-memory store always opens")
            }
        },
        None => Store::open_in_memory().expect("an in-memory store always opens"),
    };
    let ctx = Ctx {
        store: Arc::new(Mutex::new(store)),
        pc: config.partner_center.clone(),
        mkto: config.marketo.clone(),
        events: events.clone(),
        wake_outbox: Arc::new(Notify::new()),
        refreshing: Arc::new(std::sync::atomic::AtomicBool::new(false)),
        link: Arc::new(Mutex::new(Link::Connecting)),
        pc_label: config.partner_center_label.clone(),
        source: config.source.clone(),
        tasks: Arc::new(Mutex::new(Vec::new())),
        mkto_link: Arc::new(Mutex::new(if config.marketo.is_some() {
            Link::Online
        } else {
            Link::Off
        })),
        mkto_label: config.marketo_label.clone(),
        mkto_slice: config.marketo_slice.max(1),
        checking_all: Arc::new(std::sync::atomic::AtomicBool::new(false)),
        pushing: Arc::new(Mutex::new(HashSet::new())),
    };
    let mut budget_tick = tokio::time::interval(Duration::from_millis(500));
    budget_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut refresh_tick = config.refresh_every.map(|every| {
        let mut i = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        i.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        i
    });
    let mut last_budget = None;
    let mut last_trouble = 0u64;
    let mut started = false;
    loop {
        tokio::select! {
            cmd = commands.recv() => {
                let Some(cmd) = cmd else { break };
                if cmd == Command::Shutdown {
                    break;
                }
                if cmd == Command::Start {
                    if !started {
                        started = true;
                        ctx.send_marketo_link();
                        ctx.spawn(ctx.clone().start());
                    }
                    continue;
                }
                ctx.handle(cmd);
            }
            _ = budget_tick.tick() => {
                ctx.report_trouble(&mut last_trouble);
                let budget = ctx.budget();
                if Some(budget) != last_budget {
                    last_budget = Some(budget);
                    let _ = events.send(Event::Budget { partner_center: budget.0, marketo: budget.1 });
                }
            }
            _ = async { refresh_tick.as_mut().expect("guarded").tick().await }, if refresh_tick.is_some() && started => {
                ctx.spawn(ctx.clone().refresh(false));
            }
        }
    }
    ctx.stop_all();
    tracing::info!("backend stopped");
}

impl Ctx {
    fn send(&self, e: Event) {
        let _ = self.events.send(e);
    }

    fn notice(&self, level: Level, text: impl Into<String>) {
        self.send(Event::Notice {
            level,
            text: text.into(),
        });
    }

    /// Tells the user when calls had to be retried since the last look (the client retries
    /// by itself, so results alone would hide a struggling service).
    fn report_trouble(&self, seen: &mut u64) {
        let Some(pc) = &self.pc else { return };
        let (count, why) = pc.trouble();
        if count > *seen {
            let n = count - *seen;
            *seen = count;
            let why = why.unwrap_or_default();
            tracing::info!(retries = n, %why, "Partner Center calls retried");
            self.notice(
                Level::Warning,
                format!(
                    "Partner Center: {n} call{} retried, last because {why}",
                    if n == 1 { "" } else { "s" }
                ),
            );
        }
    }

    /// Starts a task the backend owns.
    fn spawn(&self, task: impl std::future::Future<Output = ()> + Send + 'static) {
        let handle = tokio::spawn(task);
        let mut tasks = self.tasks.lock().unwrap_or_else(|e| e.into_inner());
        tasks.retain(|t| !t.is_finished());
        tasks.push(handle.abort_handle());
    }

    /// Stops every task the backend started.
    fn stop_all(&self) {
        for t in self
            .tasks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain(..)
        {
            t.abort();
        }
    }

    fn budget(&self) -> ((usize, usize), Option<(usize, usize)>) {
        let pc = self.pc.as_ref().map(|c| c.budget()).unwrap_or((0, 0));
        let mk = self.mkto.as_ref().map(|m| m.budget());
        (pc, mk)
    }

    /// Runs a store call on the blocking pool.
    async fn db<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = store.lock().unwrap_or_else(|e| e.into_inner());
            f(&mut guard)
        })
        .await
        .unwrap_or_else(|e| Err(StoreError::Corrupt(format!("store task failed: {e}"))))
    }

    /// Reports Partner Center's link state when it changes.
    fn set_link(&self, link: Link) {
        if swap_link(&self.link, &link) {
            self.send(Event::PartnerCenter(Connection {
                label: self.pc_label.clone(),
                link,
            }));
        }
    }

    /// Notes the outcome of a call for the top bar.
    fn observe<T>(&self, r: &Result<T, PcError>) {
        match r {
            Ok(_) => self.set_link(Link::Online),
            Err(e) if is_transient(e) => self.set_link(Link::Offline(short_reason(e))),
            Err(_) => self.set_link(Link::Online),
        }
    }

    fn handle(&self, cmd: Command) {
        let ctx = self.clone();
        match cmd {
            Command::Start | Command::Shutdown => {}
            Command::Refresh { full } => {
                self.spawn(ctx.refresh(full));
            }
            Command::OpenDetail { id, fresh } => {
                self.spawn(ctx.open_detail(id, fresh));
            }
            Command::Patch {
                id,
                ops,
                etag,
                base,
                summary,
            } => {
                self.spawn(ctx.queue_patch(id, ops, etag, *base, summary));
            }
            Command::Create { referral, shared } => {
                self.spawn(ctx.queue_create(*referral, shared));
            }
            Command::Resolve {
                seq,
                ops,
                etag,
                summary,
            } => {
                self.spawn(ctx.resolve(seq, ops, etag, summary));
            }
            Command::OutboxList => {
                self.spawn(ctx.outbox_list());
            }
            Command::OutboxRetry { seq } => {
                self.spawn(async move {
                    if let Err(e) = ctx.db(move |s| s.outbox_retry(seq)).await {
                        ctx.notice(Level::Error, e.to_string());
                    }
                    ctx.wake_outbox.notify_one();
                    ctx.outbox_list().await;
                });
            }
            Command::OutboxDiscard { seq } => {
                self.spawn(ctx.discard(seq));
            }
            Command::MarketoCheck { ids, all } => {
                self.spawn(ctx.marketo_check(ids, all));
            }
            Command::MarketoPush { id } => {
                self.spawn(ctx.marketo_push(id));
            }
            Command::Export { format, path, ids } => {
                self.spawn(ctx.export(format, path, ids));
            }
            Command::OpenUrl { url } => {
                self.spawn(async move {
                    let u = url.clone();
                    let r = tokio::task::spawn_blocking(move || open::that_detached(&u)).await;
                    if !matches!(r, Ok(Ok(()))) {
                        ctx.notice(
                            Level::Warning,
                            format!("could not open a browser; the address is {url}"),
                        );
                    }
                });
            }
        }
    }

    /// Cache first (a quick screenful, then everything), then connect, sync and send.
    async fn start(self) {
        match self.db(|s| s.load_rows(Some(200))).await {
            Ok(rows) if !rows.is_empty() => self.send(Event::Rows {
                rows,
                complete: false,
            }),
            Ok(_) => {}
            Err(e) => self.notice(Level::Error, e.to_string()),
        }
        match self.db(|s| s.load_rows(None)).await {
            Ok(rows) => self.send(Event::Rows {
                rows,
                complete: true,
            }),
            Err(e) => self.notice(Level::Error, e.to_string()),
        }
        self.send_outbox_count().await;
        if self.pc.is_none() {
            self.set_link(Link::Off);
            return;
        }
        self.spawn(self.clone().outbox_worker());
        self.refresh(false).await;
    }

    async fn send_outbox_count(&self) {
        if let Ok(n) = self.db(|s| s.outbox_len()).await {
            self.send(Event::OutboxCount(n));
        }
    }

    async fn outbox_list(self) {
        match self.db(|s| s.outbox()).await {
            Ok(entries) => {
                self.send(Event::OutboxCount(entries.len()));
                self.send(Event::Outbox { entries });
            }
            Err(e) => self.notice(Level::Error, e.to_string()),
        }
    }

    // ---- sync ------------------------------------------------------------------------------

    async fn refresh(self, full: bool) {
        use std::sync::atomic::Ordering;
        let Some(pc) = self.pc.clone() else {
            self.notice(
                Level::Warning,
                "Partner Center is not configured; nothing to refresh",
            );
            return;
        };
        if self.refreshing.swap(true, Ordering::SeqCst) {
            return;
        }
        let source = self.source.clone();
        let since = if full {
            None
        } else {
            self.db(move |s| s.last_sync(&source)).await.ok().flatten()
        };
        self.send(Event::RefreshStarted {
            full: since.is_none(),
        });
        let query = ListQuery {
            filter: since.map(|t| format!("updatedDateTime gt {}", format_datetime(&t))),
            ..ListQuery::default()
        };
        let events = self.events.clone();
        let result = pc
            .list(&query, move |fetched, total| {
                let _ = events.send(Event::RefreshProgress { fetched, total });
            })
            .await;
        self.observe(&result);
        match result {
            Ok(listing) => {
                if !listing.skipped.is_empty() {
                    let ids: Vec<&str> = listing
                        .skipped
                        .iter()
                        .map(|s| s.id.as_deref().unwrap_or("?"))
                        .collect();
                    self.notice(
                        Level::Warning,
                        format!(
                            "{} referral(s) could not be read and were skipped ({}); see the log",
                            listing.skipped.len(),
                            ids.join(", ")
                        ),
                    );
                }
                let referrals = listing.referrals;
                let changed = referrals.len();
                match self.store_fetched(referrals).await {
                    Ok(rows) => {
                        if !rows.is_empty() {
                            self.send(Event::RowsChanged { rows });
                        }
                        self.send(Event::RefreshDone {
                            at: Utc::now(),
                            changed,
                        });
                    }
                    Err(e) => self.send(Event::RefreshFailed {
                        message: e.to_string(),
                    }),
                }
            }
            Err(e) => self.send(Event::RefreshFailed {
                message: e.to_string(),
            }),
        }
        self.refreshing.store(false, Ordering::SeqCst);
    }

    /// Stores referrals fetched from the server, keeping unsent edits applied on top, and
    /// moves the sync mark. Returns the rows to show.
    async fn store_fetched(
        &self,
        referrals: Vec<Referral>,
    ) -> Result<Vec<ReferralRow>, StoreError> {
        let source = self.source.clone();
        self.db(move |s| {
            let pending = s.outbox()?;
            let shown: Vec<Referral> = referrals
                .into_iter()
                .map(|r| with_pending(r, &pending))
                .collect();
            s.upsert(&shown)?;
            if let Some(max) = s.max_updated()? {
                s.set_last_sync(&source, max)?;
            }
            let ids: Vec<String> = shown.iter().map(|r| r.id().to_string()).collect();
            s.rows_by_ids(&ids)
        })
        .await
    }

    async fn open_detail(self, id: String, fresh: bool) {
        let key = id.clone();
        let had_cache = match self.db(move |s| s.detail(&key)).await {
            Ok(Some((r, related))) => {
                self.send(Event::Detail {
                    referral: Box::new(r),
                    related,
                    fresh: false,
                });
                true
            }
            Ok(None) => false,
            Err(e) => {
                self.notice(Level::Error, e.to_string());
                false
            }
        };
        if !fresh {
            return;
        }
        let Some(pc) = self.pc.clone() else {
            if !had_cache {
                self.send(Event::DetailFailed {
                    id,
                    message: "not in the cache, and no server is configured".into(),
                });
            }
            return;
        };
        let result = pc.get(&id).await;
        self.observe(&result);
        match result {
            Ok(r) => match self.store_fetched(vec![r]).await {
                Ok(rows) => {
                    self.send(Event::RowsChanged { rows });
                    let key = id.clone();
                    if let Ok(Some((r, related))) = self.db(move |s| s.detail(&key)).await {
                        self.send(Event::Detail {
                            referral: Box::new(r),
                            related,
                            fresh: true,
                        });
                    }
                }
                Err(e) => self.notice(Level::Error, e.to_string()),
            },
            Err(e) if had_cache => {
                self.notice(Level::Warning, format!("showing the cached copy: {e}"))
            }
            Err(e) => self.send(Event::DetailFailed {
                id,
                message: e.to_string(),
            }),
        }
    }

    // ---- outbox ----------------------------------------------------------------------------

    async fn queue_patch(
        self,
        id: String,
        ops: Vec<PatchOp>,
        etag: Option<String>,
        base: Referral,
        summary: String,
    ) {
        let action = OutboxAction::Patch {
            referral_id: id.clone(),
            ops: ops.clone(),
            etag,
        };
        let s2 = summary.clone();
        let b2 = base.clone();
        let result = self
            .db(move |s| {
                let seq = s.outbox_push(&action, Some(&b2), &s2, Utc::now())?;
                // Show the edit at once: the cached copy gets the change applied.
                let current = s.get(&id)?.unwrap_or(b2);
                let mut doc = current.to_value();
                if patch::apply(&mut doc, &ops).is_ok()
                    && let Ok(updated) = serde_json::from_value::<Referral>(doc)
                {
                    s.upsert(std::slice::from_ref(&updated))?;
                }
                let row = s.rows_by_ids(std::slice::from_ref(&id))?.pop();
                Ok((seq, row))
            })
            .await;
        match result {
            Ok((seq, row)) => {
                if let Some(row) = row {
                    self.send(Event::RowsChanged { rows: vec![row] });
                }
                self.send(Event::Queued {
                    id: Some(base.id().to_string()),
                    seq,
                    summary,
                });
                self.send_outbox_count().await;
                self.wake_outbox.notify_one();
            }
            Err(e) => self.notice(
                Level::Error,
                format!("the edit could not be written to disk, nothing was sent: {e}"),
            ),
        }
    }

    async fn queue_create(self, referral: Referral, shared: bool) {
        let name = referral.name().to_string();
        let result = self
            .db(move |s| {
                let mut referral = referral;
                let twin = shared.then(|| crate::domain::create::microsoft_twin(&mut referral));
                let first = OutboxAction::Create {
                    referral: Box::new(referral.clone()),
                };
                let summary = format!("create “{}”", referral.name());
                let seq = s.outbox_push(&first, None, &summary, Utc::now())?;
                let mut seqs = vec![(seq, summary)];
                if let Some(twin) = twin {
                    let summary = format!("create the Microsoft referral of “{}”", referral.name());
                    let action = OutboxAction::CreateLinked {
                        referral: Box::new(twin),
                        after: seq,
                    };
                    let seq2 = s.outbox_push(&action, None, &summary, Utc::now())?;
                    seqs.push((seq2, summary));
                }
                Ok(seqs)
            })
            .await;
        match result {
            Ok(seqs) => {
                for (seq, summary) in seqs {
                    self.send(Event::Queued {
                        id: None,
                        seq,
                        summary,
                    });
                }
                self.send_outbox_count().await;
                self.wake_outbox.notify_one();
            }
            Err(e) => self.notice(
                Level::Error,
                format!("“{name}” could not be written to disk, nothing was sent: {e}"),
            ),
        }
    }

    async fn resolve(self, seq: i64, ops: Vec<PatchOp>, etag: Option<String>, summary: String) {
        let result = self
            .db(move |s| {
                let entry = s.outbox()?.into_iter().find(|e| e.seq == seq);
                let Some(OutboxEntry {
                    action: OutboxAction::Patch { referral_id, .. },
                    ..
                }) = entry
                else {
                    return Ok(false);
                };
                s.outbox_replace(
                    seq,
                    &OutboxAction::Patch {
                        referral_id,
                        ops,
                        etag,
                    },
                )?;
                Ok(true)
            })
            .await;
        match result {
            Ok(true) => {
                self.notice(Level::Info, format!("sending the resolved edit: {summary}"));
                self.wake_outbox.notify_one();
            }
            Ok(false) => self.notice(Level::Warning, "that edit is no longer in the outbox"),
            Err(e) => self.notice(Level::Error, e.to_string()),
        }
    }

    async fn discard(self, seq: i64) {
        let result = self
            .db(move |s| {
                let entry = s.outbox()?.into_iter().find(|e| e.seq == seq);
                s.outbox_remove(seq)?;
                Ok(entry)
            })
            .await;
        match result {
            Ok(Some(entry)) => {
                self.notice(Level::Info, format!("discarded: {}", entry.summary));
                // The cache showed the edit; put the server's copy back.
                if let Some(id) = entry.referral_id().map(str::to_string)
                    && matches!(entry.action, OutboxAction::Patch { .. })
                {
                    self.restore_from_server(&id, entry.base.as_deref()).await;
                }
            }
            Ok(None) => {}
            Err(e) => self.notice(Level::Error, e.to_string()),
        }
        self.outbox_list().await;
    }

    /// Replaces the cached copy of a referral with the server's (or `fallback` when offline).
    async fn restore_from_server(&self, id: &str, fallback: Option<&Referral>) {
        let fetched = match &self.pc {
            Some(pc) => pc.get(id).await.ok(),
            None => None,
        };
        let Some(r) = fetched.or_else(|| fallback.cloned()) else {
            return;
        };
        if let Ok(rows) = self.store_fetched(vec![r.clone()]).await {
            self.send(Event::RowsChanged { rows });
        }
    }

    /// Sends the outbox in order, forever; wakes on new entries and retries with backoff.
    async fn outbox_worker(self) {
        let mut backoff = Duration::from_secs(1);
        loop {
            match self.send_pending().await {
                Pass::Idle => backoff = Duration::from_secs(1),
                Pass::Transient => {
                    tokio::select! {
                        _ = tokio::time::sleep(jitter(backoff)) => {},
                        _ = self.wake_outbox.notified() => {},
                    }
                    backoff = (backoff * 2).min(Duration::from_secs(60));
                    continue;
                }
            }
            self.wake_outbox.notified().await;
        }
    }

    /// Sends what can be sent, in order. After each success the outbox is read again: a sent
    /// entry can change the ones after it (a new eTag, a twin's engagement id).
    async fn send_pending(&self) -> Pass {
        let Some(pc) = self.pc.clone() else {
            return Pass::Idle;
        };
        'pass: loop {
            let entries = match self.db(|s| s.outbox()).await {
                Ok(e) => e,
                Err(e) => {
                    self.notice(Level::Error, e.to_string());
                    return Pass::Idle;
                }
            };
            let mut blocked: HashSet<String> = HashSet::new();
            let queued: HashSet<i64> = entries.iter().map(|e| e.seq).collect();
            for entry in entries {
                let key = entry.referral_id().map(str::to_string);
                if entry.state != OutboxState::Pending {
                    blocked.extend(key);
                    continue;
                }
                if key.as_ref().is_some_and(|k| blocked.contains(k)) {
                    continue;
                }
                match self.send_entry(&pc, &entry, &queued).await {
                    Sent::Done => {
                        self.send_outbox_count().await;
                        continue 'pass;
                    }
                    Sent::Waiting => {}
                    Sent::Blocked => blocked.extend(key),
                    Sent::Transient => {
                        self.send_outbox_count().await;
                        return Pass::Transient;
                    }
                }
            }
            self.send_outbox_count().await;
            return Pass::Idle;
        }
    }

    async fn send_entry(
        &self,
        pc: &PartnerCenterClient,
        entry: &OutboxEntry,
        queued: &HashSet<i64>,
    ) -> Sent {
        let seq = entry.seq;
        match &entry.action {
            OutboxAction::Patch {
                referral_id,
                ops,
                etag,
            } => {
                if !self.begin_attempt(seq).await {
                    return Sent::Transient;
                }
                let result = pc.patch(referral_id, ops, etag.as_deref()).await;
                self.observe(&result);
                match result {
                    Ok(updated) => self.patched(seq, referral_id, etag.clone(), updated).await,
                    Err(PcError::PreconditionFailed { current }) => {
                        let theirs = match current {
                            Some(c) => Some(*c),
                            None => pc.get(referral_id).await.ok(),
                        };
                        let (Some(theirs), Some(base)) = (theirs, entry.base.as_deref()) else {
                            let _ = self
                                .db(move |s| {
                                    s.outbox_mark(seq, OutboxState::Conflict, Some(CHANGED))
                                })
                                .await;
                            return Sent::Blocked;
                        };
                        let mut doc = base.to_value();
                        let mine = match patch::apply(&mut doc, ops) {
                            Ok(()) => serde_json::from_value(doc).unwrap_or_else(|_| base.clone()),
                            Err(_) => base.clone(),
                        };
                        if patch::already_applied(base, &mine, &theirs) {
                            // An earlier attempt arrived; its answer was lost.
                            return self.patched(seq, referral_id, etag.clone(), theirs).await;
                        }
                        let _ = self
                            .db(move |s| s.outbox_mark(seq, OutboxState::Conflict, Some(CHANGED)))
                            .await;
                        self.send(Event::Conflict {
                            seq,
                            base: Box::new(base.clone()),
                            mine: Box::new(mine),
                            theirs: Box::new(theirs),
                        });
                        Sent::Blocked
                    }
                    Err(e) => {
                        let sent = self.failed(seq, Some(referral_id), &e).await;
                        if matches!(sent, Sent::Blocked) {
                            self.restore_from_server(referral_id, entry.base.as_deref())
                                .await;
                        }
                        sent
                    }
                }
            }
            OutboxAction::Create { referral } => self.send_create(pc, entry, referral).await,
            OutboxAction::CreateLinked { referral, after } => {
                if referral.engagement_id.as_deref().is_none_or(str::is_empty) {
                    if queued.contains(after) {
                        // Still waiting for its Shared twin to be created.
                        return Sent::Waiting;
                    }
                    let msg = "the shared referral it belongs to was discarded before it was created; \
                               discard this one too";
                    let _ = self
                        .db(move |s| s.outbox_mark(seq, OutboxState::Failed, Some(msg)))
                        .await;
                    self.send(Event::SaveFailed {
                        seq,
                        id: None,
                        message: msg.to_string(),
                    });
                    return Sent::Blocked;
                }
                self.send_create(pc, entry, referral).await
            }
        }
    }

    /// The server took a patch: drop it from the outbox, move later edits of the same referral
    /// onto the new eTag (they were made on top of this one), and show the new state.
    async fn patched(
        &self,
        seq: i64,
        referral_id: &str,
        old: Option<String>,
        updated: Referral,
    ) -> Sent {
        let new = updated.etag.clone();
        let id = referral_id.to_string();
        let r = self
            .db(move |s| {
                s.outbox_remove(seq)?;
                for e in s.outbox()? {
                    if let OutboxAction::Patch {
                        referral_id,
                        ops,
                        etag,
                    } = &e.action
                        && *referral_id == id
                        && *etag == old
                    {
                        let action = OutboxAction::Patch {
                            referral_id: id.clone(),
                            ops: ops.clone(),
                            etag: new.clone(),
                        };
                        s.outbox_replace(e.seq, &action)?;
                    }
                }
                Ok(())
            })
            .await;
        if let Err(e) = r {
            self.notice(Level::Error, e.to_string());
        }
        if let Ok(rows) = self.store_fetched(vec![updated.clone()]).await {
            self.send(Event::RowsChanged { rows });
        }
        self.send(Event::Saved {
            seq,
            referral: Box::new(updated),
        });
        Sent::Done
    }

    /// Records on disk that an entry is about to be sent; false when the store failed (the
    /// entry is then not sent this time).
    async fn begin_attempt(&self, seq: i64) -> bool {
        match self.db(move |s| s.outbox_attempt(seq)).await {
            Ok(()) => true,
            Err(e) => {
                self.notice(Level::Error, e.to_string());
                false
            }
        }
    }

    async fn send_create(
        &self,
        pc: &PartnerCenterClient,
        entry: &OutboxEntry,
        referral: &Referral,
    ) -> Sent {
        let seq = entry.seq;
        // A create whose earlier attempt may have reached the server is looked up first, so a
        // lost answer never makes a duplicate.
        if entry.attempts > 0
            && let Some(existing) = self.find_created(pc, referral, entry).await
        {
            return self.created(seq, existing).await;
        }
        if !self.begin_attempt(seq).await {
            return Sent::Transient;
        }
        let result = pc.create(referral).await;
        self.observe(&result);
        match result {
            Ok(created) => self.created(seq, created).await,
            Err(e) => self.failed(seq, None, &e).await,
        }
    }

    /// Records a failed send: a transient failure stays pending (retried with backoff), any
    /// other waits as refused for the user.
    async fn failed(&self, seq: i64, id: Option<&str>, e: &PcError) -> Sent {
        let message = e.to_string();
        let state = if is_transient(e) {
            OutboxState::Pending
        } else {
            OutboxState::Failed
        };
        let m = message.clone();
        let _ = self.db(move |s| s.outbox_mark(seq, state, Some(&m))).await;
        if state == OutboxState::Pending {
            return Sent::Transient;
        }
        self.send(Event::SaveFailed {
            seq,
            id: id.map(str::to_string),
            message,
        });
        Sent::Blocked
    }

    /// Looks for a referral an earlier, unanswered create may have made: same name, created
    /// after the edit was queued.
    async fn find_created(
        &self,
        pc: &PartnerCenterClient,
        referral: &Referral,
        entry: &OutboxEntry,
    ) -> Option<Referral> {
        let since = entry.created_at - chrono::Duration::minutes(5);
        let query = ListQuery {
            filter: Some(format!(
                "name eq {} and createdDateTime ge {}",
                crate::domain::filter::odata_string_literal(referral.name()),
                format_datetime(&since)
            )),
            ..ListQuery::default()
        };
        let found = pc.list(&query, |_, _| {}).await.ok()?.referrals;
        let target = |r: &Referral| {
            r.target
                .as_deref()
                .unwrap_or(&[])
                .iter()
                .map(|t| {
                    (
                        t.target_type.clone(),
                        t.id.as_deref().map(str::to_ascii_lowercase),
                    )
                })
                .collect::<Vec<_>>()
        };
        for r in found {
            let same = (referral.engagement_id.is_none()
                || r.engagement_id == referral.engagement_id)
                && target(&r) == target(referral)
                && r.referral_type == referral.referral_type;
            // A referral already in the cache was made by some other edit (the twin's Shared
            // half has the same name and engagement).
            let id = r.id().to_string();
            let known = self.db(move |s| s.get(&id)).await.ok().flatten().is_some();
            if same && !known {
                return Some(r);
            }
        }
        None
    }

    async fn created(&self, seq: i64, created: Referral) -> Sent {
        let engagement = created.engagement_id.clone();
        let stored = created.clone();
        let r = self
            .db(move |s| {
                s.outbox_remove(seq)?;
                // A Microsoft twin waiting for this referral gets its engagement id now.
                for e in s.outbox()? {
                    if let OutboxAction::CreateLinked { referral, after } = &e.action
                        && *after == seq
                    {
                        let mut twin = referral.as_ref().clone();
                        twin.engagement_id = engagement.clone();
                        s.outbox_replace(
                            e.seq,
                            &OutboxAction::CreateLinked {
                                referral: Box::new(twin),
                                after: *after,
                            },
                        )?;
                    }
                }
                Ok(())
            })
            .await;
        if let Err(e) = r {
            self.notice(Level::Error, e.to_string());
        }
        if let Ok(rows) = self.store_fetched(vec![stored]).await {
            self.send(Event::RowsChanged { rows });
        }
        self.notice(
            Level::Success,
            format!("created “{}” ({})", created.name(), created.id()),
        );
        self.send(Event::Saved {
            seq,
            referral: Box::new(created),
        });
        Sent::Done
    }

    // ---- export ----------------------------------------------------------------------------

    async fn export(self, format: ExportFormat, path: PathBuf, ids: Vec<String>) {
        let p = path.clone();
        let result = self
            .db(move |s| {
                let referrals = s.get_many(&ids)?;
                crate::backend::export::write(&p, format, &referrals).map_err(|e| {
                    StoreError::Io {
                        path: p.clone(),
                        message: e,
                    }
                })?;
                Ok(referrals.len())
            })
            .await;
        match result {
            Ok(count) => self.send(Event::Exported { path, count }),
            Err(e) => self.notice(Level::Error, format!("export failed: {e}")),
        }
    }
}

const CHANGED: &str = "changed on the server meanwhile";

/// Stores `link` in `cell`; true when it changed.
fn swap_link(cell: &Mutex<Link>, link: &Link) -> bool {
    let mut cur = cell.lock().unwrap_or_else(|e| e.into_inner());
    if *cur == *link {
        return false;
    }
    *cur = link.clone();
    true
}

enum Pass {
    Idle,
    Transient,
}

enum Sent {
    Done,
    /// Not sendable yet (a linked create waiting for its twin).
    Waiting,
    /// Needs the user; later edits of the same referral wait.
    Blocked,
    /// The network or server failed; try the whole pass again later.
    Transient,
}

/// A referral as fetched, with the unsent edits of the outbox applied on top.
fn with_pending(server: Referral, pending: &[OutboxEntry]) -> Referral {
    let mut doc = None;
    for e in pending {
        if let OutboxAction::Patch {
            referral_id, ops, ..
        } = &e.action
            && referral_id == server.id()
            && e.state == OutboxState::Pending
        {
            let d = doc.get_or_insert_with(|| server.to_value());
            let mut trial = d.clone();
            if patch::apply(&mut trial, ops).is_ok() {
                *d = trial;
            }
        }
    }
    match doc {
        Some(d) => serde_json::from_value(d).unwrap_or(server),
        None => server,
    }
}

/// Failures worth retrying by themselves: the network, throttling, server errors, and an
/// answer lost on the way (the retry checks first whether the change arrived).
pub fn is_transient(e: &PcError) -> bool {
    e.is_transient() || matches!(e, PcError::Uncertain(_))
}

fn short_reason(e: &PcError) -> String {
    match e {
        PcError::Network(_) => "unreachable".into(),
        PcError::Throttled { .. } => "throttled".into(),
        PcError::Server { status, .. } => format!("HTTP {status}"),
        other => crate::domain::text::truncate(&other.to_string(), 30),
    }
}

fn jitter(d: Duration) -> Duration {
    use rand::Rng;
    let ms = d.as_millis() as u64;
    Duration::from_millis(ms / 2 + rand::rng().random_range(0..=ms / 2 + 1))
}
