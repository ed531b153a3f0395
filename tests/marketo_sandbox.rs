//! The Marketo emulator over real HTTP: every endpoint, every error code, the skip reasons,
//! paging and the seeded demo data.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::time::Duration;

use refdeck::domain::marketo::MarketoMapping;
use refdeck::domain::referral::Referral;
use refdeck::sandbox::clock::Clock;
use refdeck::sandbox::marketo::{MarketoState, router};
use serde_json::{Value, json};

struct Sandbox {
    base: String,
    state: MarketoState,
    http: reqwest::Client,
    token: String,
}

async fn start(state: MarketoState) -> Sandbox {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(axum::serve(listener, router(state.clone())).into_future());
    let mut sb = Sandbox {
        base,
        state,
        http: reqwest::Client::new(),
        token: String::new(),
    };
    sb.token = sb.new_token("app").await;
    sb
}

fn url(base: &str, path: &str, query: &[(&str, &str)]) -> String {
    let mut u = url::Url::parse(&format!("{base}{path}")).unwrap();
    if !query.is_empty() {
        u.query_pairs_mut().extend_pairs(query);
    }
    u.to_string()
}

impl Sandbox {
    async fn identity(&self, query: &[(&str, &str)]) -> (u16, Value) {
        let r = self
            .http
            .get(url(&self.base, "/identity/oauth/token", query))
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap())
    }

    async fn new_token(&self, client: &str) -> String {
        let (status, body) = self
            .identity(&[
                ("grant_type", "client_credentials"),
                ("client_id", client),
                ("client_secret", "s3cret"),
            ])
            .await;
        assert_eq!(status, 200, "{body}");
        body["access_token"].as_str().unwrap().to_string()
    }

    /// A GET with the bearer token; asserts Marketo's always-200.
    async fn get(&self, path: &str, query: &[(&str, &str)]) -> Value {
        self.send(self.http.get(url(&self.base, path, query))).await
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        self.send(self.http.post(url(&self.base, path, &[])).json(&body))
            .await
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Value {
        let r = req.bearer_auth(&self.token).send().await.unwrap();
        assert_eq!(r.status(), 200);
        r.json().await.unwrap()
    }

    async fn sync(&self, path: &str, input: Value) -> Value {
        let body = if path.ends_with("leads.json") {
            json!({"action": "createOrUpdate", "lookupField": "externalPersonId", "input": input})
        } else {
            json!({"action": "createOrUpdate", "dedupeBy": "dedupeFields", "input": input})
        };
        let v = self.post(path, body).await;
        assert_eq!(v["success"], true, "{v}");
        v
    }

    /// Sales person → company → lead → opportunity → role, each accepted.
    async fn sync_chain(&self, n: &str) -> i64 {
        self.sync(
            "/rest/v1/salespersons.json",
            json!([{"externalSalesPersonId": format!("sp-{n}"), "email": format!("sp{n}@partner.com"),
                    "firstName": "Jo", "lastName": "Doe"}]),
        )
        .await;
        self.sync(
            "/rest/v1/companies.json",
            json!([{"externalCompanyId": format!("co-{n}"), "company": "Contoso",
                    "externalSalesPersonId": format!("sp-{n}")}]),
        )
        .await;
        let lead = self
            .sync(
                "/rest/v1/leads.json",
                json!([{"externalPersonId": format!("p{n}@contoso.com"),
                        "email": format!("p{n}@contoso.com"), "firstName": "Ann",
                        "externalCompanyId": format!("co-{n}"),
                        "externalSalesPersonId": format!("sp-{n}")}]),
            )
            .await;
        let lead_id = lead["result"][0]["id"].as_i64().unwrap();
        self.sync(
            "/rest/v1/opportunities.json",
            json!([{"externalOpportunityId": format!("opp-{n}"), "name": "Deal", "amount": 10.5,
                    "closeDate": "2026-09-30", "isClosed": false,
                    "externalCompanyId": format!("co-{n}"), "externalSalesPersonId": format!("sp-{n}")}]),
        )
        .await;
        self.sync(
            "/rest/v1/opportunities/roles.json",
            json!([{"externalOpportunityId": format!("opp-{n}"), "leadId": lead_id,
                    "role": "Decision Maker", "isPrimary": true}]),
        )
        .await;
        lead_id
    }
}

fn code(v: &Value) -> &str {
    v["errors"][0]["code"].as_str().unwrap_or("")
}

fn reason(v: &Value, i: usize) -> (&str, &str) {
    let r = &v["result"][i]["reasons"][0];
    (
        r["code"].as_str().unwrap_or(""),
        r["message"].as_str().unwrap_or(""),
    )
}

fn fresh() -> MarketoState {
    MarketoState::new(Clock::new())
}

#[tokio::test]
async fn identity_issues_and_reuses_tokens() {
    let sb = start(fresh()).await;
    let q = [
        ("grant_type", "client_credentials"),
        ("client_id", "app"),
        ("client_secret", "x"),
    ];
    let (status, body) = sb.identity(&q).await;
    assert_eq!(status, 200);
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(
        body["access_token"],
        sb.token.as_str(),
        "a live token is reused"
    );
    let left = body["expires_in"].as_i64().unwrap();
    assert!((3590..=3600).contains(&left), "{left}");
    sb.state.clock().advance(chrono::Duration::seconds(600));
    let (_, body) = sb.identity(&q).await;
    assert!(body["expires_in"].as_i64().unwrap() <= 3000);
    assert_eq!(sb.state.tokens_issued(), 1);

    // POST with a form body works too.
    let r = sb
        .http
        .post(format!("{}/identity/oauth/token", sb.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials&client_id=other&client_secret=y")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    let (status, body) = sb
        .identity(&[("grant_type", "client_credentials"), ("client_id", "app")])
        .await;
    assert_eq!(status, 401);
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("client_secret")
    );
    let (status, body) = sb.identity(&[("grant_type", "password")]).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );
}

#[tokio::test]
async fn token_errors_601_and_602() {
    let sb = start(fresh()).await;
    let q = [
        ("filterType", "externalSalesPersonId"),
        ("filterValues", "a"),
    ];
    let path = "/rest/v1/salespersons.json";
    // Missing token.
    let r = sb.http.get(url(&sb.base, path, &q)).send().await.unwrap();
    assert_eq!(r.status(), 200, "auth failures are HTTP 200 too");
    let v: Value = r.json().await.unwrap();
    assert_eq!((v["success"].as_bool(), code(&v)), (Some(false), "601"));
    assert!(v["requestId"].as_str().unwrap().contains('#'));
    // Unknown token.
    let v: Value = sb
        .http
        .get(url(&sb.base, path, &q))
        .bearer_auth("nope")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(code(&v), "601");
    // The access_token query parameter was removed (AdobeDocs/marketo-developer.en
    // help/rest-api/authentication.md): only the Authorization header counts.
    let mut with_param = q.to_vec();
    with_param.push(("access_token", &sb.token));
    let v: Value = sb
        .http
        .get(url(&sb.base, path, &with_param))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(code(&v), "601", "{v}");
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Authorization"),
        "{v}"
    );
    // Expired on the sandbox clock.
    sb.state.clock().advance(chrono::Duration::seconds(3601));
    let v = sb.get(path, &q).await;
    assert_eq!(code(&v), "602");
    assert_eq!(sb.state.rejections("602"), 1);
    // Revoked.
    let mut sb = sb;
    sb.token = sb.new_token("app").await;
    sb.state.revoke_tokens();
    assert_eq!(code(&sb.get(path, &q).await), "601");
}

#[tokio::test]
async fn every_object_syncs_in_order_and_reads_back() {
    let sb = start(fresh()).await;
    let lead_id = sb.sync_chain("1").await;
    for (path, filter, value) in [
        (
            "/rest/v1/salespersons.json",
            "externalSalesPersonId",
            "SP-1",
        ),
        ("/rest/v1/companies.json", "externalCompanyId", "co-1"),
        ("/rest/v1/leads.json", "externalPersonId", "p1@contoso.com"),
        (
            "/rest/v1/opportunities.json",
            "externalOpportunityId",
            "opp-1",
        ),
        (
            "/rest/v1/opportunities/roles.json",
            "externalOpportunityId",
            "opp-1",
        ),
    ] {
        let v = sb
            .get(path, &[("filterType", filter), ("filterValues", value)])
            .await;
        assert_eq!(v["success"], true, "{path}: {v}");
        assert_eq!(v["result"].as_array().unwrap().len(), 1, "{path}: {v}");
        assert!(v.get("moreResult").is_none() || v["moreResult"] == false);
    }
    let v = sb
        .get(
            "/rest/v1/opportunities/roles.json",
            &[
                ("filterType", "leadId"),
                ("filterValues", &lead_id.to_string()),
            ],
        )
        .await;
    assert_eq!(v["result"][0]["role"], "Decision Maker");
    assert_eq!(v["result"][0]["isPrimary"], true);
    assert_eq!(v["result"][0]["marketoGUID"].as_str().unwrap().len(), 36);
    let opp = sb
        .get(
            "/rest/v1/opportunities.json",
            &[
                ("filterType", "externalOpportunityId"),
                ("filterValues", "opp-1"),
                ("fields", "amount,closeDate,externalCompanyId"),
            ],
        )
        .await;
    // Currency comes back as a string, as in Adobe's examples (opportunities.md).
    assert_eq!(opp["result"][0]["amount"], "10.50");
    assert_eq!(opp["result"][0]["closeDate"], "2026-09-30");
    assert!(
        opp["result"][0].get("name").is_none(),
        "only the asked fields"
    );

    // A second sync of the same key updates; result carries seq and the id.
    let v = sb
        .sync(
            "/rest/v1/salespersons.json",
            json!([{"externalSalesPersonId": "sp-1", "email": "new@partner.com"},
                   {"externalSalesPersonId": "sp-9", "email": "nine@partner.com"}]),
        )
        .await;
    assert_eq!(v["result"][0]["status"], "updated");
    assert_eq!(v["result"][0]["seq"], 0);
    assert_eq!(v["result"][1]["status"], "created");
    assert_eq!(v["result"][1]["seq"], 1);
    assert!(v["result"][1]["id"].is_i64());
    let log = sb.state.request_log();
    assert_eq!(
        log[..5],
        [
            "POST /rest/v1/salespersons.json",
            "POST /rest/v1/companies.json",
            "POST /rest/v1/leads.json",
            "POST /rest/v1/opportunities.json",
            "POST /rest/v1/opportunities/roles.json",
        ]
    );
}

#[tokio::test]
async fn records_referring_to_unsynced_ids_are_skipped_with_the_id() {
    let sb = start(fresh()).await;
    let v = sb
        .sync(
            "/rest/v1/companies.json",
            json!([{"externalCompanyId": "co", "externalSalesPersonId": "ghost.seller"}]),
        )
        .await;
    assert_eq!(v["result"][0]["status"], "skipped");
    let (c, m) = reason(&v, 0);
    assert_eq!(c, "1013");
    assert!(
        m.contains("ghost.seller") && m.contains("not synced"),
        "{m}"
    );

    let v = sb
        .sync(
            "/rest/v1/leads.json",
            json!([{"externalPersonId": "a@b.com", "externalCompanyId": "no-such-co"}]),
        )
        .await;
    assert!(reason(&v, 0).1.contains("no-such-co"));
    // An unknown sales person on an opportunity is the response-level 718
    // (AdobeDocs/marketo-developer.en help/rest-api/error-codes.md).
    let v = sb
        .post(
            "/rest/v1/opportunities.json",
            json!({"input": [{"externalOpportunityId": "o", "externalSalesPersonId": "nobody"}]}),
        )
        .await;
    assert_eq!(code(&v), "718", "{v}");
    assert_eq!(v["errors"][0]["message"], "ExternalSalesPersonID not found");
    let v = sb
        .sync(
            "/rest/v1/opportunities/roles.json",
            json!([{"externalOpportunityId": "no-opp", "leadId": 1, "role": "R"}]),
        )
        .await;
    assert!(reason(&v, 0).1.contains("no-opp"));
    sb.sync_chain("2").await;
    let v = sb
        .sync(
            "/rest/v1/opportunities/roles.json",
            json!([{"externalOpportunityId": "opp-2", "leadId": 999999, "role": "R"},
                   {"externalOpportunityId": "opp-2", "leadId": 10001, "role": "Champion"}]),
        )
        .await;
    assert_eq!(reason(&v, 0).0, "1004", "an unknown lead id");
    assert_eq!(
        v["result"][1]["status"], "created",
        "other records still go in"
    );
}

#[tokio::test]
async fn update_only_and_create_only_give_1004_1013_1005_1017() {
    let sb = start(fresh()).await;
    let v = sb
        .post(
            "/rest/v1/leads.json",
            json!({"action": "updateOnly", "lookupField": "externalPersonId",
                   "input": [{"externalPersonId": "nobody@x.com"}]}),
        )
        .await;
    assert_eq!(reason(&v, 0).0, "1004");
    let v = sb
        .post(
            "/rest/v1/salespersons.json",
            json!({"action": "updateOnly", "input": [{"externalSalesPersonId": "nobody"}]}),
        )
        .await;
    assert_eq!(reason(&v, 0), ("1013", "Sales Person not found"));
    sb.sync_chain("3").await;
    let v = sb
        .post(
            "/rest/v1/leads.json",
            json!({"action": "createOnly", "lookupField": "externalPersonId",
                   "input": [{"externalPersonId": "p3@contoso.com"}]}),
        )
        .await;
    assert_eq!(reason(&v, 0).0, "1005");
    let v = sb
        .post(
            "/rest/v1/opportunities.json",
            json!({"action": "createOnly", "input": [{"externalOpportunityId": "opp-3"}]}),
        )
        .await;
    assert_eq!(reason(&v, 0).0, "1017");
    // updateOnly by Marketo's id.
    let v = sb
        .post(
            "/rest/v1/leads.json",
            json!({"action": "updateOnly", "lookupField": "id",
                   "input": [{"id": 10001, "title": "CTO"}, {"id": 5, "title": "x"}]}),
        )
        .await;
    assert_eq!(v["result"][0]["status"], "updated", "{v}");
    assert_eq!(reason(&v, 1).0, "1004");
}

#[tokio::test]
async fn bad_records_are_skipped_one_by_one() {
    let sb = start(fresh()).await;
    let v = sb
        .sync(
            "/rest/v1/salespersons.json",
            json!([
                {"externalSalesPersonId": "ok"},
                {"externalSalesPersonId": "x", "emial": "typo@x.com"},
                {"email": "no-key@x.com"},
                "not an object",
                {"externalSalesPersonId": "y", "firstName": 5}
            ]),
        )
        .await;
    assert_eq!(v["result"][0]["status"], "created");
    assert_eq!(reason(&v, 1).0, "1006");
    assert!(reason(&v, 1).1.contains("emial"));
    assert!(reason(&v, 2).1.contains("externalSalesPersonId"));
    assert_eq!(reason(&v, 3).0, "1003");
    assert!(reason(&v, 4).1.contains("firstName"));
    // MSI fields are read-only.
    sb.sync_chain("4").await;
    let v = sb
        .sync(
            "/rest/v1/leads.json",
            json!([{"externalPersonId": "p4@contoso.com", "priority": 99}]),
        )
        .await;
    assert!(reason(&v, 0).1.contains("read-only"), "{v}");
}

#[tokio::test]
async fn request_errors_1003_609_612() {
    let sb = start(fresh()).await;
    let too_many: Vec<Value> = (0..301)
        .map(|i| json!({"externalSalesPersonId": format!("s{i}")}))
        .collect();
    let v = sb
        .post("/rest/v1/salespersons.json", json!({"input": too_many}))
        .await;
    assert_eq!((v["success"].as_bool(), code(&v)), (Some(false), "1003"));
    assert!(v["errors"][0]["message"].as_str().unwrap().contains("301"));
    assert_eq!(
        sb.state
            .count(refdeck::domain::marketo::MarketoObject::SalesPerson),
        0
    );
    for body in [
        json!({"input": []}),
        json!({"records": [{}]}),
        json!({"action": "upsert", "input": [{}]}),
        json!({"dedupeBy": "email", "input": [{}]}),
    ] {
        let v = sb.post("/rest/v1/companies.json", body.clone()).await;
        assert_eq!(code(&v), "1003", "{body} → {v}");
    }
    let v = sb
        .post(
            "/rest/v1/leads.json",
            json!({"lookupField": "phone", "input": [{}]}),
        )
        .await;
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("externalPersonId")
    );

    let v = sb
        .send(
            sb.http
                .post(url(&sb.base, "/rest/v1/leads.json", &[]))
                .header("content-type", "application/json")
                .body("{\"input\": [ {\"email\": "),
        )
        .await;
    assert_eq!(code(&v), "609");
    let v = sb
        .send(
            sb.http
                .post(url(&sb.base, "/rest/v1/leads.json", &[]))
                .header("content-type", "text/plain")
                .body("{}"),
        )
        .await;
    assert_eq!(code(&v), "612");
}

#[tokio::test]
async fn query_parameter_errors() {
    let sb = start(fresh()).await;
    let p = "/rest/v1/leads.json";
    let many: String = (0..301)
        .map(|i| format!("v{i}"))
        .collect::<Vec<_>>()
        .join(",");
    for (q, want, mention) in [
        (vec![("filterValues", "a")], "1003", "filterType"),
        (
            vec![("filterType", "externalPersonId")],
            "1003",
            "filterValues",
        ),
        (
            vec![("filterType", "favouriteColour"), ("filterValues", "a")],
            "1011",
            "externalPersonId",
        ),
        (
            vec![
                ("filterType", "externalPersonId"),
                ("filterValues", many.as_str()),
            ],
            "1003",
            "301",
        ),
        (
            vec![("filterType", "id"), ("filterValues", "12,abc")],
            "1003",
            "abc",
        ),
        (
            vec![
                ("filterType", "email"),
                ("filterValues", "a"),
                ("batchSize", "0"),
            ],
            "1003",
            "batchSize",
        ),
        (
            vec![
                ("filterType", "email"),
                ("filterValues", "a"),
                ("fields", "email,shoeSize"),
            ],
            "1006",
            "shoeSize",
        ),
        (
            vec![
                ("filterType", "email"),
                ("filterValues", "a"),
                ("nextPageToken", "forged"),
            ],
            "1003",
            "nextPageToken",
        ),
    ] {
        let v = sb.get(p, &q).await;
        assert_eq!(code(&v), want, "{q:?} → {v}");
        assert!(
            v["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains(mention),
            "{q:?} → {v}"
        );
    }
    // No match is success with an empty result.
    let v = sb
        .get(
            p,
            &[("filterType", "email"), ("filterValues", "nobody@x.com")],
        )
        .await;
    assert_eq!(v["success"], true);
    assert_eq!(v["result"], json!([]));
}

#[tokio::test]
async fn unknown_paths_and_methods_and_describe() {
    let sb = start(fresh()).await;
    let v = sb.get("/rest/v1/widgets.json", &[]).await;
    assert_eq!(code(&v), "610");
    let v = sb
        .send(sb.http.delete(url(&sb.base, "/rest/v1/leads.json", &[])))
        .await;
    assert_eq!(code(&v), "605");
    let v = sb.get("/rest/v1/companies/sync.json", &[]).await;
    assert_eq!(code(&v), "610", "companies sync is POST companies.json");
    let v = sb
        .get("/rest/v1/opportunities/roles/describe.json", &[])
        .await;
    assert_eq!(v["result"][0]["idField"], "marketoGUID");
    assert_eq!(
        v["result"][0]["dedupeFields"],
        json!(["externalOpportunityId", "leadId", "role"])
    );
}

#[tokio::test]
async fn rate_limit_606_per_instance_on_the_clock() {
    let state = fresh();
    state.set_rate_limit(5, Duration::from_secs(20));
    let sb = start(state).await;
    let q = [("filterType", "email"), ("filterValues", "a@b.com")];
    for _ in 0..5 {
        assert_eq!(sb.get("/rest/v1/leads.json", &q).await["success"], true);
    }
    let v = sb.get("/rest/v1/leads.json", &q).await;
    assert_eq!(code(&v), "606");
    assert!(v["errors"][0]["message"].as_str().unwrap().contains("'5'"));
    // Every integration shares the instance's budget (AdobeDocs/marketo-developer.en
    // help/rest-api/rest-api.md: "Each instance is limited to 100 API calls per 20 seconds").
    let mut other = Sandbox {
        base: sb.base.clone(),
        state: sb.state.clone(),
        http: sb.http.clone(),
        token: String::new(),
    };
    other.token = other.new_token("another-app").await;
    assert_eq!(code(&other.get("/rest/v1/leads.json", &q).await), "606");
    // The window slides on the sandbox clock.
    sb.state.clock().advance(chrono::Duration::seconds(21));
    assert_eq!(sb.get("/rest/v1/leads.json", &q).await["success"], true);
    assert_eq!(sb.state.rejections("606"), 2);
}

/// Calls answered 601, 602 or 605 count against neither the rate nor the daily quota
/// (AdobeDocs/marketo-developer.en help/rest-api/error-codes.md, the asterisked codes); the
/// quota is 607 until it resets at 12:00 AM CST (06:00 UTC) on the sandbox clock.
#[tokio::test]
async fn daily_quota_607_resets_at_midnight_cst_and_refusals_are_free() {
    let clock = Clock::new();
    // 05:30 UTC: half an hour before midnight CST.
    clock.set(
        chrono::NaiveDate::from_ymd_opt(2026, 12, 3)
            .unwrap()
            .and_hms_opt(5, 30, 0)
            .unwrap()
            .and_utc(),
    );
    let state = MarketoState::new(clock.clone());
    state.set_rate_limit(3, Duration::from_secs(20));
    state.set_daily_quota(4);
    let sb = start(state).await;
    let q = [("filterType", "email"), ("filterValues", "a@b.com")];
    // Free: a method the path does not serve, a bad token.
    for _ in 0..5 {
        let v = sb
            .send(sb.http.delete(url(&sb.base, "/rest/v1/leads.json", &[])))
            .await;
        assert_eq!(code(&v), "605");
        let v = sb
            .http
            .get(url(&sb.base, "/rest/v1/leads.json", &q))
            .bearer_auth("nonsense")
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap();
        assert_eq!(code(&v), "601");
    }
    for _ in 0..3 {
        assert_eq!(sb.get("/rest/v1/leads.json", &q).await["success"], true);
    }
    sb.state.clock().advance(chrono::Duration::seconds(21));
    assert_eq!(sb.get("/rest/v1/leads.json", &q).await["success"], true);
    let v = sb.get("/rest/v1/leads.json", &q).await;
    assert_eq!(code(&v), "607", "{v}");
    // 06:00 UTC is midnight CST: a new day.
    sb.state.clock().advance(chrono::Duration::minutes(35));
    assert_eq!(sb.get("/rest/v1/leads.json", &q).await["success"], true);
}

#[tokio::test]
async fn more_than_ten_in_flight_is_615() {
    let state = fresh();
    state.set_latency(Duration::from_millis(1500));
    let sb = start(state).await;
    let calls = (0..14).map(|_| {
        sb.get(
            "/rest/v1/leads.json",
            &[("filterType", "email"), ("filterValues", "a@b.com")],
        )
    });
    let answers = futures::future::join_all(calls).await;
    let refused = answers.iter().filter(|v| code(v) == "615").count();
    let served = answers.iter().filter(|v| v["success"] == true).count();
    assert_eq!(refused + served, 14, "{answers:?}");
    assert!(
        refused >= 4 && served <= 10,
        "refused {refused}, served {served}"
    );
    // Refused calls do not count against the rate and leave no slot taken.
    sb.state.set_latency(Duration::ZERO);
    let v = sb
        .get(
            "/rest/v1/leads.json",
            &[("filterType", "email"), ("filterValues", "a@b.com")],
        )
        .await;
    assert_eq!(v["success"], true);
}

#[tokio::test]
async fn paging_with_next_page_token_and_post_method_get() {
    let sb = start(fresh()).await;
    sb.sync_chain("5").await;
    let leads: Vec<Value> = (0..7)
        .map(|i| {
            json!({"externalPersonId": format!("x{i}@c.com"), "email": format!("x{i}@c.com"),
                        "externalCompanyId": "co-5"})
        })
        .collect();
    sb.sync("/rest/v1/leads.json", json!(leads)).await;
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut q = vec![
            ("filterType", "externalCompanyId"),
            ("filterValues", "co-5"),
            ("fields", "externalPersonId"),
            ("batchSize", "3"),
        ];
        if let Some(t) = token.as_deref() {
            q.push(("nextPageToken", t));
        }
        let v = sb.get("/rest/v1/leads.json", &q).await;
        pages += 1;
        for r in v["result"].as_array().unwrap() {
            seen.push(r["externalPersonId"].as_str().unwrap().to_string());
        }
        match v["nextPageToken"].as_str() {
            Some(t) => {
                assert_eq!(v["moreResult"], true);
                token = Some(t.to_string());
            }
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 8, "the chain's lead and the seven: {seen:?}");
    seen.dedup();
    assert_eq!(seen.len(), 8);

    // A token is bound to its query.
    let first = sb
        .get(
            "/rest/v1/leads.json",
            &[
                ("filterType", "externalCompanyId"),
                ("filterValues", "co-5"),
                ("batchSize", "3"),
            ],
        )
        .await;
    let t = first["nextPageToken"].as_str().unwrap();
    let v = sb
        .get(
            "/rest/v1/leads.json",
            &[
                ("filterType", "email"),
                ("filterValues", "x1@c.com"),
                ("nextPageToken", t),
            ],
        )
        .await;
    assert_eq!(code(&v), "1003");

    // A long query goes as POST ?_method=GET with a form body; a long GET is 414.
    let values: Vec<String> = (0..300)
        .map(|i| format!("someone.rather.long{i}@example-domain.com"))
        .collect();
    let joined = format!("x3@c.com,{}", values[..299].join(","));
    let long = url(
        &sb.base,
        "/rest/v1/leads.json",
        &[("filterType", "email"), ("filterValues", &joined)],
    );
    assert!(long.len() > 8192);
    let r = sb
        .http
        .get(long)
        .bearer_auth(&sb.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 414);
    let body: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("filterType", "email")
        .append_pair("filterValues", &joined)
        .append_pair("fields", "email")
        .finish();
    let v = sb
        .send(
            sb.http
                .post(url(&sb.base, "/rest/v1/leads.json", &[("_method", "GET")]))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body),
        )
        .await;
    assert_eq!(v["result"][0]["email"], "x3@c.com", "{v}");
}

fn demo_referrals(n: usize) -> Vec<Referral> {
    (0..n)
        .map(|i| {
            serde_json::from_value(json!({
                "id": format!("ref-{i:03}"),
                "name": format!("Deal {i}"),
                "status": "Active", "substatus": "Accepted",
                "customerProfile": {
                    "name": format!("Customer {i}"),
                    "team": [
                        {"firstName": "Ann", "lastName": format!("C{i}"), "email": format!("ann{i}@cust{i}.com")},
                        {"firstName": "Bo", "lastName": format!("C{i}"), "email": format!("bo{i}@cust{i}.com")}
                    ]
                },
                "details": {"dealValue": 1000.0 * i as f64, "currency": "USD"},
                "team": [{"firstName": "Seller", "lastName": format!("N{i}"), "email": format!("seller{i}@partner.com")}]
            }))
            .unwrap()
        })
        .collect()
}

#[tokio::test]
async fn seeded_leads_carry_msi_fields() {
    let rs = demo_referrals(40);
    let state = MarketoState::seeded(&rs, 11, Clock::new(), &MarketoMapping::default());
    let sb = start(state).await;
    let emails: Vec<String> = (0..40).map(|i| format!("ann{i}@cust{i}.com")).collect();
    let v = sb
        .get(
            "/rest/v1/leads.json",
            &[
                ("filterType", "externalPersonId"),
                ("filterValues", &emails.join(",")),
                ("fields", "externalPersonId,msiLastInterestingMomentType,msiLastInterestingMomentDate,msiLastInterestingMomentDesc,msiLastInterestingMomentSource,priority,relativeUrgency,relativeScoring"),
            ],
        )
        .await;
    let found = v["result"].as_array().unwrap();
    assert!(!found.is_empty() && found.len() < 40, "{}", found.len());
    let with_msi: Vec<&Value> = found
        .iter()
        .filter(|l| l["msiLastInterestingMomentType"].is_string())
        .collect();
    assert!(!with_msi.is_empty());
    for l in with_msi {
        assert!(
            l["msiLastInterestingMomentDesc"]
                .as_str()
                .unwrap()
                .contains(':')
        );
        assert!(l["priority"].is_i64() && l["relativeScoring"].is_i64());
    }
    // Some sales persons disagree on the email.
    let ids: Vec<String> = (0..40).map(|i| format!("seller.n{i}")).collect();
    let v = sb
        .get(
            "/rest/v1/salespersons.json",
            &[
                ("filterType", "externalSalesPersonId"),
                ("filterValues", &ids.join(",")),
            ],
        )
        .await;
    let legacy = v["result"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["email"].as_str().unwrap().contains("@legacy-"))
        .count();
    assert!(legacy >= 1, "{v}");
}

/// Sync Sales Persons and Sync Companies POST to the query path (AdobeDocs/marketo-developer.en
/// help/rest-api/sales-persons.md, companies.md); there is no `…/sync.json`, which is 610.
#[tokio::test]
async fn sales_persons_and_companies_sync_at_their_documented_paths() {
    let sb = start(fresh()).await;
    let v = sb
        .sync(
            "/rest/v1/salespersons.json",
            json!([{"externalSalesPersonId": "sp-d", "email": "d@partner.com"}]),
        )
        .await;
    assert_eq!(v["result"][0]["status"], "created", "{v}");
    let v = sb
        .sync(
            "/rest/v1/companies.json",
            json!([{"externalCompanyId": "co-d", "company": "Contoso"}]),
        )
        .await;
    assert_eq!(v["result"][0]["status"], "created", "{v}");
    for old in [
        "/rest/v1/salespersons/sync.json",
        "/rest/v1/companies/sync.json",
    ] {
        let body = json!({"input": [{"externalSalesPersonId": "sp-e"}]});
        let v = sb.post(old, body).await;
        assert_eq!(code(&v), "610", "{old}: {v}");
        assert_eq!(v["success"], false);
    }
    assert_eq!(
        sb.state
            .count(refdeck::domain::marketo::MarketoObject::SalesPerson),
        1
    );
}

/// The MSI lead fields are the seven of Marketo Sales Insight for non-native integrations
/// (AdobeDocs/marketo.en sales-insight-for-non-native-ms-dynamics-integrations.md); a name the
/// instance does not have in `fields=` fails the whole call with 1006.
#[tokio::test]
async fn msi_lead_fields_are_the_documented_seven_and_others_are_1006() {
    let sb = start(fresh()).await;
    sb.sync_chain("m").await;
    let q = |fields: &'static str| {
        [
            ("filterType", "externalPersonId"),
            ("filterValues", "pm@contoso.com"),
            ("fields", fields),
        ]
    };
    let v = sb
        .get(
            "/rest/v1/leads.json",
            &q("msiLastInterestingMomentType,msiLastInterestingMomentDate,msiLastInterestingMomentDesc,msiLastInterestingMomentSource,priority,relativeUrgency,relativeScoring"),
        )
        .await;
    assert_eq!(v["success"], true, "{v}");
    assert!(v["result"][0].get("relativeScoring").is_some(), "{v}");
    for wrong in ["relativeScore", "urgency", "email,relativeScore"] {
        let v = sb.get("/rest/v1/leads.json", &q(wrong)).await;
        assert_eq!(code(&v), "1006", "{wrong}: {v}");
        assert_eq!(v["success"], false);
        assert_eq!(v["result"], json!([]));
    }
}

fn with(switches: refdeck::sandbox::Switches) -> MarketoState {
    fresh().with_switches(refdeck::sandbox::SwitchBoard::new(switches))
}

/// Without "MSI Non-Native" the Sales Insight fields do not exist on leads: the describe omits
/// them and asking for one is 1006.
#[tokio::test]
async fn without_msi_non_native_leads_have_no_sales_insight_fields() {
    let sb = start(with(refdeck::sandbox::Switches {
        msi_non_native: false,
        ..Default::default()
    }))
    .await;
    let v = sb.get("/rest/v1/leads/describe.json", &[]).await;
    let names: Vec<&str> = v["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rest"]["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"externalPersonId"), "{names:?}");
    for msi in refdeck::domain::marketo::MSI_FIELDS {
        assert!(!names.contains(&msi), "{msi} in {names:?}");
        let v = sb
            .get(
                "/rest/v1/leads.json",
                &[
                    ("filterType", "email"),
                    ("filterValues", "a@b.com"),
                    ("fields", msi),
                ],
            )
            .await;
        assert_eq!(code(&v), "1006", "{msi}: {v}");
    }
}

/// With a native CRM the sales person, company and opportunity syncs are 1018 while their
/// queries still answer; opportunity roles are not exposed at all; leads are untouched.
#[tokio::test]
async fn a_native_crm_makes_the_object_syncs_1018() {
    let sb = start(with(refdeck::sandbox::Switches {
        native_crm: true,
        ..Default::default()
    }))
    .await;
    for (path, rec) in [
        (
            "/rest/v1/salespersons.json",
            json!({"externalSalesPersonId": "s"}),
        ),
        ("/rest/v1/companies.json", json!({"externalCompanyId": "c"})),
        (
            "/rest/v1/opportunities.json",
            json!({"externalOpportunityId": "o", "name": "n"}),
        ),
        (
            "/rest/v1/opportunities/roles.json",
            json!({"externalOpportunityId": "o", "leadId": 1, "role": "r"}),
        ),
    ] {
        let v = sb.post(path, json!({"input": [rec]})).await;
        assert_eq!(code(&v), "1018", "{path}: {v}");
    }
    for (path, ft) in [
        ("/rest/v1/salespersons.json", "externalSalesPersonId"),
        ("/rest/v1/companies.json", "externalCompanyId"),
        ("/rest/v1/opportunities.json", "externalOpportunityId"),
    ] {
        let v = sb
            .get(path, &[("filterType", ft), ("filterValues", "x")])
            .await;
        assert_eq!(v["success"], true, "{path}: {v}");
    }
    let v = sb
        .get(
            "/rest/v1/opportunities/roles.json",
            &[("filterType", "leadId"), ("filterValues", "1")],
        )
        .await;
    assert_eq!(code(&v), "1018", "{v}");
    let v = sb
        .get("/rest/v1/opportunities/roles/describe.json", &[])
        .await;
    assert_eq!(code(&v), "1018", "{v}");
    let v = sb
        .sync(
            "/rest/v1/leads.json",
            json!([{"externalPersonId": "a@b.com", "email": "a@b.com"}]),
        )
        .await;
    assert_eq!(v["result"][0]["status"], "created", "{v}");
}

/// The lead-database rules of AdobeDocs/marketo-developer.en help/rest-api/lead-database.md,
/// error-codes.md and leads.md: 1036 for a key twice in one input, the `idField` and
/// `dedupeFields` aliases of `filterType`, the compound-key role query, 413 over 1 MB, 1003 when
/// more than 1,000 leads match.
#[tokio::test]
async fn lead_database_rules_1036_aliases_compound_roles_413_and_1003() {
    let sb = start(fresh()).await;
    let lead_id = sb.sync_chain("r").await;
    let v = sb
        .sync(
            "/rest/v1/companies.json",
            json!([{"externalCompanyId": "dup", "company": "A"},
                   {"externalCompanyId": " DUP ", "company": "B"}]),
        )
        .await;
    assert_eq!(v["result"][0]["status"], "created", "{v}");
    assert_eq!(reason(&v, 1).0, "1036", "{v}");

    // Aliases: dedupeFields and idField name the describe's keys.
    let v = sb
        .get(
            "/rest/v1/companies.json",
            &[("filterType", "dedupeFields"), ("filterValues", "co-r")],
        )
        .await;
    assert_eq!(v["result"][0]["externalCompanyId"], "co-r", "{v}");
    let id = v["result"][0]["id"].to_string();
    let v = sb
        .get(
            "/rest/v1/companies.json",
            &[("filterType", "idField"), ("filterValues", &id)],
        )
        .await;
    assert_eq!(v["result"][0]["externalCompanyId"], "co-r", "{v}");

    // Compound key: POST ?_method=GET with a JSON body.
    let body = json!({"filterType": "dedupeFields",
        "fields": ["marketoGuid", "externalOpportunityId", "leadId", "role", "isPrimary"],
        "input": [{"externalOpportunityId": "opp-r", "leadId": lead_id, "role": "Decision Maker"},
                  {"externalOpportunityId": "opp-r", "leadId": lead_id, "role": "Nobody"}]});
    let v = sb
        .send(
            sb.http
                .post(url(
                    &sb.base,
                    "/rest/v1/opportunities/roles.json",
                    &[("_method", "GET")],
                ))
                .json(&body),
        )
        .await;
    assert_eq!(v["success"], true, "{v}");
    let found = v["result"].as_array().unwrap();
    assert_eq!(found.len(), 1, "{v}");
    assert_eq!(found[0]["role"], "Decision Maker");
    assert!(found[0]["marketoGUID"].is_string(), "{v}");

    // 413 past 1 MB.
    let big = "x".repeat(1024 * 1024 + 1);
    let r = sb
        .http
        .post(url(&sb.base, "/rest/v1/leads.json", &[]))
        .bearer_auth(&sb.token)
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);

    // More than 1,000 leads match one filter: 1003 for the whole call.
    let leads: Vec<Value> = (0..1001)
        .map(|i| {
            json!({"externalPersonId": format!("m{i}@c.com"), "email": format!("m{i}@c.com"),
                        "externalCompanyId": "co-r"})
        })
        .collect();
    for chunk in leads.chunks(300) {
        sb.sync("/rest/v1/leads.json", json!(chunk)).await;
    }
    let v = sb
        .get(
            "/rest/v1/leads.json",
            &[
                ("filterType", "externalCompanyId"),
                ("filterValues", "co-r"),
            ],
        )
        .await;
    assert_eq!(code(&v), "1003", "{v}");
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Too many results")
    );
}
