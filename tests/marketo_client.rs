//! The Marketo client against the sandbox (and against broken stubs) over real HTTP.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::http::{StatusCode, Uri};
use axum::response::IntoResponse;
use axum::routing::any;
use refdeck::backend::marketo::{MarketoClient, MarketoConfig, MarketoError, RetryPolicy};
use refdeck::domain::marketo::{
    MarketoBadge, MarketoMapping, MarketoObject, RecordStatus, SalesPerson, Step, StepResult,
    SyncState, plan,
};
use refdeck::domain::referral::Referral;
use refdeck::sandbox::clock::Clock;
use refdeck::sandbox::marketo::{MarketoState, router};
use serde_json::{Value, json};

const SECRET: &str = "s3cret-never-shown";

async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(axum::serve(listener, app).into_future());
    base
}

fn config(base: &str) -> MarketoConfig {
    let mut cfg = MarketoConfig::new(base, "app", SECRET);
    cfg.retry = RetryPolicy {
        attempts: 8,
        first_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(300),
    };
    cfg.timeout = Duration::from_secs(10);
    cfg
}

async fn sandbox(state: &MarketoState) -> MarketoClient {
    let base = serve(router(state.clone())).await;
    MarketoClient::new(config(&base)).unwrap()
}

/// A referral with its own seller, customer and `contacts` contacts.
fn referral(i: usize, contacts: usize) -> Referral {
    let team: Vec<Value> = (0..contacts)
        .map(|c| {
            json!({"firstName": format!("Contact{c}"), "lastName": format!("Of{i}"),
                   "email": format!("contact{c}@customer{i}.example"), "phoneNumber": "+1 425 555 0100"})
        })
        .collect();
    serde_json::from_value(json!({
        "id": format!("ref-{i:04}"),
        "name": format!("Deal number {i}"),
        "status": "Active", "substatus": "Accepted", "salesStage": "Propose",
        "type": "Independent",
        "customerProfile": {
            "name": format!("Customer {i} Ltd"),
            "address": {"city": "Redmond", "country": "US"},
            "team": team
        },
        "details": {"dealValue": 1000.0 + i as f64, "currency": "USD",
                    "closingDateTime": "2026-12-31T00:00:00Z"},
        "team": [{"firstName": "Seller", "lastName": format!("Number{i}"),
                  "email": format!("seller{i}@partner.example")}]
    }))
    .unwrap()
}

async fn push(
    c: &MarketoClient,
    r: &Referral,
) -> (Vec<StepResult>, refdeck::domain::marketo::SyncReport) {
    let before = c.check(std::slice::from_ref(r)).await.unwrap().remove(0);
    let mut results = Vec::new();
    let after = c
        .push_missing(r, &before, |res| results.push(res))
        .await
        .unwrap();
    (results, after)
}

/// Referral 1 fully synced, 2 with sales person and company only, 3 absent, 4 synced but its
/// sales person's email differs in Marketo.
async fn mixed(c: &MarketoClient) -> Vec<Referral> {
    let rs: Vec<Referral> = (1..=4).map(|i| referral(i, 2)).collect();
    push(c, &rs[0]).await;
    let p = plan(&rs[1], &MarketoMapping::default());
    c.sync(
        MarketoObject::SalesPerson,
        &[p.sales_person.clone().unwrap()],
    )
    .await
    .unwrap();
    c.sync(MarketoObject::Company, &[p.company.clone().unwrap()])
        .await
        .unwrap();
    push(c, &rs[3]).await;
    let wrong = SalesPerson {
        external_sales_person_id: Some("seller.number4".into()),
        email: Some("old.alias@legacy.example".into()),
        ..SalesPerson::default()
    };
    let r = c.sync(MarketoObject::SalesPerson, &[wrong]).await.unwrap();
    assert_eq!(r[0].status, RecordStatus::Updated);
    rs
}

#[tokio::test]
async fn check_tells_synced_partial_missing_and_mismatch_apart() {
    let state = MarketoState::new(Clock::new());
    let c = sandbox(&state).await;
    let rs = mixed(&c).await;
    let calls = c.calls_made();
    let reports = c.check(&rs).await.unwrap();
    assert_eq!(
        c.calls_made() - calls,
        5,
        "one query per object for all four"
    );
    let badges: Vec<MarketoBadge> = reports.iter().map(|r| r.badge()).collect();
    assert_eq!(
        badges,
        [
            MarketoBadge::Synced,
            MarketoBadge::Partial,
            MarketoBadge::Missing,
            MarketoBadge::Partial
        ]
    );
    let synced = &reports[0];
    assert!(synced.records().all(|(_, r)| r.marketo_id.is_some()));
    assert_eq!(synced.insights.len(), 2);

    let partial = &reports[1];
    assert_eq!(partial.step(Step::Company).state, SyncState::Synced);
    assert_eq!(partial.step(Step::Leads).state, SyncState::Missing);
    assert_eq!(partial.step(Step::Opportunity).state, SyncState::Missing);
    assert_eq!(
        partial.step(Step::Roles).state,
        SyncState::Blocked {
            by: Step::Opportunity
        }
    );

    let missing = &reports[2];
    assert_eq!(missing.step(Step::SalesPerson).state, SyncState::Missing);
    assert_eq!(
        missing.step(Step::Company).state,
        SyncState::Blocked {
            by: Step::SalesPerson
        }
    );

    let mismatch = &reports[3];
    assert_eq!(
        mismatch.step(Step::SalesPerson).state,
        SyncState::Mismatch {
            field: "email".into(),
            ours: "seller4@partner.example".into(),
            theirs: "old.alias@legacy.example".into(),
        }
    );
    assert_eq!(mismatch.step(Step::Roles).state, SyncState::Synced);
}

#[tokio::test]
async fn push_writes_exactly_the_missing_records_in_order() {
    let state = MarketoState::new(Clock::new());
    let c = sandbox(&state).await;
    let rs = mixed(&c).await;
    let log_before = state.request_log().len();
    let (results, after) = push(&c, &rs[1]).await;
    let steps: Vec<(Step, &RecordStatus)> = results.iter().map(|r| (r.step, &r.status)).collect();
    assert_eq!(
        steps,
        [
            (Step::Leads, &RecordStatus::Created),
            (Step::Leads, &RecordStatus::Created),
            (Step::Opportunity, &RecordStatus::Created),
            (Step::Roles, &RecordStatus::Created),
            (Step::Roles, &RecordStatus::Created),
        ]
    );
    assert!(
        results
            .iter()
            .all(|r| r.marketo_id.is_some() && r.reasons.is_empty())
    );
    assert!(
        results[0].label.contains("contact0@customer2.example"),
        "{}",
        results[0]
    );
    let writes: Vec<String> = state.request_log()[log_before..]
        .iter()
        .filter(|l| l.starts_with("POST"))
        .cloned()
        .collect();
    assert_eq!(
        writes,
        [
            "POST /rest/v1/leads.json",
            "POST /rest/v1/opportunities.json",
            "POST /rest/v1/opportunities/roles.json",
        ]
    );
    assert_eq!(after.badge(), MarketoBadge::Synced, "{after:#?}");

    // Nothing left: a second push writes nothing.
    let log_before = state.request_log().len();
    let mut again = Vec::new();
    let still = c
        .push_missing(&rs[1], &after, |r| again.push(r))
        .await
        .unwrap();
    assert!(again.is_empty());
    assert!(
        state.request_log()[log_before..]
            .iter()
            .all(|l| l.starts_with("GET"))
    );
    assert_eq!(still.badge(), MarketoBadge::Synced);

    // A referral with nothing in Marketo goes step by step from the sales person.
    let (results, after) = push(&c, &rs[2]).await;
    let order: Vec<Step> = results.iter().map(|r| r.step).collect();
    assert_eq!(
        order,
        [
            Step::SalesPerson,
            Step::Company,
            Step::Leads,
            Step::Leads,
            Step::Opportunity,
            Step::Roles,
            Step::Roles
        ]
    );
    assert_eq!(after.badge(), MarketoBadge::Synced);
}

#[tokio::test]
async fn push_corrects_a_mismatched_sales_person() {
    let state = MarketoState::new(Clock::new());
    let c = sandbox(&state).await;
    let rs = mixed(&c).await;
    let (results, after) = push(&c, &rs[3]).await;
    assert_eq!(results.len(), 1, "{results:?}");
    assert_eq!(
        (results[0].step, &results[0].status),
        (Step::SalesPerson, &RecordStatus::Updated)
    );
    assert_eq!(after.badge(), MarketoBadge::Synced);
}

#[tokio::test]
async fn token_is_renewed_when_marketo_says_expired_or_invalid() {
    let state = MarketoState::new(Clock::new());
    let c = sandbox(&state).await;
    let rs = vec![referral(1, 1)];
    c.check(&rs).await.unwrap();
    assert_eq!(state.tokens_issued(), 1);
    // The server's clock runs past the token's hour while the client still trusts it.
    state.clock().advance(chrono::Duration::hours(2));
    let (results, report) = push(&c, &rs[0]).await;
    assert_eq!(results.len(), 5);
    assert_eq!(report.badge(), MarketoBadge::Synced);
    assert_eq!(state.tokens_issued(), 2);
    assert!(state.rejections("602") >= 1);
    // Revoked tokens (601) are renewed the same way.
    state.revoke_tokens();
    assert_eq!(c.check(&rs).await.unwrap()[0].badge(), MarketoBadge::Synced);
    assert_eq!(state.tokens_issued(), 3);
    assert!(state.rejections("601") >= 1);
}

#[tokio::test]
async fn a_burst_past_the_rate_limit_completes_without_errors() {
    let state = MarketoState::new(Clock::new());
    // The server is stricter than the client believes: 606s must happen and be absorbed.
    state.set_rate_limit(25, Duration::from_millis(400));
    let base = serve(router(state.clone())).await;
    let mut cfg = config(&base);
    cfg.max_calls = 10_000;
    cfg.window = Duration::from_secs(1);
    cfg.retry.attempts = 20;
    let c = MarketoClient::new(cfg).unwrap();
    let calls = (0..110).map(|i| {
        let c = c.clone();
        async move {
            c.query::<Value>(
                MarketoObject::Lead,
                "email",
                &[format!("person{i}@x.example")],
                &["email"],
            )
            .await
        }
    });
    let results = futures::future::join_all(calls).await;
    assert!(
        results.iter().all(Result::is_ok),
        "{:?}",
        results.iter().find(|r| r.is_err())
    );
    assert!(state.rejections("606") > 0, "the limit was hit");
    assert_eq!(
        state.request_log().len(),
        110,
        "every query ran exactly once in the end"
    );
}

#[tokio::test]
async fn concurrency_refusals_are_retried() {
    let state = MarketoState::new(Clock::new());
    state.set_max_concurrent(2);
    state.set_latency(Duration::from_millis(40));
    // Sixteen callers share two places: on a busy machine a caller may be turned away many
    // times before its turn, so it keeps trying for longer than the default.
    let mut cfg = config(&serve(router(state.clone())).await);
    cfg.retry.attempts = 40;
    let c = MarketoClient::new(cfg).unwrap();
    let calls = (0..16).map(|i| {
        let c = c.clone();
        async move {
            c.query::<Value>(
                MarketoObject::Company,
                "externalCompanyId",
                &[format!("c{i}")],
                &[],
            )
            .await
        }
    });
    let results = futures::future::join_all(calls).await;
    assert!(results.iter().all(Result::is_ok));
    assert!(state.rejections("615") > 0);
    assert_eq!(state.request_log().len(), 16);
}

#[tokio::test]
async fn seven_hundred_contacts_go_in_batches_of_three_hundred() {
    let state = MarketoState::new(Clock::new());
    let c = sandbox(&state).await;
    let r = referral(7, 700);
    let (results, report) = push(&c, &r).await;
    assert_eq!(results.len(), 1 + 1 + 700 + 1 + 700);
    assert!(results.iter().all(|r| r.status == RecordStatus::Created));
    let log = state.request_log();
    let count = |line: &str| log.iter().filter(|l| *l == line).count();
    assert_eq!(count("POST /rest/v1/leads.json"), 3);
    assert_eq!(count("POST /rest/v1/opportunities/roles.json"), 3);
    assert_eq!(count("POST /rest/v1/salespersons.json"), 1);
    // Two checks: 3 lead batches each, the two full ones too long for a GET URL; the 700
    // roles of the one opportunity come in 3 pages on the re-check (none existed before).
    assert_eq!(count("GET /rest/v1/leads.json"), 2);
    assert_eq!(count("POST /rest/v1/leads.json?_method=GET"), 4);
    assert_eq!(count("GET /rest/v1/opportunities/roles.json"), 1 + 3);
    assert_eq!(report.badge(), MarketoBadge::Synced);
    assert_eq!(report.step(Step::Roles).records.len(), 700);
    assert_eq!(state.count(MarketoObject::Lead), 700);
}

#[tokio::test]
async fn checking_many_referrals_groups_keys_and_matches_the_seeded_mix() {
    let rs: Vec<Referral> = (0..650).map(|i| referral(i, 2)).collect();
    let seeded = || MarketoState::seeded(&rs, 42, Clock::new(), &MarketoMapping::default());
    let state = seeded();
    let c = sandbox(&state).await;
    let reports = c.check(&rs).await.unwrap();
    let calls = c.calls_made();
    // 650 sellers, customers and opportunities: 3 batches each; 1300 leads: 5; roles: one
    // query per 300 opportunities, paged by 300 roles.
    let log = state.request_log();
    assert_eq!(log.len() as u64, calls);
    let count = |p: &str| log.iter().filter(|l| l.contains(p)).count();
    assert_eq!(count("/salespersons.json"), 3);
    assert_eq!(count("/companies.json"), 3);
    assert_eq!(count("/leads.json"), 5);
    assert_eq!(count("/opportunities.json"), 3);
    assert!(
        (3..=8).contains(&count("/roles.json")),
        "{}",
        count("/roles.json")
    );
    println!("checking 650 referrals (1300 contacts) took {calls} calls");

    let tally = |b: MarketoBadge| reports.iter().filter(|r| r.badge() == b).count();
    let (synced, partial, missing) = (
        tally(MarketoBadge::Synced),
        tally(MarketoBadge::Partial),
        tally(MarketoBadge::Missing),
    );
    println!("seeded mix: {synced} synced, {partial} partial, {missing} missing");
    assert_eq!(synced + partial + missing, 650);
    assert!((190..=330).contains(&synced), "{synced}");
    assert!((100..=280).contains(&missing), "{missing}");
    let email_mismatch = reports
        .iter()
        .filter(|r| {
            matches!(&r.step(Step::SalesPerson).state,
                SyncState::Mismatch { field, .. } if field == "email")
        })
        .count();
    assert!((30..=100).contains(&email_mismatch), "{email_mismatch}");
    assert!(
        reports
            .iter()
            .any(|r| r.insights.iter().any(|i| !i.msi.is_empty()))
    );

    // Same referrals, same seed: same answers (the seeded moments' dates follow the clock).
    let c2 = sandbox(&seeded()).await;
    let again = c2.check(&rs).await.unwrap();
    let states = |rs: &[refdeck::domain::marketo::SyncReport]| {
        rs.iter()
            .map(|r| (r.badge(), r.steps.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(states(&reports), states(&again));
}

/// A server that answers identity with `identity` and every REST call with `rest`.
async fn stub(identity: (StatusCode, &'static str), rest: (StatusCode, &'static str)) -> String {
    let hits = Arc::new(Mutex::new(0));
    let app = Router::new()
        .route(
            "/identity/oauth/token",
            any(move || async move { identity.into_response() }),
        )
        .route(
            "/rest/{*p}",
            any(move || {
                let hits = hits.clone();
                async move {
                    *hits.lock().unwrap() += 1;
                    rest.into_response()
                }
            }),
        );
    serve(app).await
}

const GOOD_TOKEN: &str = r#"{"access_token":"t-1","token_type":"bearer","expires_in":3599}"#;

#[tokio::test]
async fn broken_replies_are_typed_errors() {
    let rs = &[referral(1, 1)];
    let check = |base: String| async move {
        let c = MarketoClient::new(config(&base)).unwrap();
        c.check(rs).await.unwrap_err()
    };

    let e = check(
        stub(
            (StatusCode::OK, GOOD_TOKEN),
            (StatusCode::OK, "<html>oops</html>"),
        )
        .await,
    )
    .await;
    assert!(
        matches!(&e, MarketoError::Malformed { detail, .. } if detail.contains("<html>")),
        "{e}"
    );

    let e = check(
        stub(
            (StatusCode::OK, GOOD_TOKEN),
            (
                StatusCode::OK,
                r#"{"requestId":"1","success":true,"result":[{"email":["x"]}]}"#,
            ),
        )
        .await,
    )
    .await;
    assert!(
        matches!(&e, MarketoError::Malformed { detail, .. } if detail.contains("result[0]")),
        "{e}"
    );

    let e = check(
        stub(
            (StatusCode::OK, GOOD_TOKEN),
            (StatusCode::BAD_GATEWAY, "upstream down"),
        )
        .await,
    )
    .await;
    assert!(matches!(&e, MarketoError::Http { status: 502, .. }), "{e}");

    let e = check(
        stub(
            (StatusCode::OK, GOOD_TOKEN),
            (StatusCode::OK, r#"{"requestId":"1","success":false,"errors":[{"code":"611","message":"System error"}]}"#),
        )
        .await,
    )
    .await;
    assert_eq!(e.code(), Some("611"));
    assert!(e.to_string().contains("System error"), "{e}");

    let e = check(stub((StatusCode::OK, "not json"), (StatusCode::OK, "{}")).await).await;
    assert!(
        matches!(&e, MarketoError::Malformed { path, .. } if path.contains("identity")),
        "{e}"
    );

    let e = check(
        stub(
            (
                StatusCode::UNAUTHORIZED,
                r#"{"error":"unauthorized","error_description":"Bad client credentials"}"#,
            ),
            (StatusCode::OK, "{}"),
        )
        .await,
    )
    .await;
    assert!(
        matches!(&e, MarketoError::Auth { status: 401, message } if message == "Bad client credentials")
    );
    assert!(!e.to_string().contains(SECRET));

    // A sync answer with fewer results than records sent.
    let base = stub(
        (StatusCode::OK, GOOD_TOKEN),
        (
            StatusCode::OK,
            r#"{"requestId":"1","success":true,"result":[]}"#,
        ),
    )
    .await;
    let c = MarketoClient::new(config(&base)).unwrap();
    let e = c
        .sync(MarketoObject::SalesPerson, &[SalesPerson::default()])
        .await
        .unwrap_err();
    assert!(e.to_string().contains("1 records sent, 0 results"), "{e}");
}

/// A lead describe listing the fields a check reads, Sales Insight ones included.
fn lead_describe() -> Value {
    let names = [
        "externalPersonId",
        "email",
        "firstName",
        "lastName",
        "externalCompanyId",
        "externalSalesPersonId",
    ];
    let fields: Vec<Value> = names
        .iter()
        .chain(refdeck::domain::marketo::MSI_FIELDS.iter())
        .enumerate()
        .map(|(i, n)| {
            json!({"id": i + 1, "displayName": n, "dataType": "string",
                   "rest": {"name": n, "readOnly": false}})
        })
        .collect();
    json!({"requestId": "4", "success": true, "result": fields})
}

#[tokio::test]
async fn a_step_with_a_skipped_record_stops_the_push() {
    // Companies are refused; nothing after them is attempted.
    let log = Arc::new(Mutex::new(Vec::<String>::new()));
    let seen = log.clone();
    let app = Router::new()
        .route(
            "/identity/oauth/token",
            any(|| async { (StatusCode::OK, GOOD_TOKEN) }),
        )
        .route(
            "/rest/{*p}",
            any(move |method: axum::http::Method, uri: Uri| {
                let seen = seen.clone();
                async move {
                    seen.lock().unwrap().push(format!("{method} {}", uri.path()));
                    let body = match (method.as_str(), uri.path()) {
                        ("POST", "/rest/v1/salespersons.json") => {
                            json!({"requestId": "1", "success": true,
                                   "result": [{"seq": 0, "status": "created", "id": 9}]})
                        }
                        ("GET", "/rest/v1/leads/describe.json") => lead_describe(),
                        ("POST", _) => json!({"requestId": "2", "success": true,
                            "result": [{"seq": 0, "status": "skipped",
                                        "reasons": [{"code": "1003", "message": "Company name is blocked"}]}]}),
                        _ => json!({"requestId": "3", "success": true, "result": []}),
                    };
                    axum::Json(body)
                }
            }),
        );
    let c = MarketoClient::new(config(&serve(app).await)).unwrap();
    let r = referral(3, 2);
    let (results, after) = push(&c, &r).await;
    assert_eq!(results.len(), 2);
    assert_eq!(results[1].step, Step::Company);
    assert_eq!(results[1].status, RecordStatus::Skipped);
    assert_eq!(results[1].reasons[0].message, "Company name is blocked");
    let posts: Vec<String> = log
        .lock()
        .unwrap()
        .iter()
        .filter(|l| l.starts_with("POST"))
        .cloned()
        .collect();
    assert_eq!(
        posts,
        [
            "POST /rest/v1/salespersons.json",
            "POST /rest/v1/companies.json"
        ]
    );
    assert_eq!(
        after.badge(),
        MarketoBadge::Missing,
        "the stub keeps nothing"
    );
}

#[tokio::test]
async fn unreachable_marketo_is_a_transport_error_without_secrets() {
    // A port nothing listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let c = MarketoClient::new(config(&base)).unwrap();
    let e = c.check(&[referral(1, 1)]).await.unwrap_err();
    assert!(matches!(e, MarketoError::Transport { .. }), "{e}");
    let text = format!("{e} {e:?}");
    assert!(!text.contains(SECRET), "{text}");
}

#[tokio::test]
async fn budget_counts_down_with_calls() {
    let state = MarketoState::new(Clock::new());
    let c = sandbox(&state).await;
    assert_eq!(c.budget(), (50, 50), "half the instance's 100 per 20 s");
    c.check(&[referral(1, 1)]).await.unwrap();
    // The instance probe (two describes), then one query per object.
    assert_eq!(c.budget(), (43, 50));
}

fn switched(msi_non_native: bool, native_crm: bool) -> MarketoState {
    MarketoState::new(Clock::new()).with_switches(refdeck::sandbox::SwitchBoard::new(
        refdeck::sandbox::Switches {
            msi_non_native,
            native_crm,
            ..Default::default()
        },
    ))
}

#[tokio::test]
async fn the_instance_probe_costs_two_calls_once_per_client() {
    let state = switched(true, false);
    let c = sandbox(&state).await;
    let info = c.instance().await.unwrap();
    assert!(info.msi_non_native && !info.native_crm, "{info:?}");
    assert_eq!(c.calls_made(), 2);
    c.instance().await.unwrap();
    assert_eq!(c.calls_made(), 2, "the probe is cached");
    let info = sandbox(&switched(false, true))
        .await
        .instance()
        .await
        .unwrap();
    assert!(!info.msi_non_native && info.native_crm, "{info:?}");
}

#[tokio::test]
async fn without_msi_the_check_runs_without_msi_fields_and_push_is_refused() {
    let state = switched(false, false);
    let c = sandbox(&state).await;
    let r = referral(1, 2);
    let reports = c.check(std::slice::from_ref(&r)).await.unwrap();
    assert!(!reports[0].instance.msi_non_native);
    assert_eq!(reports[0].badge(), MarketoBadge::Missing);
    let before = state.request_log().len();
    let e = c.push_missing(&r, &reports[0], |_| {}).await.unwrap_err();
    assert!(
        e.to_string()
            .contains("MSI non-native is not enabled on this instance"),
        "{e}"
    );
    assert_eq!(state.request_log().len(), before, "no doomed call is sent");
}

#[tokio::test]
async fn with_a_native_crm_the_check_skips_roles_and_push_is_refused() {
    let state = switched(true, true);
    let c = sandbox(&state).await;
    let r = referral(2, 1);
    let reports = c.check(std::slice::from_ref(&r)).await.unwrap();
    assert!(reports[0].instance.native_crm);
    assert!(
        !state
            .request_log()
            .iter()
            .any(|l| l.contains("/roles.json")),
        "{:?}",
        state.request_log()
    );
    let e = c.push_missing(&r, &reports[0], |_| {}).await.unwrap_err();
    assert!(
        e.to_string().contains("this instance syncs a native CRM"),
        "{e}"
    );
    assert!(!state.request_log().iter().any(|l| l.starts_with("POST")));
}
