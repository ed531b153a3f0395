//! Documented-shape Partner Center payloads (tests/fixtures/pc, shaped after Microsoft's
//! Referrals API pages and the connector's definition; values invented): the client reads each,
//! and the sandbox answers in the same shape.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::RawQuery;
use axum::routing::{get, post};
use refdeck::backend::auth::PcAuth;
use refdeck::backend::partner_center::{ListQuery, PartnerCenterClient, PcConfig};
use refdeck::domain::Referral;
use refdeck::sandbox::{self, SandboxConfig};
use serde_json::{Value, json};

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/pc/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A fake Partner Center answering with the fixtures; `create_status` for POST. Returns the
/// origin and the query strings of the list calls.
async fn fake(create_status: u16) -> (String, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
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
            get(move |RawQuery(q): RawQuery| {
                let log = log.clone();
                async move {
                    let q = q.unwrap_or_default();
                    log.lock().unwrap().push(q.clone());
                    if q.contains("$skiptoken=") {
                        axum::Json(json!({"@odata.context": "x", "value": []}))
                    } else {
                        axum::Json(fixture("list-referrals.response.json"))
                    }
                }
            })
            .post(move || async move {
                (
                    axum::http::StatusCode::from_u16(create_status).unwrap(),
                    axum::Json(fixture("create-referral.response.json")),
                )
            }),
        )
        .route(
            "/v1.0/engagements/referrals/{id}",
            get(
                |axum::extract::Path(id): axum::extract::Path<String>| async move {
                    axum::Json(if id == "with-registration" {
                        fixture("get-registration.response.json")
                    } else {
                        fixture("get-referral.response.json")
                    })
                },
            ),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.ok() });
    (format!("http://{addr}"), seen)
}

fn client(origin: &str) -> PartnerCenterClient {
    PartnerCenterClient::new(PcConfig::new(
        format!("{origin}/v1.0/engagements"),
        PcAuth::ClientCredentials {
            token_url: format!("{origin}/t/oauth2/v2.0/token"),
            client_id: "a".into(),
            client_secret: "b".into(),
            scope: "s".into(),
        },
    ))
    .unwrap()
}

#[tokio::test]
async fn the_client_reads_every_documented_response() {
    let (origin, seen) = fake(200).await;
    let c = client(&origin);
    // A list page whose nextLink has the documented form (http, another host, no /engagements).
    let listing = c.list(&ListQuery::default(), |_, _| {}).await.unwrap();
    assert_eq!(listing.referrals.len(), 2);
    assert!(listing.skipped.is_empty(), "{:?}", listing.skipped);
    assert_eq!(listing.pages, 2);
    assert_eq!(
        seen.lock().unwrap()[1],
        "$skiptoken=Zm9vYmFyLXNhbmRib3gtcGFnZS0y%2bQ%3d%3d",
        "the token as the link gave it"
    );
    let got = c.get("any").await.unwrap();
    assert_eq!(got.id(), fixture("get-referral.response.json")["id"]);
    assert!(got.etag.as_deref().unwrap().starts_with('"'));
    let reg = c.get("with-registration").await.unwrap();
    assert_eq!(reg.registrations().len(), 1);
    // Create answers 200 (the connector's definition); 201 is read the same.
    let request: Referral =
        serde_json::from_value(fixture("create-referral.request.json")).unwrap();
    let made = c.create(&request).await.unwrap();
    assert_eq!(made.id(), fixture("create-referral.response.json")["id"]);
    let (origin, _) = fake(201).await;
    assert_eq!(
        client(&origin).create(&request).await.unwrap().id(),
        made.id()
    );
}

/// The JSON kind of a value, for comparing shapes.
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Every field both have holds the same kind of value (nulls aside), and the core fields of a
/// referral are in both.
fn same_shape(documented: &Value, ours: &Value, what: &str) {
    let (Value::Object(d), Value::Object(o)) = (documented, ours) else {
        panic!("{what}: not objects");
    };
    for (k, dv) in d {
        if let Some(ov) = o.get(k)
            && !dv.is_null()
            && !ov.is_null()
        {
            assert_eq!(kind(dv), kind(ov), "{what}.{k}");
            if dv.is_object() {
                same_shape(dv, ov, &format!("{what}.{k}"));
            }
        }
    }
    for core in [
        "id",
        "engagementId",
        "organizationId",
        "organizationName",
        "name",
        "createdDateTime",
        "updatedDateTime",
        "status",
        "substatus",
        "type",
        "customerProfile",
        "consent",
        "details",
        "links",
        "eTag",
    ] {
        assert_eq!(d.contains_key(core), o.contains_key(core), "{what}: {core}");
    }
}

#[tokio::test]
async fn the_sandbox_answers_in_the_documented_shapes() {
    let h = sandbox::start(SandboxConfig {
        referrals: 150,
        seed: 5,
        ..Default::default()
    })
    .await
    .unwrap();
    let http = reqwest::Client::new();
    let token: Value = http
        .post(format!("{}/sandbox/oauth2/v2.0/token", h.base_url()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials&client_id=a&client_secret=b")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["access_token"].as_str().unwrap().to_string();
    let base = h.pc_base_url();
    let list: Value = http
        .get(format!("{base}/referrals?$count=true"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let documented = fixture("list-referrals.response.json");
    let keys = |v: &Value| -> Vec<String> {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(&list), keys(&documented));
    let next = list["@odata.nextLink"].as_str().unwrap();
    let doc_next = documented["@odata.nextLink"].as_str().unwrap();
    assert_eq!(
        next.split_once('=').unwrap().0,
        doc_next.split_once('=').unwrap().0
    );
    same_shape(&documented["value"][0], &list["value"][0], "list item");
    let id = list["value"][0]["id"].as_str().unwrap();
    let one: Value = http
        .get(format!("{base}/referrals/{id}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    same_shape(&fixture("get-referral.response.json"), &one, "get");
    let created = http
        .post(format!("{base}/referrals"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(fixture("create-referral.request.json").to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 200);
    let created: Value = created.json().await.unwrap();
    same_shape(
        &fixture("create-referral.response.json"),
        &created,
        "create",
    );
}
