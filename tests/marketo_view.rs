//! The Marketo view (`m`), driven by keys with the backend's answers fed in as events:
//! snapshots at 80x24 and 160x48 of each state, and the commands its keys send.
//!
//! Reports are built with the domain's own `plan` + `assess` over an `Observed` filled with
//! fixed Marketo ids, so the snapshots never change between runs.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod support;

use crossterm::event::KeyCode;
use refdeck::domain::Referral;
use refdeck::domain::marketo::{
    ApiError, MarketoBadge, MarketoId, MarketoMapping, Observed, RecordStatus, Step, StepResult,
    SyncPlan, SyncReport, SyncState, assess, plan,
};
use refdeck::protocol::{BadgeCounts, Command, Event, ReportSource};
use support::{Harness, now};

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];
const OPP_GUID: &str = "6f1c2a9e-0d4b-4c1e-9a57-3b8e2d7f4a10";

/// What of the plan Marketo holds in a scenario.
#[derive(Clone, Copy)]
struct Held {
    sales_person: bool,
    /// The sales person is there with another email.
    wrong_email: bool,
    company: bool,
    /// How many of the leads (in contact order).
    leads: usize,
    opportunity: bool,
    /// The opportunity is there with another amount.
    wrong_amount: bool,
    roles: usize,
}

const ALL: Held = Held {
    sales_person: true,
    wrong_email: false,
    company: true,
    leads: usize::MAX,
    opportunity: true,
    wrong_amount: false,
    roles: usize::MAX,
};

const NOTHING: Held = Held {
    sales_person: false,
    wrong_email: false,
    company: false,
    leads: 0,
    opportunity: false,
    wrong_amount: false,
    roles: 0,
};

/// Marketo as it would hold `held` of the plan, with fixed ids and Sales Insight data.
fn observed(p: &SyncPlan, held: Held) -> Observed {
    let mut o = Observed::default();
    if held.sales_person {
        let mut sp = p.sales_person.clone().unwrap();
        sp.id = Some(1042);
        if held.wrong_email {
            sp.email = Some("j.old-alias@legacy.example".into());
        }
        o.add_sales_person(sp);
    }
    if held.company {
        let mut co = p.company.clone().unwrap();
        co.id = Some(2077);
        o.add_company(co);
    }
    for (i, lead) in p.leads.iter().take(held.leads).enumerate() {
        let mut l = lead.clone();
        l.id = Some(3100 + i as i64);
        if i == 0 {
            l.msi_last_interesting_moment_type = Some("Web".into());
            l.msi_last_interesting_moment_date = Some("2026-11-20T14:02:00Z".into());
            l.msi_last_interesting_moment_desc =
                Some("Visited the pricing page of the partner's Azure migration offer".into());
            l.msi_last_interesting_moment_source = Some("Web page".into());
            l.priority = Some(71);
            l.relative_urgency = Some(3);
            l.relative_scoring = Some(4);
        }
        o.add_lead(l);
    }
    if held.opportunity {
        let mut opp = p.opportunity.clone().unwrap();
        opp.marketo_guid = Some(OPP_GUID.into());
        if held.wrong_amount {
            opp.amount = Some(opp.amount.unwrap_or(0.0) + 5000.0);
        }
        o.add_opportunity(opp);
    }
    for (i, role) in p.roles.iter().take(held.roles).enumerate() {
        let mut rec = role.to_record(3100 + i as i64);
        rec.marketo_guid = Some(format!("0c9d7e1f-5a2b-4c3d-8e9f-00000000000{i}"));
        o.add_role(rec);
    }
    o
}

fn report(r: &Referral, held: Held) -> SyncReport {
    let p = plan(r, &MarketoMapping::default());
    assess(&p, &observed(&p, held))
}

/// A harness at `w`×`h` with the Marketo view open on a referral that has at least two
/// contacts and nothing unplannable (the first such in list order).
fn open(w: u16, h: u16) -> (Harness, Referral) {
    let mut hx = Harness::new(60, w, h);
    let r = loop {
        let id = hx
            .app
            .list
            .selected_id()
            .expect("a selected row")
            .to_string();
        let r = hx.referral(&id);
        let p = plan(&r, &MarketoMapping::default());
        if p.leads.len() >= 2 && p.problems.is_empty() && p.opportunity.is_some() {
            break r;
        }
        hx.key(KeyCode::Char('j'));
    };
    hx.key(KeyCode::Char('m'));
    hx.answer_detail();
    (hx, r)
}

/// Feeds a report as the backend sends it: a fresh one comes with the list badge.
fn feed(hx: &mut Harness, r: &Referral, rep: SyncReport, ago_secs: i64, source: ReportSource) {
    if source.is_fresh() {
        hx.event(Event::MarketoBadges(vec![(
            r.id().to_string(),
            rep.badge(),
        )]));
    }
    hx.event(Event::MarketoReport {
        id: r.id().to_string(),
        report: Box::new(rep),
        checked_at: now() - chrono::Duration::seconds(ago_secs),
        source,
    });
}

/// The partial scenario: the sales person's email and the opportunity's amount differ, the
/// second lead and the roles are missing.
fn partial(r: &Referral) -> SyncReport {
    report(
        r,
        Held {
            wrong_email: true,
            leads: 1,
            wrong_amount: true,
            roles: 0,
            ..ALL
        },
    )
}

/// What a push of the partial scenario writes, in order.
fn push_results(rep: &SyncReport) -> Vec<StepResult> {
    let mut next_lead = 3101;
    let mut next_guid = 0;
    rep.records()
        .filter(|(_, rec)| rec.state.needs_push())
        .map(|(step, rec)| {
            let (status, marketo_id) = match (&rec.state, step) {
                (SyncState::Mismatch { .. }, _) => (RecordStatus::Updated, rec.marketo_id.clone()),
                (_, Step::Leads) => {
                    next_lead += 1;
                    (RecordStatus::Created, Some(MarketoId::Id(next_lead - 1)))
                }
                _ => {
                    next_guid += 1;
                    let guid = format!("7a7a7a7a-0000-4000-8000-{next_guid:012}");
                    (RecordStatus::Created, Some(MarketoId::Guid(guid)))
                }
            };
            StepResult {
                step,
                key: rec.key.clone(),
                label: rec.label.clone(),
                status,
                marketo_id,
                reasons: vec![],
            }
        })
        .collect()
}

fn snap(name: &str, build: impl Fn(&mut Harness, &Referral)) {
    for (w, h) in SIZES {
        let (mut hx, r) = open(w, h);
        build(&mut hx, &r);
        let screen = hx.screen();
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen);
    }
}

#[test]
fn cached_report_shows_while_checking() {
    snap("marketo_cached_checking", |hx, r| {
        feed(hx, r, partial(r), 3 * 3600, ReportSource::Cached);
    });
}

#[test]
fn fully_synced() {
    snap("marketo_synced", |hx, r| {
        feed(hx, r, report(r, ALL), 12, ReportSource::Checked);
    });
}

#[test]
fn partial_with_mismatches() {
    snap("marketo_partial", |hx, r| {
        feed(hx, r, partial(r), 5, ReportSource::Checked);
    });
}

#[test]
fn partial_scrolled_to_sales_insight() {
    snap("marketo_partial_scrolled", |hx, r| {
        feed(hx, r, partial(r), 5, ReportSource::Checked);
        hx.key(KeyCode::Char('G'));
    });
}

#[test]
fn missing_and_blocked() {
    snap("marketo_missing", |hx, r| {
        feed(hx, r, report(r, NOTHING), 5, ReportSource::Checked);
    });
}

#[test]
fn push_in_progress_shows_each_result() {
    snap("marketo_pushing", |hx, r| {
        let rep = partial(r);
        feed(hx, r, rep.clone(), 5, ReportSource::Checked);
        hx.key(KeyCode::Char('p'));
        hx.key(KeyCode::Enter);
        for result in push_results(&rep).into_iter().take(3) {
            hx.event(Event::MarketoPushed {
                id: r.id().to_string(),
                result,
            });
        }
    });
}

#[test]
fn push_finished() {
    snap("marketo_pushed", |hx, r| {
        let rep = partial(r);
        feed(hx, r, rep.clone(), 5, ReportSource::Checked);
        hx.key(KeyCode::Char('p'));
        hx.key(KeyCode::Enter);
        for result in push_results(&rep) {
            hx.event(Event::MarketoPushed {
                id: r.id().to_string(),
                result,
            });
        }
        feed(hx, r, report(r, ALL), 0, ReportSource::Pushed);
    });
}

#[test]
fn push_stopped_by_a_skipped_record() {
    snap("marketo_push_skipped", |hx, r| {
        let rep = report(r, NOTHING);
        feed(hx, r, rep.clone(), 5, ReportSource::Checked);
        hx.key(KeyCode::Char('p'));
        hx.key(KeyCode::Enter);
        let sp = rep.step(Step::SalesPerson).records[0].clone();
        hx.event(Event::MarketoPushed {
            id: r.id().to_string(),
            result: StepResult {
                step: Step::SalesPerson,
                key: sp.key,
                label: sp.label,
                status: RecordStatus::Skipped,
                marketo_id: None,
                reasons: vec![ApiError::new(
                    "1003",
                    "Value for field 'email' is not a valid email address",
                )],
            },
        });
        feed(hx, r, rep, 0, ReportSource::Pushed);
    });
}

#[test]
fn failed_check_keeps_the_cached_report() {
    snap("marketo_failed", |hx, r| {
        feed(hx, r, partial(r), 2 * 86_400, ReportSource::Cached);
        hx.event(Event::MarketoFailed {
            id: r.id().to_string(),
            message: "cannot reach Marketo for /rest/v1/leads.json: connection refused".into(),
        });
    });
}

#[test]
fn check_all_progress_in_the_top_bar() {
    for (w, h) in SIZES {
        let mut hx = Harness::new(60, w, h);
        hx.key(KeyCode::Char(':'));
        hx.keys("marketo check all");
        hx.key(KeyCode::Enter);
        assert!(hx.sent.contains(&Command::MarketoCheck {
            ids: vec![],
            all: true
        }));
        hx.event(Event::MarketoProgress {
            done: 3000,
            total: 12000,
        });
        let ids = hx.app.list.visible_ids();
        hx.event(Event::MarketoBadges(vec![
            (ids[0].clone(), MarketoBadge::Synced),
            (ids[1].clone(), MarketoBadge::Partial),
            (ids[2].clone(), MarketoBadge::Missing),
        ]));
        let screen = hx.screen();
        insta::assert_snapshot!(format!("marketo_check_all_{w}x{h}"), screen);
        assert_eq!(
            hx.app.list.row(&ids[1]).unwrap().marketo(),
            MarketoBadge::Partial
        );
        hx.event(Event::MarketoCheckDone {
            counts: BadgeCounts {
                synced: 5,
                partial: 4,
                missing: 3,
            },
            error: None,
        });
        assert_eq!(hx.app.top.marketo_checking, None);
        let screen = hx.screen();
        assert!(
            screen.contains("Marketo: 12 checked — 5 synced · 4 partial · 3 missing"),
            "{screen}"
        );
    }
}

// ---- behaviour -------------------------------------------------------------------------------

#[test]
fn opening_asks_for_a_check_and_keys_send_commands() {
    let (mut hx, r) = open(80, 24);
    let id = r.id().to_string();
    let check = Command::MarketoCheck {
        ids: vec![id.clone()],
        all: false,
    };
    assert_eq!(hx.sent.last(), Some(&check), "opening checks the referral");
    assert!(hx.screen().contains("checking Marketo…"));

    // `p` before any report: nothing is sent.
    hx.sent.clear();
    hx.key(KeyCode::Char('p'));
    assert!(hx.sent.is_empty());

    let rep = partial(&r);
    let expected = rep.to_push();
    assert!(expected >= 4, "partial has several records to push");
    feed(&mut hx, &r, rep, 5, ReportSource::Checked);
    assert!(!hx.screen().contains("checking"));

    // `p` shows the plan (step, key, action) and asks first; Enter pushes it.
    hx.key(KeyCode::Char('p'));
    assert!(hx.sent.is_empty(), "pushed without asking: {:?}", hx.sent);
    let screen = hx.screen();
    assert!(screen.contains("to Marketo? "), "{screen}");
    assert!(screen.contains("· create"), "{screen}");
    assert!(screen.contains("Enter/y push · Esc/n cancel"), "{screen}");
    hx.key(KeyCode::Esc);
    assert!(hx.sent.is_empty());
    assert!(!hx.screen().contains("to Marketo? "));
    hx.key(KeyCode::Char('p'));
    hx.key(KeyCode::Enter);
    assert_eq!(hx.sent, [Command::MarketoPush { id: id.clone() }]);
    assert!(hx.screen().contains(&format!("pushing 0/{expected}…")));
    // A second `p` while pushing sends nothing more.
    hx.key(KeyCode::Char('p'));
    assert_eq!(hx.sent.len(), 1);

    // A cached report arriving late does not replace the fresh one.
    feed(&mut hx, &r, report(&r, NOTHING), 3600, ReportSource::Cached);
    let screen = hx.screen();
    assert!(screen.contains("partial · "), "{screen}");
    assert!(!screen.contains("cached"), "{screen}");

    hx.event(Event::MarketoFailed {
        id: id.clone(),
        message: "cannot reach Marketo for /rest/v1/leads.json: connection refused".into(),
    });
    let screen = hx.screen();
    assert!(!screen.contains("pushing"), "{screen}");
    assert!(screen.contains("connection refused"), "{screen}");
    assert!(screen.contains("stopped"), "{screen}");

    hx.sent.clear();
    hx.key(KeyCode::Char('c'));
    assert_eq!(hx.sent, [check]);

    // Esc goes back to the detail.
    hx.key(KeyCode::Esc);
    let top = hx.app.right.last().unwrap();
    assert!(top.title().starts_with("Referral: "), "{}", top.title());
}

#[test]
fn nothing_to_push_is_said_and_not_sent() {
    let (mut hx, r) = open(80, 24);
    feed(&mut hx, &r, report(&r, ALL), 5, ReportSource::Checked);
    hx.sent.clear();
    hx.key(KeyCode::Char('p'));
    assert!(hx.sent.is_empty(), "{:?}", hx.sent);
    let screen = hx.screen();
    assert!(screen.contains("nothing to push"), "{screen}");
}

#[test]
fn events_of_other_referrals_are_ignored() {
    let (mut hx, r) = open(80, 24);
    let other = hx
        .referrals
        .iter()
        .find(|x| x.id() != r.id())
        .unwrap()
        .clone();
    feed(
        &mut hx,
        &other,
        report(&other, ALL),
        5,
        ReportSource::Checked,
    );
    assert!(hx.screen().contains("checking Marketo…"));
}

#[test]
fn help_says_push_corrects_differences() {
    let (mut hx, _) = open(80, 24);
    hx.key(KeyCode::Char('?'));
    let screen = hx.screen();
    assert!(
        screen.contains("push what is missing or different"),
        "{screen}"
    );
}

/// An instance without "MSI Non-Native" or with a native CRM is named in plain words, and the
/// Sales Insight section says why it is empty; the lead check is still shown.
#[test]
fn the_view_names_an_instance_that_cannot_take_the_sync() {
    let (mut hx, r) = open(160, 48);
    let mut rep = partial(&r);
    rep.instance = refdeck::domain::marketo::InstanceInfo {
        msi_non_native: false,
        native_crm: true,
    };
    feed(&mut hx, &r, rep, 5, ReportSource::Checked);
    let screen = hx.screen();
    assert!(
        screen.contains("MSI non-native is not enabled on this instance"),
        "{screen}"
    );
    assert!(
        screen.contains("this instance syncs a native CRM"),
        "{screen}"
    );
    assert!(screen.contains("leads"), "{screen}");
    assert!(!screen.contains("Scores"), "{screen}");
}
