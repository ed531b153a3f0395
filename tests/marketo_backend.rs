//! The backend task's Marketo work against a real sandbox over HTTP (Partner Center and Marketo
//! on one port), with a store on disk: checking the whole list in batched calls, the badges
//! and reports it keeps, opening one referral (cached, then live), pushing in step order, and
//! the link state when Marketo is unreachable or not configured.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::time::Duration;

use refdeck::backend::marketo::{MarketoClient, MarketoConfig, RetryPolicy};
use refdeck::backend::partner_center::{PartnerCenterClient, PcConfig};
use refdeck::backend::store::Store;
use refdeck::backend::task::{BackendConfig, spawn};
use refdeck::domain::marketo::{
    MAX_BATCH, MarketoBadge, MarketoMapping, Step, SyncReport, SyncState, plan,
};
use refdeck::protocol::{Command, Event, Link, PushTally, ReportSource};
use refdeck::sandbox::{SandboxConfig, SandboxHandle, start};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

const REFERRALS: usize = 300;
/// Small slices, so a check of the 300 referrals reports progress twice.
const SLICE: usize = 150;

struct Rig {
    _sandbox: SandboxHandle,
    _dir: tempfile::TempDir,
    store_path: std::path::PathBuf,
    commands: UnboundedSender<Command>,
    events: UnboundedReceiver<Event>,
    /// A clone of the backend's client: clones share the call counter.
    mkto: Option<MarketoClient>,
}

fn quick_retry() -> RetryPolicy {
    RetryPolicy {
        attempts: 2,
        first_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
    }
}

/// A sandbox, and a backend synced from it. `marketo_url`: `None` for the sandbox's own,
/// `Some(None)` for no Marketo at all, `Some(Some(url))` for another address.
async fn rig(marketo_url: Option<Option<String>>) -> Rig {
    let sandbox = start(SandboxConfig {
        referrals: REFERRALS,
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let pc = PartnerCenterClient::new(PcConfig::sandbox(&sandbox.base_url())).unwrap();
    let url = match marketo_url {
        None => Some(sandbox.base_url()),
        Some(other) => other,
    };
    let mkto = url.map(|u| {
        let mut cfg = MarketoConfig::new(u, "refdeck", "sandbox");
        cfg.retry = quick_retry();
        cfg.timeout = Duration::from_secs(5);
        MarketoClient::new(cfg).unwrap()
    });
    let dir = tempfile::tempdir().unwrap();
    let store_path = dir.path().join("refdeck.sqlite");
    let (cmd_tx, cmd_rx) = unbounded_channel();
    let (ev_tx, ev_rx) = unbounded_channel();
    spawn(
        BackendConfig {
            partner_center: Some(pc),
            partner_center_label: "sandbox".into(),
            source: sandbox.pc_base_url(),
            marketo: mkto.clone(),
            marketo_label: "sandbox".into(),
            store_path: Some(store_path.clone()),
            refresh_every: None,
            marketo_slice: SLICE,
        },
        cmd_rx,
        ev_tx,
    );
    let mut rig = Rig {
        _sandbox: sandbox,
        _dir: dir,
        store_path,
        commands: cmd_tx,
        events: ev_rx,
        mkto,
    };
    rig.send(Command::Start);
    let (seen, _) = rig
        .until(|e| matches!(e, Event::RefreshDone { .. }).then_some(()))
        .await;
    let rows: usize = seen
        .iter()
        .map(|e| match e {
            Event::RowsChanged { rows } => rows.len(),
            _ => 0,
        })
        .sum();
    assert_eq!(rows, REFERRALS, "the first sync brings every referral");
    rig
}

impl Rig {
    fn send(&self, c: Command) {
        self.commands.send(c).unwrap();
    }

    /// Events up to and including the first for which `f` answers; panics after 30 s.
    async fn until<T>(&mut self, mut f: impl FnMut(&Event) -> Option<T>) -> (Vec<Event>, T) {
        let mut seen = Vec::new();
        loop {
            let e = tokio::time::timeout(Duration::from_secs(30), self.events.recv())
                .await
                .unwrap_or_else(|_| panic!("no answer in 30 s; saw {seen:#?}"))
                .expect("the backend is running");
            let hit = f(&e);
            seen.push(e);
            if let Some(t) = hit {
                return (seen, t);
            }
        }
    }

    fn calls(&self) -> u64 {
        self.mkto.as_ref().map_or(0, MarketoClient::calls_made)
    }

    /// A second connection to the backend's store file.
    fn store(&self) -> Store {
        Store::open(&self.store_path).unwrap()
    }

    /// Every stored report, by id.
    fn reports(&self) -> Vec<(String, SyncReport)> {
        let s = self.store();
        s.ids()
            .unwrap()
            .into_iter()
            .map(|id| {
                let (json, _) = s.marketo_report(&id).unwrap().expect("a stored report");
                (id, serde_json::from_str(&json).unwrap())
            })
            .collect()
    }

    async fn check_all(&mut self) -> Vec<Event> {
        self.send(Command::MarketoCheck {
            ids: vec![],
            all: true,
        });
        let (seen, error) = self
            .until(|e| match e {
                Event::MarketoCheckDone { error, .. } => Some(error.clone()),
                _ => None,
            })
            .await;
        assert_eq!(error, None, "the check ran to the end");
        seen
    }

    /// Pushes `id`; the events up to the report that ends the push.
    async fn push(&mut self, id: &str) -> (Vec<Event>, SyncReport) {
        self.send(Command::MarketoPush { id: id.into() });
        let want = id.to_string();
        self.until(|e| match e {
            Event::MarketoReport {
                id,
                report,
                source: ReportSource::Pushed,
                ..
            } if *id == want => Some(report.as_ref().clone()),
            Event::MarketoFailed { id, message } if *id == want => {
                panic!("push failed: {message}")
            }
            _ => None,
        })
        .await
    }
}

/// The instance probe (lead describe, roles describe), once per client.
const PROBE_CALLS: u64 = 2;

/// The most calls a check of these referrals may take: their distinct keys of each object
/// 300 a call, and for the roles (queried by opportunity) a further page per 300 roles.
fn call_bound(referrals: &[refdeck::domain::Referral]) -> u64 {
    let plans: Vec<_> = referrals
        .iter()
        .map(|r| plan(r, &MarketoMapping::default()))
        .collect();
    let calls = |keys: Vec<&str>| {
        let mut keys: Vec<String> = keys.iter().map(|k| k.to_lowercase()).collect();
        keys.sort();
        keys.dedup();
        keys.len().div_ceil(MAX_BATCH).max(1)
    };
    let sales_persons = calls(plans.iter().filter_map(|p| p.sales_person_id()).collect());
    let companies = calls(plans.iter().filter_map(|p| p.company_id()).collect());
    let leads = calls(plans.iter().flat_map(|p| p.person_ids()).collect());
    let opportunities = calls(plans.iter().filter_map(|p| p.opportunity_id()).collect());
    let roles: usize = plans.iter().map(|p| p.roles.len()).sum();
    // Roles: one query per 300 opportunities, plus one page per further 300 roles found.
    (sales_persons + companies + leads + 2 * opportunities + roles / MAX_BATCH) as u64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_all_badges_every_referral_in_batched_calls() {
    let mut rig = rig(None).await;
    let before = rig.calls();
    let seen = rig.check_all().await;
    let calls = rig.calls() - before;

    let progress: Vec<(usize, usize)> = seen
        .iter()
        .filter_map(|e| match e {
            Event::MarketoProgress { done, total } => Some((*done, *total)),
            _ => None,
        })
        .collect();
    assert_eq!(progress, [(0, 300), (150, 300), (300, 300)]);

    let mut badges = std::collections::HashMap::new();
    for e in &seen {
        if let Event::MarketoBadges(b) = e {
            badges.extend(b.iter().cloned());
        }
    }
    assert_eq!(badges.len(), REFERRALS, "a badge for every referral");
    let count = |b: MarketoBadge| badges.values().filter(|x| **x == b).count();
    let (synced, partial, missing) = (
        count(MarketoBadge::Synced),
        count(MarketoBadge::Partial),
        count(MarketoBadge::Missing),
    );
    assert_eq!(synced + partial + missing, REFERRALS);
    assert!(
        synced > 0 && partial > 0 && missing > 0,
        "{synced}/{partial}/{missing}"
    );
    let done = seen.iter().find_map(|e| match e {
        Event::MarketoCheckDone { counts, .. } => Some(*counts),
        _ => None,
    });
    let counts = done.unwrap();
    assert_eq!(
        (counts.synced, counts.partial, counts.missing),
        (synced, partial, missing)
    );

    // Batched: per slice of 150, one call per object (leads and roles a call per 300).
    let store = rig.store();
    let ids = store.ids().unwrap();
    let bound: u64 = ids
        .chunks(SLICE)
        .map(|c| call_bound(&store.get_many(c).unwrap()))
        .sum::<u64>()
        + PROBE_CALLS;
    assert!(calls <= bound, "{calls} calls, bound {bound}");
    assert!(calls >= 10, "five objects per slice at least: {calls}");
    println!(
        "check of {REFERRALS} referrals in slices of {SLICE}: {calls} Marketo calls (bound {bound}); {synced} synced, {partial} partial, {missing} missing"
    );

    // Persisted: the list badges and a report per referral, in agreement.
    let rows = store.load_rows(None).unwrap();
    for row in &rows {
        assert_eq!(Some(&row.marketo), badges.get(&row.id), "{}", row.id);
    }
    let reports = rig.reports();
    assert_eq!(reports.len(), REFERRALS);
    for (id, report) in &reports {
        assert_eq!(Some(&report.badge()), badges.get(id), "{id}");
        let order: Vec<Step> = report.steps.iter().map(|s| s.step).collect();
        assert_eq!(order, Step::ALL, "steps in Marketo's order");
    }

    // The seeded sellers whose email differs show as a mismatch naming the field.
    let mismatch = reports
        .iter()
        .find_map(|(_, r)| match &r.step(Step::SalesPerson).state {
            SyncState::Mismatch {
                field,
                ours,
                theirs,
            } => Some((r, field.clone(), ours.clone(), theirs.clone())),
            _ => None,
        })
        .expect("the sandbox seeds sellers with another email");
    assert_eq!(mismatch.1, "email");
    assert_ne!(mismatch.2.to_lowercase(), mismatch.3.to_lowercase());
    assert_eq!(mismatch.0.badge(), MarketoBadge::Partial);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opening_sends_the_cached_report_then_a_live_one() {
    let mut rig = rig(None).await;
    rig.check_all().await;
    let (id, stored) = rig.reports().swap_remove(7);
    rig.send(Command::MarketoCheck {
        ids: vec![id.clone(), "no-such-referral".into()],
        all: false,
    });
    let want = id.clone();
    let (seen, _) = rig
        .until(|e| match e {
            Event::MarketoReport {
                id,
                source: ReportSource::Checked,
                ..
            } if *id == want => Some(()),
            _ => None,
        })
        .await;
    let sources: Vec<(ReportSource, &SyncReport)> = seen
        .iter()
        .filter_map(|e| match e {
            Event::MarketoReport {
                id, source, report, ..
            } if *id == want => Some((*source, report.as_ref())),
            _ => None,
        })
        .collect();
    assert_eq!(sources.len(), 2, "{seen:#?}");
    assert_eq!(sources[0], (ReportSource::Cached, &stored));
    assert_eq!(sources[1].0, ReportSource::Checked);
    assert_eq!(
        sources[1].1, &stored,
        "nothing changed in Marketo meanwhile"
    );
    assert!(seen.iter().any(|e| matches!(e,
        Event::MarketoFailed { id, message } if id == "no-such-referral" && message.contains("refresh"))));
    assert!(seen.iter().any(
        |e| matches!(e, Event::MarketoBadges(b) if b.contains(&(id.clone(), stored.badge())))
    ));
}

/// A referral whose report shows records missing (not only different) and no plan problem.
fn partial_with_missing(reports: &[(String, SyncReport)]) -> (String, SyncReport) {
    reports
        .iter()
        .find(|(_, r)| {
            r.badge() == MarketoBadge::Partial
                && r.problems.is_empty()
                && r.records().any(|(_, rec)| rec.state == SyncState::Missing)
                && r.records().any(|(_, rec)| rec.state == SyncState::Synced)
        })
        .cloned()
        .expect("the sandbox seeds partial referrals")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_writes_what_is_missing_in_step_order_and_persists() {
    let mut rig = rig(None).await;
    rig.check_all().await;
    let (id, before) = partial_with_missing(&rig.reports());
    let wanted: Vec<(Step, String)> = before
        .records()
        .filter(|(_, r)| r.state.needs_push())
        .map(|(s, r)| (s, r.key.to_lowercase()))
        .collect();

    let (seen, after) = rig.push(&id).await;
    let pushed: Vec<_> = seen
        .iter()
        .filter_map(|e| match e {
            Event::MarketoPushed { id: i, result } if *i == id => Some(result.clone()),
            _ => None,
        })
        .collect();
    let got: Vec<(Step, String)> = pushed
        .iter()
        .map(|r| (r.step, r.key.to_lowercase()))
        .collect();
    assert_eq!(got, wanted, "exactly what was missing, in step order");
    assert!(
        pushed.windows(2).all(|w| w[0].step <= w[1].step),
        "step order"
    );
    assert!(
        pushed.iter().all(|r| r.status.is_ok()),
        "every record written: {pushed:#?}"
    );
    // The live check that starts the push comes before any record.
    let first_pushed = seen
        .iter()
        .position(|e| matches!(e, Event::MarketoPushed { .. }))
        .unwrap();
    assert!(seen[..first_pushed].iter().any(|e| matches!(e,
        Event::MarketoReport { source: ReportSource::Checked, id: i, .. } if *i == id)));

    assert_eq!(after.badge(), MarketoBadge::Synced, "{after:#?}");
    assert_eq!(after.to_push(), 0);
    assert!(seen.iter().any(
        |e| matches!(e, Event::MarketoBadges(b) if b.contains(&(id.clone(), MarketoBadge::Synced)))
    ));
    // The notice with the counts follows the report.
    let (_, notice) = rig
        .until(|e| match e {
            Event::Notice { text, .. } if text.contains("pushed to Marketo") => Some(text.clone()),
            _ => None,
        })
        .await;
    let tally = PushTally::of(&pushed);
    assert_eq!(tally.total(), wanted.len());
    assert_eq!(tally.skipped, 0);
    assert!(notice.ends_with(&tally.to_string()), "{notice}");

    // On disk, for the next start.
    let store = rig.store();
    let row = store
        .load_rows(None)
        .unwrap()
        .into_iter()
        .find(|r| r.id == id)
        .unwrap();
    assert_eq!(row.marketo, MarketoBadge::Synced);
    let (json, at) = store.marketo_report(&id).unwrap().unwrap();
    assert_eq!(serde_json::from_str::<SyncReport>(&json).unwrap(), after);
    assert!(chrono::Utc::now() - at < chrono::Duration::minutes(1));

    // A second push finds nothing to do and writes nothing.
    let calls = rig.calls();
    let (seen, again) = rig.push(&id).await;
    assert!(
        !seen
            .iter()
            .any(|e| matches!(e, Event::MarketoPushed { .. }))
    );
    assert_eq!(again.badge(), MarketoBadge::Synced);
    assert!(
        rig.calls() - calls <= 5,
        "only the check: {}",
        rig.calls() - calls
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_corrects_a_mismatched_sales_person() {
    let mut rig = rig(None).await;
    rig.check_all().await;
    let (id, _) = rig
        .reports()
        .into_iter()
        .find(|(_, r)| {
            r.problems.is_empty()
                && matches!(&r.step(Step::SalesPerson).state,
                    SyncState::Mismatch { field, .. } if field == "email")
        })
        .expect("a referral whose seller's email differs");
    let (seen, after) = rig.push(&id).await;
    let first = seen
        .iter()
        .find_map(|e| match e {
            Event::MarketoPushed { result, .. } => Some(result.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(first.step, Step::SalesPerson);
    assert_eq!(
        first.status,
        refdeck::domain::marketo::RecordStatus::Updated
    );
    assert_eq!(after.step(Step::SalesPerson).state, SyncState::Synced);
    assert_eq!(after.badge(), MarketoBadge::Synced);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_marketo_is_offline_in_the_top_bar() {
    // A port nobody listens on.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let mut rig = rig(Some(Some(dead))).await;
    let id = rig.store().ids().unwrap().remove(0);
    rig.send(Command::MarketoCheck {
        ids: vec![id.clone()],
        all: false,
    });
    let want = id.clone();
    let (seen, message) = rig
        .until(|e| match e {
            Event::MarketoFailed { id, message } if *id == want => Some(message.clone()),
            _ => None,
        })
        .await;
    assert!(message.contains("cannot reach Marketo"), "{message}");
    assert!(seen.iter().any(|e| matches!(e,
        Event::Marketo(c) if c.link == Link::Offline("unreachable".into()))));

    rig.send(Command::MarketoCheck {
        ids: vec![],
        all: true,
    });
    let (_, error) = rig
        .until(|e| match e {
            Event::MarketoCheckDone { error, .. } => Some(error.clone()),
            _ => None,
        })
        .await;
    let error = error.expect("the check stops");
    assert!(error.starts_with("stopped after 0 of 300"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_marketo_every_request_says_how_to_configure_it() {
    let mut rig = rig(Some(None)).await;
    let id = rig.store().ids().unwrap().remove(0);
    rig.send(Command::MarketoPush { id: id.clone() });
    let (_, message) = rig
        .until(|e| match e {
            Event::MarketoFailed { message, .. } => Some(message.clone()),
            _ => None,
        })
        .await;
    assert!(message.contains("[marketo]"), "{message}");
    rig.send(Command::MarketoCheck {
        ids: vec![],
        all: true,
    });
    let (_, error) = rig
        .until(|e| match e {
            Event::MarketoCheckDone { error, .. } => Some(error.clone()),
            _ => None,
        })
        .await;
    assert!(error.unwrap().contains("--marketo-url"));
}
