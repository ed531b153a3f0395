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
//! Where each job lives: `sync` (refresh and storing fetched referrals), `detail` (the detail
//! pane), `outbox` (queueing edits and the worker that sends them; its decisions are pure, in
//! `outbox/decide.rs`), `export`, and `marketo` (checks, pushes, badges and the Marketo link
//! state).

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

use crate::backend::partner_center::{PartnerCenterClient, PcError};
use crate::backend::store::{Store, StoreError};
use crate::protocol::*;

mod bulk;
mod detail;
mod export;
mod marketo;
mod outbox;
mod sync;

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
    let mut last_trouble = (0u64, false);
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
                ctx.spawn(ctx.clone().background_refresh());
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
    /// by itself, so results alone would hide a struggling service), and when calls succeed
    /// again. `seen`: the retries reported so far, and whether the UI shows a retry warning.
    fn report_trouble(&self, seen: &mut (u64, bool)) {
        let Some(pc) = &self.pc else { return };
        let (count, why) = pc.trouble();
        if count > seen.0 {
            let n = count - seen.0;
            seen.0 = count;
            seen.1 = true;
            let why = why.unwrap_or_default();
            tracing::info!(retries = n, %why, "Partner Center calls retried");
            self.send(Event::Retrying { why: Some(why) });
        } else if seen.1 && !pc.struggling() {
            seen.1 = false;
            self.send(Event::Retrying { why: None });
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
                self.spawn(ctx.queue_patch(id, ops, etag, *base, summary, None));
            }
            Command::PatchHeld { patch, seconds } => match *patch {
                Command::Patch {
                    id,
                    ops,
                    etag,
                    base,
                    summary,
                } => {
                    let hold = Some(std::time::Duration::from_secs(seconds));
                    self.spawn(ctx.queue_patch(id, ops, etag, *base, summary, hold));
                }
                other => self.handle(other),
            },
            Command::Withdraw { seq } => {
                self.spawn(ctx.withdraw(seq));
            }
            Command::BulkMove {
                ids,
                change,
                hold_seconds,
            } => {
                self.spawn(ctx.queue_bulk_move(ids, change, hold_seconds));
            }
            Command::WithdrawMany { seqs } => {
                self.spawn(ctx.withdraw_many(seqs));
            }
            Command::SetFavorite { id, favorite } => {
                self.spawn(ctx.set_favorite(id, favorite));
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
                self.spawn(ctx.retry(seq));
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
        match self.db(|s| s.load_packed(Some(200))).await {
            Ok(rows) if !rows.is_empty() => self.send(Event::Rows {
                rows,
                complete: false,
            }),
            Ok(_) => {}
            Err(e) => self.notice(Level::Error, e.to_string()),
        }
        match self.db(|s| s.load_packed(None)).await {
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
}

/// Stores `link` in `cell`; true when it changed.
fn swap_link(cell: &Mutex<Link>, link: &Link) -> bool {
    let mut cur = cell.lock().unwrap_or_else(|e| e.into_inner());
    if *cur == *link {
        return false;
    }
    *cur = link.clone();
    true
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
