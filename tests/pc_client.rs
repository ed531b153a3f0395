//! The Partner Center client against the sandbox (and two tiny fake servers for what the sandbox
//! never does), over real HTTP.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::{get, post};
use refdeck::backend::auth::{DeviceCodePrompt, PcAuth};
use refdeck::backend::partner_center::{ListQuery, PartnerCenterClient, PcConfig, PcError};
use refdeck::backend::retry::RetryPolicy;
use refdeck::domain::patch::PatchOp;
use refdeck::domain::{Referral, Status, Substatus};
use refdeck::sandbox::{self, SandboxConfig, SandboxHandle};
use serde_json::{Value, json};

async fn sandbox(n: usize) -> SandboxHandle {
    sandbox::start(SandboxConfig {
        referrals: n,
        seed: 3,
        ..Default::default()
    })
    .await
    .unwrap()
}

fn fast_retries(mut cfg: PcConfig) -> PcConfig {
    cfg.retry = RetryPolicy {
        max_attempts: 5,
        base_delay: Duration::from_millis(40),
        max_delay: Duration::from_secs(5),
    };
    cfg
}

fn client(h: &SandboxHandle) -> PartnerCenterClient {
    PartnerCenterClient::new(fast_retries(PcConfig::sandbox(&h.base_url()))).unwrap()
}

async fn control(h: &SandboxHandle, path: &str, body: Value) -> Value {
    reqwest::Client::new()
        .post(format!("{}/_sandbox{path}", h.base_url()))
        .body(body.to_string())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn summary(h: &SandboxHandle) -> Value {
    reqwest::get(format!("{}/_sandbox", h.base_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Sets faults now and clears them after `after`.
async fn faults_for(
    h: &SandboxHandle,
    faults: Value,
    after: Duration,
) -> tokio::task::JoinHandle<()> {
    control(h, "/faults", faults).await;
    let base = h.base_url();
    tokio::spawn(async move {
        tokio::time::sleep(after).await;
        reqwest::Client::new()
            .post(format!("{base}/_sandbox/faults"))
            .body(r#"{"errorRate":0,"dropRate":0,"down":false,"throttle":false,"status":503,"retryAfter":0}"#)
            .send()
            .await
            .unwrap();
    })
}

fn new_referral(kind: &str) -> Referral {
    serde_json::from_value(json!({
        "name": "Fabrikam field service rollout",
        "type": kind,
        "customerProfile": {
            "name": "Fabrikam Inc.",
            "address": {"country": "US"},
            "team": [{"firstName": "Bo", "lastName": "Ek", "email": "bo@fabrikam.com", "phoneNumber": "+1 425 555 0199"}]
        },
        "consent": {"consentToShareReferralWithMicrosoftSellers": true},
        "details": {"dealValue": 120000, "currency": "EUR", "closingDateTime": "2027-03-31",
                    "requirements": {"solutions": [{"id": "SOL-20817-KQX"}]}},
        "target": [{"type": "SolutionProfile", "id": "SOL-20817-KQX"}]
    }))
    .unwrap()
}

#[tokio::test]
async fn lists_1000_referrals_in_10_calls_without_a_429() {
    let h = sandbox(1000).await;
    let c = client(&h);
    assert_eq!(c.budget(), (100, 100));
    let mut progress = Vec::new();
    let q = ListQuery {
        count: true,
        ..Default::default()
    };
    let listing = c
        .list(&q, |so_far, count| progress.push((so_far, count)))
        .await
        .unwrap();
    assert_eq!(listing.referrals.len(), 1000);
    assert_eq!(listing.pages, 10);
    assert_eq!(listing.count, Some(1000));
    assert!(listing.skipped.is_empty());
    assert_eq!(progress.len(), 10);
    assert_eq!(progress[0], (100, Some(1000)));
    assert_eq!(progress[9], (1000, Some(1000)));
    assert_eq!(c.budget(), (90, 100));
    assert_eq!(summary(&h).await["throttled"], 0);
    // A filtered, ordered, selected list; `$top` is the total to retrieve.
    let q = ListQuery {
        filter: Some("status eq 'Active'".into()),
        orderby: Some("createdDateTime desc".into()),
        select: Some(vec![
            "name".into(),
            "status".into(),
            "updatedDateTime".into(),
        ]),
        top: Some(50),
        count: true,
    };
    let active = c.list(&q, |_, _| {}).await.unwrap();
    assert!(
        active
            .referrals
            .iter()
            .all(|r| r.status() == Status::Active && r.details.is_none())
    );
    assert_eq!(active.referrals.len(), 50);
    assert!(active.count.unwrap() > 50);
    assert_eq!(active.pages, 1);
}

#[tokio::test]
async fn top_is_the_total_to_retrieve_in_pages_of_at_most_100() {
    let h = sandbox(250).await;
    let c = client(&h);
    let q = ListQuery {
        top: Some(150),
        ..Default::default()
    };
    let listing = c.list(&q, |_, _| {}).await.unwrap();
    assert_eq!((listing.referrals.len(), listing.pages), (150, 2));
    let q = ListQuery {
        top: Some(1000),
        ..Default::default()
    };
    let listing = c.list(&q, |_, _| {}).await.unwrap();
    assert_eq!((listing.referrals.len(), listing.pages), (250, 3));
}

#[tokio::test]
async fn more_calls_than_the_budget_wait_instead_of_meeting_429() {
    let h = sandbox::start(SandboxConfig {
        referrals: 450,
        rate_limit_calls: 4,
        rate_limit_window: Duration::from_secs(1),
        ..Default::default()
    })
    .await
    .unwrap();
    let mut cfg = fast_retries(PcConfig::sandbox(&h.base_url()));
    cfg.rate_limit = (4, Duration::from_secs(1));
    let c = PartnerCenterClient::new(cfg).unwrap();
    let t0 = Instant::now();
    let listing = c.list(&ListQuery::default(), |_, _| {}).await.unwrap();
    assert_eq!((listing.referrals.len(), listing.pages), (450, 5));
    assert!(
        t0.elapsed() >= Duration::from_secs(1),
        "the 5th call waited for the window"
    );
    assert_eq!(summary(&h).await["throttled"], 0);
}

#[tokio::test]
async fn creates_a_shared_deal_and_its_microsoft_twin() {
    let h = sandbox(5).await;
    let c = client(&h);
    let mine = c.create(&new_referral("Shared")).await.unwrap();
    assert_eq!(
        (mine.status(), mine.substatus()),
        (Status::Active, Substatus::Accepted)
    );
    let eid = mine.engagement_id.clone().unwrap();
    let mut twin = new_referral("Shared");
    twin.engagement_id = Some(eid.clone());
    twin.target =
        serde_json::from_value(json!([{"type": "BusinessProfileLocation", "id": "msft"}])).unwrap();
    let linked = c.create(&twin).await.unwrap();
    assert_eq!(linked.engagement_id.as_deref(), Some(eid.as_str()));
    let related = c.related(&eid).await.unwrap();
    let mut ids: Vec<&str> = related.iter().map(|r| r.id()).collect();
    ids.sort();
    let mut want = vec![mine.id(), linked.id()];
    want.sort();
    assert_eq!(ids, want);
    assert_eq!(c.get(mine.id()).await.unwrap(), mine);
}

#[tokio::test]
async fn patch_with_if_match_and_a_412_that_carries_the_current_version() {
    let h = sandbox(5).await;
    let c = client(&h);
    let r = c.create(&new_referral("Independent")).await.unwrap();
    let tag = r.etag.clone().unwrap();
    let updated = c
        .patch(
            r.id(),
            &[PatchOp::replace("/details/dealValue", json!(150000))],
            Some(&tag),
        )
        .await
        .unwrap();
    assert_eq!(updated.deal_value(), Some(150000.0));
    assert_ne!(updated.etag.as_deref(), Some(tag.as_str()));
    let stale = c
        .patch(
            r.id(),
            &[PatchOp::replace("/details/notes", json!("Mine"))],
            Some(&tag),
        )
        .await
        .unwrap_err();
    match stale {
        PcError::PreconditionFailed {
            current: Some(current),
        } => {
            assert_eq!(current.etag, updated.etag);
            assert_eq!(current.deal_value(), Some(150000.0));
        }
        other => panic!("{other:?}"),
    }
    let refused = c
        .patch(
            r.id(),
            &[PatchOp::replace("/details/currency", json!("EURO"))],
            None,
        )
        .await
        .unwrap_err();
    match refused {
        PcError::Invalid {
            status,
            code,
            target,
            message,
        } => {
            assert_eq!(
                (status, code.as_str(), target.as_deref()),
                (400, "invalidRequest", Some("details.currency"))
            );
            assert!(message.contains("ISO 4217"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        c.get("no-such-id").await,
        Err(PcError::NotFound(_))
    ));
    // PUT through the client.
    let mut full = c.get(r.id()).await.unwrap();
    full.campaign_id = Some("Replaced whole".into());
    let put = c.put(&full).await.unwrap();
    assert_eq!(put.campaign_id.as_deref(), Some("Replaced whole"));
    assert!(matches!(
        c.put(&full).await,
        Err(PcError::PreconditionFailed { current: Some(_) })
    ));
}

#[tokio::test]
async fn reads_retry_through_503s_and_dropped_connections() {
    let h = sandbox(5).await;
    let c = client(&h);
    let id = c
        .list(&ListQuery::default(), |_, _| {})
        .await
        .unwrap()
        .referrals[0]
        .id()
        .to_string();
    let clear = faults_for(&h, json!({"errorRate": 1.0}), Duration::from_millis(250)).await;
    let r = c.get(&id).await.unwrap();
    assert_eq!(r.id(), id);
    clear.await.unwrap();
    let before = summary(&h).await["faultsInjected"].as_u64().unwrap();
    assert!(before >= 1, "at least one 503 was met");
    let clear = faults_for(&h, json!({"dropRate": 1.0}), Duration::from_millis(250)).await;
    assert_eq!(c.get(&id).await.unwrap().id(), id);
    clear.await.unwrap();
    assert!(summary(&h).await["faultsInjected"].as_u64().unwrap() > before);
    // When it never recovers, the error is typed.
    control(&h, "/faults", json!({"errorRate": 1.0, "status": 500})).await;
    let injected = summary(&h).await["faultsInjected"].as_u64().unwrap();
    match c.get(&id).await {
        Err(PcError::Server {
            status: 500, code, ..
        }) => assert_eq!(code, "generalException"),
        other => panic!("{other:?}"),
    }
    let after = summary(&h).await["faultsInjected"].as_u64().unwrap();
    assert_eq!(after - injected, 5, "GET tried max_attempts times");
    control(&h, "/faults", json!({"errorRate": 0.0, "down": true})).await;
    let e = c.get(&id).await.unwrap_err();
    assert!(matches!(e, PcError::Network(_)), "{e:?}");
    assert!(e.is_transient());
}

#[tokio::test]
async fn creates_are_not_repeated_when_their_answer_is_lost() {
    let h = sandbox(5).await;
    let c = client(&h);
    let count = |c: PartnerCenterClient| async move {
        c.list(
            &ListQuery {
                count: true,
                top: Some(1),
                ..Default::default()
            },
            |_, _| {},
        )
        .await
        .unwrap()
        .count
        .unwrap()
    };
    let n0 = count(c.clone()).await;
    control(&h, "/faults", json!({"dropRate": 1.0})).await;
    let injected = summary(&h).await["faultsInjected"].as_u64().unwrap();
    let e = c.create(&new_referral("Independent")).await.unwrap_err();
    assert!(matches!(e, PcError::Uncertain(_)), "{e:?}");
    assert!(e.to_string().contains("may or may not"), "{e}");
    assert_eq!(
        summary(&h).await["faultsInjected"].as_u64().unwrap() - injected,
        1,
        "sent once"
    );
    // A 500 is not repeated either.
    control(
        &h,
        "/faults",
        json!({"dropRate": 0.0, "errorRate": 1.0, "status": 500}),
    )
    .await;
    let injected = summary(&h).await["faultsInjected"].as_u64().unwrap();
    assert!(matches!(
        c.create(&new_referral("Independent")).await,
        Err(PcError::Server { status: 500, .. })
    ));
    assert_eq!(
        summary(&h).await["faultsInjected"].as_u64().unwrap() - injected,
        1
    );
    // A 503 means "not processed": it is retried, and exactly one referral results.
    let clear = faults_for(&h, json!({"status": 503}), Duration::from_millis(200)).await;
    let made = c.create(&new_referral("Independent")).await.unwrap();
    clear.await.unwrap();
    assert_eq!(count(c.clone()).await, n0 + 1);
    assert_eq!(c.get(made.id()).await.unwrap().id(), made.id());
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let h = sandbox(3).await;
    let c = client(&h);
    let id = c
        .list(&ListQuery::default(), |_, _| {})
        .await
        .unwrap()
        .referrals[0]
        .id()
        .to_string();
    let clear = faults_for(
        &h,
        json!({"throttle": true, "retryAfter": 1}),
        Duration::from_millis(100),
    )
    .await;
    let t0 = Instant::now();
    c.get(&id).await.unwrap();
    let waited = t0.elapsed();
    clear.await.unwrap();
    assert!(waited >= Duration::from_millis(950), "waited {waited:?}");
    assert!(waited < Duration::from_secs(4), "waited {waited:?}");
    // 503 with Retry-After too.
    let clear = faults_for(
        &h,
        json!({"errorRate": 1.0, "retryAfter": 1}),
        Duration::from_millis(100),
    )
    .await;
    let t0 = Instant::now();
    c.get(&id).await.unwrap();
    assert!(t0.elapsed() >= Duration::from_millis(950));
    clear.await.unwrap();
    // A storm that does not end is reported as throttling.
    control(&h, "/faults", json!({"throttle": true, "retryAfter": 0})).await;
    let mut cfg = fast_retries(PcConfig::sandbox(&h.base_url()));
    cfg.retry.max_attempts = 2;
    let quick = PartnerCenterClient::new(cfg).unwrap();
    match quick.get(&id).await {
        Err(PcError::Throttled { retry_after }) => {
            assert_eq!(retry_after, Some(Duration::from_secs(1)))
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn signs_in_again_once_after_a_401() {
    let h = sandbox(3).await;
    let c = client(&h);
    c.list(&ListQuery::default(), |_, _| {}).await.unwrap();
    let issued = summary(&h).await["tokensIssued"].as_u64().unwrap();
    control(&h, "/clock", json!({"advanceSeconds": 7200})).await;
    c.list(&ListQuery::default(), |_, _| {}).await.unwrap();
    assert_eq!(
        summary(&h).await["tokensIssued"].as_u64().unwrap(),
        issued + 1
    );
    // Credentials the service refuses are an error, not a loop.
    let mut cfg = PcConfig::sandbox(&h.base_url());
    if let PcAuth::ClientCredentials { client_secret, .. } = &mut cfg.auth {
        client_secret.clear();
    }
    let bad = PartnerCenterClient::new(cfg).unwrap();
    assert!(matches!(bad.get("x").await, Err(PcError::Auth(_))));
}

#[tokio::test]
async fn device_code_sign_in_with_a_private_token_cache() {
    let h = sandbox(3).await;
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("refdeck/pc-token.json");
    let prompts: Arc<Mutex<Vec<DeviceCodePrompt>>> = Arc::default();
    let make = |prompts: Arc<Mutex<Vec<DeviceCodePrompt>>>| {
        let mut cfg = fast_retries(PcConfig::new(
            h.pc_base_url(),
            PcAuth::DeviceCode {
                authority: h.authority(),
                client_id: "00000000-aaaa-bbbb-cccc-000000000001".into(),
                scope: refdeck::backend::auth::PARTNER_CENTER_SCOPE.into(),
                cache_path: cache.clone(),
            },
        ));
        cfg.prompt = Some(Arc::new(move |p| prompts.lock().unwrap().push(p)));
        PartnerCenterClient::new(cfg).unwrap()
    };
    let c = make(prompts.clone());
    let listing = c.list(&ListQuery::default(), |_, _| {}).await.unwrap();
    assert_eq!(listing.referrals.len(), 3);
    {
        let seen = prompts.lock().unwrap();
        assert_eq!(seen.len(), 1);
        assert!(seen[0].verification_uri.starts_with(&h.base_url()));
        assert!(seen[0].message.contains(&seen[0].user_code));
        assert!(seen[0].expires_in > 0);
    }
    let text = std::fs::read_to_string(&cache).unwrap();
    assert!(text.contains("refresh_token"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&cache).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }
    // A new run signs in from the cache, without a prompt.
    let again = make(prompts.clone());
    again.list(&ListQuery::default(), |_, _| {}).await.unwrap();
    assert_eq!(prompts.lock().unwrap().len(), 1);
    // A cache the service no longer accepts falls back to the device code.
    std::fs::write(&cache, text.replace("sbx.rt.", "sbx.rt.revoked")).unwrap();
    let third = make(prompts.clone());
    third.list(&ListQuery::default(), |_, _| {}).await.unwrap();
    assert_eq!(prompts.lock().unwrap().len(), 2);
    // Without a prompt there is no way to sign in.
    std::fs::remove_file(&cache).unwrap();
    let mut cfg = PcConfig::new(
        h.pc_base_url(),
        PcAuth::DeviceCode {
            authority: h.authority(),
            client_id: "x".into(),
            scope: "s".into(),
            cache_path: cache.clone(),
        },
    );
    cfg.prompt = None;
    let silent = PartnerCenterClient::new(cfg).unwrap();
    assert!(matches!(silent.get("x").await, Err(PcError::Auth(_))));
}

/// A fake Partner Center for shapes the sandbox never sends.
async fn fake(page: Value) -> String {
    let app = Router::new()
        .route(
            "/t/oauth2/v2.0/token",
            post(|| async {
                axum::Json(
                    json!({"access_token": "tok", "token_type": "Bearer", "expires_in": 3600}),
                )
            }),
        )
        .route(
            "/v1.0/engagements/referrals",
            get(move || {
                let page = page.clone();
                async move { axum::Json(page) }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.ok() });
    format!("http://{addr}")
}

fn fake_client(origin: &str) -> PartnerCenterClient {
    let cfg = PcConfig::new(
        format!("{origin}/v1.0/engagements"),
        PcAuth::ClientCredentials {
            token_url: format!("{origin}/t/oauth2/v2.0/token"),
            client_id: "a".into(),
            client_secret: "b".into(),
            scope: "s".into(),
        },
    );
    PartnerCenterClient::new(fast_retries(cfg)).unwrap()
}

#[tokio::test]
async fn an_unreadable_referral_is_skipped_and_reported() {
    let origin = fake(json!({"value": [
        {"id": "good", "status": "Paused", "name": "kept with its unknown status"},
        {"id": "bad", "details": {"dealValue": "lots"}},
        {"id": "also-good"}
    ]}))
    .await;
    let listing = fake_client(&origin)
        .list(&ListQuery::default(), |_, _| {})
        .await
        .unwrap();
    let ids: Vec<&str> = listing.referrals.iter().map(|r| r.id()).collect();
    assert_eq!(ids, ["good", "also-good"]);
    assert_eq!(
        listing.referrals[0].status(),
        Status::Unknown("Paused".into())
    );
    assert_eq!(listing.skipped.len(), 1);
    assert_eq!(listing.skipped[0].id.as_deref(), Some("bad"));
    assert!(
        listing.skipped[0].error.contains("expected"),
        "{}",
        listing.skipped[0].error
    );
}

#[tokio::test]
async fn the_documented_next_link_is_followed_on_the_configured_base() {
    // Default switches: links read `http://api.partner.microsoft.com/v1.0/referrals?$skiptoken=…`.
    let h = sandbox(250).await;
    let c = client(&h);
    let listing = c.list(&ListQuery::default(), |_, _| {}).await.unwrap();
    assert_eq!((listing.referrals.len(), listing.pages), (250, 3));
    // Own-origin links work the same.
    control(&h, "/switches", json!({"docsNextLink": false})).await;
    let listing = c.list(&ListQuery::default(), |_, _| {}).await.unwrap();
    assert_eq!((listing.referrals.len(), listing.pages), (250, 3));
}

#[tokio::test]
async fn a_next_link_naming_another_host_is_followed_on_the_base_only() {
    // The second page is asked of the configured base, never of the host the link names.
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let log = seen.clone();
    let app = Router::new()
        .route(
            "/t/oauth2/v2.0/token",
            post(|| async {
                axum::Json(
                    json!({"access_token": "tok", "token_type": "Bearer", "expires_in": 3600}),
                )
            }),
        )
        .route(
            "/v1.0/engagements/referrals",
            get(move |axum::extract::RawQuery(q): axum::extract::RawQuery| {
                let log = log.clone();
                async move {
                    let q = q.unwrap_or_default();
                    log.lock().unwrap().push(q.clone());
                    if q.contains("$skiptoken=") {
                        axum::Json(json!({"value": [{"id": "b"}]}))
                    } else {
                        axum::Json(json!({"value": [{"id": "a"}],
                            "@odata.nextLink": "https://attacker.invalid/v1.0/referrals?$skiptoken=k181p%2fE"}))
                    }
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.ok() });
    let listing = fake_client(&format!("http://{addr}"))
        .list(&ListQuery::default(), |_, _| {})
        .await
        .unwrap();
    let ids: Vec<&str> = listing.referrals.iter().map(|r| r.id()).collect();
    assert_eq!(ids, ["a", "b"]);
    assert_eq!(
        seen.lock().unwrap()[1],
        "$skiptoken=k181p%2fE",
        "the token as given"
    );
    // A page without `value` is still an error.
    let origin = fake(json!({"items": []})).await;
    assert!(matches!(
        fake_client(&origin)
            .list(&ListQuery::default(), |_, _| {})
            .await,
        Err(PcError::Decode(_))
    ));
}

/// A fake Partner Center whose referral `r1` answers PATCH with `status` and `body` once, then
/// 204; GET answers the referral. Returns the origin and the count of PATCH calls.
async fn fake_refusing_patch(
    status: u16,
    body: Value,
    retry_after: Option<&'static str>,
) -> (String, Arc<Mutex<u32>>) {
    let calls = Arc::new(Mutex::new(0u32));
    let seen = calls.clone();
    let app = Router::new()
        .route(
            "/t/oauth2/v2.0/token",
            post(|| async {
                axum::Json(
                    json!({"access_token": "tok", "token_type": "Bearer", "expires_in": 3600}),
                )
            }),
        )
        .route(
            "/v1.0/engagements/referrals/r1",
            get(|| async { axum::Json(json!({"id": "r1", "name": "theirs", "eTag": "\"2\""})) })
                .patch(move || {
                    let seen = seen.clone();
                    let body = body.clone();
                    async move {
                        use axum::response::IntoResponse;
                        let n = {
                            let mut c = seen.lock().unwrap();
                            *c += 1;
                            *c
                        };
                        if n == 1 {
                            let mut resp = (
                                axum::http::StatusCode::from_u16(status).unwrap(),
                                axum::Json(body),
                            )
                                .into_response();
                            if let Some(secs) = retry_after {
                                resp.headers_mut()
                                    .insert("retry-after", secs.parse().unwrap());
                            }
                            resp
                        } else {
                            axum::http::StatusCode::NO_CONTENT.into_response()
                        }
                    }
                }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.ok() });
    (format!("http://{addr}"), calls)
}

#[tokio::test]
async fn a_412_with_either_documented_code_is_a_conflict() {
    for code in ["preconditionFailed", "resourceModified"] {
        let (origin, _) = fake_refusing_patch(
            412,
            json!({"error": {"code": code, "message": "changed since you read it"}}),
            None,
        )
        .await;
        let ops = [PatchOp::replace("/details/notes", json!("mine"))];
        match fake_client(&origin).patch("r1", &ops, Some("\"1\"")).await {
            Err(PcError::PreconditionFailed { current: Some(r) }) => assert_eq!(r.name(), "theirs"),
            other => panic!("{code}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_429_is_read_by_its_status_and_retry_after_whatever_its_code() {
    // No error code is documented for 429: an empty body or any code is throttling.
    for body in [
        json!({}),
        json!({"error": {"code": "somethingNew", "message": "slow down"}}),
    ] {
        let (origin, calls) = fake_refusing_patch(429, body, Some("1")).await;
        let ops = [PatchOp::replace("/details/notes", json!("mine"))];
        let t0 = Instant::now();
        let r = fake_client(&origin).patch("r1", &ops, None).await.unwrap();
        assert_eq!(r.id(), "r1");
        assert_eq!(*calls.lock().unwrap(), 2, "retried once");
        assert!(
            t0.elapsed() >= Duration::from_millis(900),
            "waited for Retry-After"
        );
    }
}
