//! The Partner Center sandbox over real HTTP: every endpoint, rule, control and fault.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::collections::HashSet;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use refdeck::sandbox::{self, SandboxConfig, SandboxHandle};
use reqwest::{Method, StatusCode, header::HeaderMap};
use serde_json::{Value, json};

struct Sbx {
    h: SandboxHandle,
    http: reqwest::Client,
    token: String,
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

impl Reply {
    fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }
    fn message(&self) -> &str {
        self.body["error"]["message"].as_str().unwrap_or("")
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

async fn start(cfg: SandboxConfig) -> Sbx {
    let h = sandbox::start(cfg).await.unwrap();
    let http = reqwest::Client::new();
    let mut s = Sbx {
        h,
        http,
        token: String::new(),
    };
    s.token = s.client_token().await;
    s
}

async fn sbx(n: usize) -> Sbx {
    start(SandboxConfig {
        referrals: n,
        seed: 7,
        rate_limit_calls: 100_000,
        ..Default::default()
    })
    .await
}

impl Sbx {
    async fn client_token(&self) -> String {
        let r = self
            .form(
                "/sandbox/oauth2/v2.0/token",
                "grant_type=client_credentials&client_id=app&client_secret=s3cret",
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        r.body["access_token"].as_str().unwrap().to_string()
    }

    async fn form(&self, path: &str, body: &str) -> Reply {
        let resp = self
            .http
            .post(format!("{}{path}", self.h.base_url()))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        reply(resp).await
    }

    /// A call to `/v1.0/engagements{path}` with the sandbox token.
    async fn api(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.h.pc_base_url()))
            .bearer_auth(&self.token);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req
                .header("content-type", "application/json")
                .body(b.to_string());
        }
        reply(req.send().await.unwrap()).await
    }

    async fn get(&self, path: &str) -> Reply {
        self.api(Method::GET, path, None, &[]).await
    }

    async fn patch(&self, id: &str, ops: Value, headers: &[(&str, &str)]) -> Reply {
        self.api(
            Method::PATCH,
            &format!("/referrals/{id}"),
            Some(ops),
            headers,
        )
        .await
    }

    async fn control(&self, path: &str, body: Value) -> Reply {
        let resp = self
            .http
            .post(format!("{}/_sandbox{path}", self.h.base_url()))
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        reply(resp).await
    }

    /// The first referral matching an OData filter.
    async fn find(&self, filter: &str) -> Value {
        let r = self
            .get(&format!("/referrals?$top=1&$filter={}", enc(filter)))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        r.body["value"][0].clone()
    }

    async fn all(&self, query: &str) -> (Vec<Value>, usize) {
        let mut items = Vec::new();
        let mut calls = 0;
        let mut url = format!("{}/referrals?{query}", self.h.pc_base_url());
        loop {
            let resp = self
                .http
                .get(&url)
                .bearer_auth(&self.token)
                .send()
                .await
                .unwrap();
            let r = reply(resp).await;
            assert_eq!(r.status, 200, "{}", r.body);
            calls += 1;
            items.extend(r.body["value"].as_array().unwrap().iter().cloned());
            match r.body["@odata.nextLink"].as_str() {
                // The documented link names another host: follow its query on our base.
                Some(next) => {
                    let query = next.split_once('?').unwrap().1;
                    url = format!("{}/referrals?{query}", self.h.pc_base_url());
                }
                None => return (items, calls),
            }
        }
    }
}

async fn reply(resp: reqwest::Response) -> Reply {
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp.bytes().await.unwrap();
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()))
    };
    Reply {
        status,
        headers,
        body,
    }
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

fn ts(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap())
        .unwrap()
        .to_utc()
}

fn new_referral(kind: &str) -> Value {
    json!({
        "name": "Contoso data platform migration",
        "type": kind,
        "customerProfile": {
            "name": "Contoso Ltd",
            "address": {"country": "US", "city": "Seattle"},
            "team": [{"firstName": "Ann", "lastName": "Lee", "email": "ann@contoso.com", "phoneNumber": "+1 425 555 0100"}]
        },
        "consent": {"consentToShareReferralWithMicrosoftSellers": kind == "Shared"},
        "details": {"dealValue": 50000, "currency": "USD", "closingDateTime": "2027-06-30",
                    "requirements": {"solutions": [{"id": "SOL-34104-EBB"}]}},
        "target": [{"type": "SolutionProfile", "id": "SOL-34104-EBB"}]
    })
}

fn registration() -> Value {
    json!({
        "type": "AzureIPCoSell",
        "solutionDetails": [{"id": "SOL-34104-EBB", "name": "Trey Insights", "value": 40000, "currency": "USD",
                             "isDeployedOnAzure": true, "primaryDeploymentOn": "Customer", "pricingModel": "PayAsYouGo"}],
        "contract": {"value": 40000, "currency": "USD", "signDateTime": "2026-01-01T00:00:00Z",
                     "startDateTime": "2026-01-15T00:00:00Z", "endDateTime": "2027-01-15T00:00:00Z", "term": "Finite"}
    })
}

const CLOSE_WON: &str = r#"[{"op":"replace","path":"/status","value":"Closed"},{"op":"replace","path":"/substatus","value":"Won"}]"#;

#[tokio::test]
async fn lists_page_by_100_with_count_and_next_links() {
    let s = sbx(250).await;
    let (items, calls) = s.all("$count=true").await;
    assert_eq!(calls, 3, "ceil(250/100) pages");
    assert_eq!(items.len(), 250);
    let ids: HashSet<&str> = items.iter().map(|v| v["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 250, "no referral twice");
    let first = s.get("/referrals?$count=true").await;
    assert_eq!(first.body["@odata.count"], 250);
    assert!(
        first.body["@odata.context"]
            .as_str()
            .unwrap()
            .contains("$metadata#referrals")
    );
    let next = first.body["@odata.nextLink"].as_str().unwrap();
    assert!(
        next.starts_with("http://api.partner.microsoft.com/v1.0/referrals?$skiptoken="),
        "the documented form by default: {next}"
    );
    // Trailing slash and default order (newest first).
    let slash = s.get("/referrals/?$top=5").await;
    assert_eq!(slash.status, 200);
    let dates: Vec<DateTime<Utc>> = slash.body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| ts(&v["createdDateTime"]))
        .collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]));
    // Exactly 100: one page, no nextLink.
    let s100 = sbx(100).await;
    let (items, calls) = s100.all("").await;
    assert_eq!((items.len(), calls), (100, 1));
}

#[tokio::test]
async fn select_orderby_top_and_skip() {
    let s = sbx(60).await;
    let r = s.get("/referrals?$select=name,status&$top=3").await;
    for v in r.body["value"].as_array().unwrap() {
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["id", "name", "status"]);
    }
    let (asc, _) = s.all("$orderby=updatedDateTime%20asc").await;
    let dates: Vec<DateTime<Utc>> = asc.iter().map(|v| ts(&v["updatedDateTime"])).collect();
    assert!(dates.windows(2).all(|w| w[0] <= w[1]));
    let skipped = s
        .get("/referrals?$orderby=updatedDateTime%20asc&$skip=10&$top=1")
        .await;
    assert_eq!(skipped.body["value"][0]["id"], asc[10]["id"]);
    for (q, needle) in [
        ("$orderby=name", "createdDateTime or updatedDateTime"),
        ("$top=-1", "whole number"),
        ("$top=abc", "whole number"),
        ("$select=secret", "not a field"),
        ("$count=yes", "true or false"),
        ("$format=json", "not a supported query option"),
        ("$skiptoken=00.00", "not one this service issued"),
    ] {
        let r = s.get(&format!("/referrals?{q}")).await;
        assert_eq!(r.status, 400, "{q}");
        assert_eq!(r.code(), "invalidRequest");
        assert!(r.message().contains(needle), "{q}: {}", r.message());
    }
}

#[tokio::test]
async fn odata_filters_over_http() {
    let s = sbx(400).await;
    let (all, _) = s.all("").await;
    let count = |f: &dyn Fn(&Value) -> bool| all.iter().filter(|v| f(v)).count();
    let check = |filter: &'static str, expected: usize| {
        let s = &s;
        async move {
            let (items, _) = s.all(&format!("$filter={}", enc(filter))).await;
            assert_eq!(items.len(), expected, "{filter}");
            items
        }
    };
    check("status eq 'New'", count(&|v| v["status"] == "New")).await;
    check(
        "status eq 'Closed' and (substatus eq 'Won' or substatus eq 'Lost')",
        count(&|v| {
            v["status"] == "Closed" && (v["substatus"] == "Won" || v["substatus"] == "Lost")
        }),
    )
    .await;
    check(
        "not (direction eq 'Incoming')",
        count(&|v| v["direction"] != "Incoming"),
    )
    .await;
    check(
        "customerProfile/address/country eq 'US'",
        count(&|v| v["customerProfile"]["address"]["country"] == "US"),
    )
    .await;
    check(
        "details/dealValue ge 1000000",
        count(&|v| v["details"]["dealValue"].as_f64().unwrap() >= 1e6),
    )
    .await;
    let seller = all[0]["team"][0]["email"].as_str().unwrap().to_string();
    let with_seller = count(&|v| {
        v["team"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["email"] == seller.as_str())
    });
    let (items, _) = s
        .all(&format!(
            "$filter={}",
            enc(&format!("team/any(t:t/email eq '{seller}')"))
        ))
        .await;
    assert_eq!(items.len(), with_seller);
    assert!(with_seller > 0 && with_seller < all.len());
    check(
        "registrations/any()",
        count(&|v| v["registrations"].as_array().is_some_and(|r| !r.is_empty())),
    )
    .await;
    let after =
        count(&|v| ts(&v["createdDateTime"]) > s.h.clock().now() - chrono::Duration::days(90));
    let since = (s.h.clock().now() - chrono::Duration::days(90))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let (items, _) = s
        .all(&format!(
            "$filter={}",
            enc(&format!("createdDateTime gt {since}"))
        ))
        .await;
    assert!(
        (items.len() as i64 - after as i64).abs() <= 1,
        "{} vs {after}",
        items.len()
    );
    // Engagement, quoted and unquoted.
    let twin = all
        .iter()
        .find(|v| {
            all.iter()
                .filter(|w| w["engagementId"] == v["engagementId"])
                .count()
                == 2
        })
        .unwrap();
    let eid = twin["engagementId"].as_str().unwrap();
    for f in [
        format!("engagementId eq '{eid}'"),
        format!("engagementId eq {eid}"),
    ] {
        let (items, _) = s.all(&format!("$filter={}", enc(&f))).await;
        assert_eq!(items.len(), 2, "{f}");
    }
    // The relatedReferrals link works as given.
    let related = twin["links"]["relatedReferrals"]["uri"].as_str().unwrap();
    let resp = s
        .http
        .get(related.replace(' ', "%20"))
        .bearer_auth(&s.token)
        .send()
        .await
        .unwrap();
    assert_eq!(reply(resp).await.body["value"].as_array().unwrap().len(), 2);
    // Bad filters name the position.
    for (f, pos) in [
        ("status eq", 9),
        ("status eq 'New' and", 19),
        ("(status eq 'New'", 16),
        ("stauts eq 'New'", 0),
    ] {
        let r = s.get(&format!("/referrals?$filter={}", enc(f))).await;
        assert_eq!(r.status, 400, "{f}");
        assert_eq!(
            r.body["error"]["innerError"]["position"],
            pos,
            "{f}: {}",
            r.message()
        );
        assert!(
            r.message().contains(&format!("position {pos}")),
            "{}",
            r.message()
        );
        assert_eq!(r.body["error"]["target"], "$filter");
    }
}

#[tokio::test]
async fn get_has_etag_and_links_and_unknown_is_404() {
    let s = sbx(5).await;
    let any = s.find("id ne null").await;
    let id = any["id"].as_str().unwrap();
    let r = s.get(&format!("/referrals/{id}")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("etag"), r.body["eTag"].as_str());
    assert!(r.header("etag").unwrap().starts_with('"'));
    assert_eq!(
        r.body["links"]["self"]["uri"],
        format!("{}/referrals/{id}", s.h.pc_base_url())
    );
    let slash = s.get(&format!("/referrals/{id}/")).await;
    assert_eq!(slash.status, 200);
    let missing = s
        .get("/referrals/00000000-0000-0000-0000-000000000000")
        .await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.code(), "itemNotFound");
    let nowhere = s.get("/nothing/here").await;
    assert_eq!(
        (nowhere.status, nowhere.code()),
        (StatusCode::NOT_FOUND, "itemNotFound")
    );
    let del = s
        .api(Method::DELETE, &format!("/referrals/{id}"), None, &[])
        .await;
    assert_eq!(del.status, 405);
    assert_eq!(del.header("allow"), Some("GET, PATCH, PUT"));
    let del = s.api(Method::DELETE, "/referrals", None, &[]).await;
    assert_eq!(del.status, 405);
}

#[tokio::test]
async fn authentication_and_request_ids() {
    let s = sbx(3).await;
    let url = format!("{}/referrals", s.h.pc_base_url());
    let none = reply(s.http.get(&url).send().await.unwrap()).await;
    assert_eq!(
        (none.status, none.code()),
        (StatusCode::UNAUTHORIZED, "unauthenticated")
    );
    assert_eq!(none.header("www-authenticate"), Some("Bearer"));
    assert!(none.header("request-id").is_some());
    let forged = reply(
        s.http
            .get(&url)
            .bearer_auth("sbx.at.forged")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(forged.status, 401);
    let basic = reply(
        s.http
            .get(&url)
            .header("authorization", "Basic abc")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(basic.status, 401);
    let ok = s
        .api(
            Method::GET,
            "/referrals",
            None,
            &[("client-request-id", "my-id-1")],
        )
        .await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.header("client-request-id"), Some("my-id-1"));
    let rid = ok.header("request-id").unwrap().to_string();
    let again = s.get("/referrals").await;
    assert_ne!(again.header("request-id").unwrap(), rid);
    // Tokens expire by the sandbox clock.
    s.control("/clock", json!({"advanceSeconds": 7200})).await;
    let expired = s.get("/referrals").await;
    assert_eq!(expired.status, 401);
    assert!(expired.message().contains("expired"));
}

#[tokio::test]
async fn tokens_device_code_and_refresh() {
    let s = sbx(1).await;
    let dc = s
        .form(
            "/contoso.onmicrosoft.com/oauth2/v2.0/devicecode",
            "client_id=app&scope=x%20offline_access",
        )
        .await;
    assert_eq!(dc.status, 200);
    assert_eq!(dc.body["interval"], 1);
    assert!(
        dc.body["message"]
            .as_str()
            .unwrap()
            .contains(dc.body["user_code"].as_str().unwrap())
    );
    let code = dc.body["device_code"].as_str().unwrap();
    let poll = format!(
        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&client_id=app&device_code={code}"
    );
    let pending = s
        .form("/contoso.onmicrosoft.com/oauth2/v2.0/token", &poll)
        .await;
    assert_eq!(pending.status, 400);
    assert_eq!(pending.body["error"], "authorization_pending");
    let tokens = s
        .form("/contoso.onmicrosoft.com/oauth2/v2.0/token", &poll)
        .await;
    assert_eq!(tokens.status, 200);
    assert_eq!(tokens.body["token_type"], "Bearer");
    assert!(tokens.body["expires_in"].as_i64().unwrap() > 0);
    let rt = tokens.body["refresh_token"].as_str().unwrap();
    let refreshed = s
        .form(
            "/oauth2/v2.0/token",
            &format!("grant_type=refresh_token&refresh_token={rt}&client_id=app"),
        )
        .await;
    assert_eq!(refreshed.status, 200);
    let at = refreshed.body["access_token"].as_str().unwrap();
    let resp = s
        .http
        .get(format!("{}/referrals", s.h.pc_base_url()))
        .bearer_auth(at)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    for (body, error) in [
        (
            "grant_type=refresh_token&refresh_token=nope".to_string(),
            "invalid_grant",
        ),
        ("grant_type=password".to_string(), "unsupported_grant_type"),
        ("client_id=x".to_string(), "invalid_request"),
        (poll.clone(), "invalid_grant"),
    ] {
        let r = s.form("/t/oauth2/v2.0/token", &body).await;
        assert_eq!(r.status, 400, "{body}");
        assert_eq!(r.body["error"], error, "{body}");
        assert!(r.body["error_description"].as_str().is_some());
    }
    let page = reqwest::get(dc.body["verification_uri"].as_str().unwrap())
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
}

#[tokio::test]
async fn create_shared_then_linked_in_one_engagement() {
    let s = sbx(3).await;
    let created = s
        .api(
            Method::POST,
            "/referrals",
            Some(new_referral("Shared")),
            &[],
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let r = &created.body;
    assert_eq!(
        (
            r["status"].as_str(),
            r["substatus"].as_str(),
            r["direction"].as_str()
        ),
        (Some("Active"), Some("Accepted"), Some("Outgoing"))
    );
    assert_eq!(created.header("etag"), r["eTag"].as_str());
    assert!(
        created
            .header("location")
            .unwrap()
            .ends_with(r["id"].as_str().unwrap())
    );
    assert_eq!(
        r["links"]["self"]["uri"],
        format!(
            "{}/referrals/{}",
            s.h.pc_base_url(),
            r["id"].as_str().unwrap()
        )
    );
    let eid = r["engagementId"].as_str().unwrap();
    let mut linked = new_referral("Shared");
    linked["engagementId"] = json!(eid);
    linked["target"] = json!([{"type": "BusinessProfileLocation", "id": "msft"}]);
    let twin = s
        .api(Method::POST, "/referrals", Some(linked.clone()), &[])
        .await;
    assert_eq!(twin.status, 200, "{}", twin.body);
    assert_eq!(twin.body["engagementId"], eid);
    let (both, _) = s
        .all(&format!(
            "$filter={}",
            enc(&format!("engagementId eq '{eid}'"))
        ))
        .await;
    assert_eq!(both.len(), 2);
    linked["engagementId"] = json!("11111111-2222-3333-4444-555555555555");
    let orphan = s.api(Method::POST, "/referrals", Some(linked), &[]).await;
    assert_eq!(orphan.status, 400);
    assert_eq!(orphan.body["error"]["target"], "engagementId");
}

#[tokio::test]
async fn create_refuses_bad_bodies_with_clear_messages() {
    let s = sbx(1).await;
    let missing = s
        .api(Method::POST, "/referrals", Some(json!({"name": "x"})), &[])
        .await;
    assert_eq!(missing.status, 400);
    let fields: Vec<&str> = missing.body["error"]["innerError"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["type", "consent", "customerProfile", "details"]);
    // Only those four are required: no contact email or phone, no solutions, no name.
    let minimal = json!({
        "type": "Independent",
        "customerProfile": {"name": "Contoso", "team": [{"firstName": "Ann", "lastName": "Lee"}]},
        "consent": {"consentToContact": true},
        "details": {"notes": "call back in May"}
    });
    let made = s.api(Method::POST, "/referrals", Some(minimal), &[]).await;
    assert_eq!(made.status, 200, "{}", made.body);
    // Services co-sell: role, area and play together; any value is kept.
    let mut services = new_referral("Independent");
    services["partnerRole"] = json!("Implementation partner");
    let r = s
        .api(Method::POST, "/referrals", Some(services.clone()), &[])
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.message().contains("solutionArea"), "{}", r.message());
    services["solutionArea"] = json!("AI Business Solutions");
    services["solutionPlay"] = json!("A play from a later taxonomy");
    let r = s.api(Method::POST, "/referrals", Some(services), &[]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["solutionPlay"], "A play from a later taxonomy");
    let mut bad = new_referral("Independent");
    bad["customerProfile"]["team"][0]["email"] = json!("ann-at-contoso");
    bad["details"]["currency"] = json!("DOLLARS");
    let r = s.api(Method::POST, "/referrals", Some(bad), &[]).await;
    assert_eq!(r.status, 400);
    assert!(
        r.message().contains("customerProfile.team[0].email"),
        "{}",
        r.message()
    );
    assert!(r.message().contains("details.currency"), "{}", r.message());
    let mut wrong_type = new_referral("Independent");
    wrong_type["details"]["dealValue"] = json!({"amount": 5});
    let r = s
        .api(Method::POST, "/referrals", Some(wrong_type), &[])
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["error"]["target"], "details.dealValue");
    let url = format!("{}/referrals", s.h.pc_base_url());
    let malformed = reply(
        s.http
            .post(&url)
            .bearer_auth(&s.token)
            .header("content-type", "application/json")
            .body("{\"name\": ")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(malformed.status, 400);
    assert!(
        malformed.message().contains("line 1"),
        "{}",
        malformed.message()
    );
    let text = reply(
        s.http
            .post(&url)
            .bearer_auth(&s.token)
            .header("content-type", "text/plain")
            .body("{}")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(text.status, 415);
    let mut many = new_referral("Independent");
    many["details"]["requirements"]["solutions"] = json!(
        (0..51)
            .map(|i| json!({"id": format!("SOL-{i}")}))
            .collect::<Vec<_>>()
    );
    let r = s.api(Method::POST, "/referrals", Some(many), &[]).await;
    assert!(r.message().contains("at most 50"), "{}", r.message());
}

#[tokio::test]
async fn patch_checks_etags_rules_and_values() {
    let s = sbx(60).await;
    let created = s
        .api(
            Method::POST,
            "/referrals",
            Some(new_referral("Independent")),
            &[],
        )
        .await;
    let id = created.body["id"].as_str().unwrap().to_string();
    let etag = created.body["eTag"].as_str().unwrap().to_string();
    let stale = s
        .patch(
            &id,
            json!([{"op": "replace", "path": "/details/notes", "value": "x"}]),
            &[("if-match", "\"old\"")],
        )
        .await;
    assert_eq!(
        (stale.status, stale.code()),
        (StatusCode::PRECONDITION_FAILED, "preconditionFailed")
    );
    let ok = s
        .patch(
            &id,
            json!([{"op": "replace", "path": "/details/dealValue", "value": "75,000"}]),
            &[("if-match", &etag)],
        )
        .await;
    assert_eq!(ok.status, 204, "{}", ok.body);
    let new_tag = ok.header("etag").unwrap().to_string();
    assert_ne!(new_tag, etag);
    let rep = s
        .patch(
            &id,
            json!([{"op": "replace", "path": "/details/notes", "value": "call Ann"}]),
            &[("prefer", "return=representation")],
        )
        .await;
    assert_eq!(rep.status, 200);
    assert_eq!(rep.body["details"]["dealValue"], 75000.0);
    assert_eq!(rep.body["details"]["notes"], "call Ann");
    assert_ne!(rep.body["eTag"].as_str().unwrap(), new_tag);
    assert!(ts(&rep.body["updatedDateTime"]) >= ts(&created.body["updatedDateTime"]));
    // json-patch+json is accepted, text/plain is not.
    let url = format!("{}/referrals/{id}", s.h.pc_base_url());
    let jp = s
        .http
        .patch(&url)
        .bearer_auth(&s.token)
        .header("content-type", "application/json-patch+json")
        .body(r#"[{"op":"add","path":"/campaignId","value":"CMP-1"}]"#)
        .send()
        .await
        .unwrap();
    assert_eq!(jp.status(), 204);
    let tp = s
        .http
        .patch(&url)
        .bearer_auth(&s.token)
        .header("content-type", "text/plain")
        .body("[]")
        .send()
        .await
        .unwrap();
    assert_eq!(tp.status(), 415);
    // Rules are named.
    for (ops, rule) in [
        (
            json!([{"op": "replace", "path": "/status", "value": "New"}, {"op": "replace", "path": "/substatus", "value": "Pending"}]),
            "no-return-to-new",
        ),
        (
            json!([{"op": "replace", "path": "/id", "value": "mine"}]),
            "read-only-field",
        ),
    ] {
        let r = s.patch(&id, ops.clone(), &[]).await;
        assert_eq!(r.status, 400, "{ops}");
        assert_eq!(
            r.body["error"]["innerError"]["rule"],
            rule,
            "{}",
            r.message()
        );
        assert!(r.message().contains(rule));
    }
    let remove = s
        .patch(&id, json!([{"op": "remove", "path": "/name"}]), &[])
        .await;
    assert!(remove.message().contains("use add or replace"));
    let not_array = s.patch(&id, json!({"name": "x"}), &[]).await;
    assert!(not_array.message().contains("JSON Patch array"));
    // Sharing is permanent.
    let share = s.patch(&id, json!([{"op": "replace", "path": "/consent/consentToShareReferralWithMicrosoftSellers", "value": true}]), &[]).await;
    assert_eq!(share.status, 204);
    let unshare = s.patch(&id, json!([{"op": "replace", "path": "/consent/consentToShareReferralWithMicrosoftSellers", "value": false}]), &[]).await;
    assert_eq!(
        unshare.body["error"]["innerError"]["rule"],
        "sharing-is-permanent"
    );
    // Won from Active; then Closed is read-only except notes.
    let won = s
        .patch(
            &id,
            serde_json::from_str(CLOSE_WON).unwrap(),
            &[("prefer", "return=representation")],
        )
        .await;
    assert_eq!(won.status, 200, "{}", won.body);
    assert!(won.body["closedDateTime"].is_string());
    // Closed is not locked (the documented table): fields change, the substatus is corrected.
    let campaign = s
        .patch(
            &id,
            json!([{"op": "replace", "path": "/campaignId", "value": "y"}]),
            &[],
        )
        .await;
    assert_eq!(campaign.status, 204, "{}", campaign.body);
    let lost = s
        .patch(
            &id,
            json!([{"op": "replace", "path": "/substatus", "value": "Lost"}]),
            &[],
        )
        .await;
    assert_eq!(lost.status, 204, "{}", lost.body);
    let won_again = s
        .patch(
            &id,
            json!([{"op": "replace", "path": "/substatus", "value": "Won"}]),
            &[],
        )
        .await;
    assert_eq!(won_again.status, 204, "{}", won_again.body);
    let reopen = s.patch(&id, json!([{"op": "replace", "path": "/status", "value": "Active"}, {"op": "replace", "path": "/substatus", "value": "Accepted"}]), &[]).await;
    assert_eq!(
        reopen.body["error"]["innerError"]["rule"],
        "closed-is-terminal"
    );
    let notes = s
        .patch(
            &id,
            json!([{"op": "add", "path": "/details/notes", "value": "signed"}]),
            &[],
        )
        .await;
    assert_eq!(notes.status, 204);
    // New → Closed/Won and Active → Closed/Declined are in the documented table.
    let (all_new, _) = s.all(&format!("$filter={}", enc("status eq 'New'"))).await;
    let won_from_new = all_new[1]["id"].as_str().unwrap();
    let r = s
        .patch(won_from_new, serde_json::from_str(CLOSE_WON).unwrap(), &[])
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let declined = s
        .patch(
            &id,
            json!([{"op": "replace", "path": "/substatus", "value": "Declined"}]),
            &[],
        )
        .await;
    assert_eq!(declined.status, 204, "{}", declined.body);
    let nid = all_new[0]["id"].as_str().unwrap();
    let accept = s.patch(nid, json!([{"op": "replace", "path": "/status", "value": "Active"}, {"op": "replace", "path": "/substatus", "value": "Accepted"}]), &[("prefer", "return=representation")]).await;
    assert_eq!(accept.status, 200);
    assert!(accept.body["acceptedDateTime"].is_string());
}

#[tokio::test]
async fn deal_registrations_follow_eligibility_and_review_windows() {
    let s = sbx(200).await;
    // A brand-new private referral closed as won at once breaks two rules.
    let created = s
        .api(
            Method::POST,
            "/referrals",
            Some(new_referral("Independent")),
            &[],
        )
        .await;
    let new_id = created.body["id"].as_str().unwrap().to_string();
    let early = s
        .patch(
            &new_id,
            json!([{"op": "add", "path": "/registrations/-", "value": registration()}]),
            &[],
        )
        .await;
    assert_eq!(early.status, 400);
    let reasons = early.body["error"]["innerError"]["reasons"]
        .as_array()
        .unwrap();
    assert_eq!(
        reasons.len(),
        3,
        "Closed/Won, private, 72 hours: {reasons:?}"
    );
    s.patch(&new_id, serde_json::from_str(CLOSE_WON).unwrap(), &[])
        .await;
    let r = s
        .patch(
            &new_id,
            json!([{"op": "add", "path": "/registrations/-", "value": registration()}]),
            &[],
        )
        .await;
    let msg = r.message();
    assert!(
        msg.contains("private deal") && msg.contains("72 hours"),
        "{msg}"
    );
    // An older shared Active referral: close it as won, then register.
    let cutoff = (s.h.clock().now() - chrono::Duration::days(5)).format("%Y-%m-%dT%H:%M:%SZ");
    let old = s
        .find(&format!("status eq 'Active' and consent/consentToShareReferralWithMicrosoftSellers eq true and createdDateTime lt {cutoff}"))
        .await;
    let id = old["id"].as_str().unwrap();
    let closed = s
        .patch(id, serde_json::from_str(CLOSE_WON).unwrap(), &[])
        .await;
    assert_eq!(closed.status, 204, "{}", closed.body);
    let mut bad = registration();
    bad["contract"]["endDateTime"] = json!("2025-01-01T00:00:00Z");
    let invalid = s
        .patch(
            id,
            json!([{"op": "add", "path": "/registrations/-", "value": bad}]),
            &[],
        )
        .await;
    assert_eq!(invalid.status, 400);
    assert_eq!(
        invalid.body["error"]["target"],
        "registration.contract.endDateTime"
    );
    let ok = s
        .patch(
            id,
            json!([{"op": "add", "path": "/registrations/-", "value": registration()}]),
            &[("prefer", "return=representation")],
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.body["registrationStatus"], "ReviewPending");
    let reg = &ok.body["registrations"][0];
    assert!(reg["id"].is_string() && reg["registrationDateTime"].is_string());
    assert!(reg["statusHistory"]["reviewPendingDateTime"].is_string());
    let update = s
        .patch(
            id,
            json!([{"op": "replace", "path": "/registrations/0/contract/value", "value": 45000}]),
            &[],
        )
        .await;
    assert_eq!(update.status, 204, "{}", update.body);
    // Microsoft's review (the control) moves it on; then it is locked.
    let passed = s
        .control(
            &format!("/referrals/{id}/registrations/0/status"),
            json!({"status": "Passed"}),
        )
        .await;
    assert_eq!(passed.status, 200, "{}", passed.body);
    assert_eq!(passed.body["registrationStatus"], "Passed");
    assert!(passed.body["registrations"][0]["statusHistory"]["passedDateTime"].is_string());
    let locked = s
        .patch(
            id,
            json!([{"op": "replace", "path": "/registrations/0/contract/value", "value": 1}]),
            &[],
        )
        .await;
    assert_eq!(
        locked.body["error"]["innerError"]["rule"],
        "registration-locked"
    );
    let second = s
        .patch(
            id,
            json!([{"op": "add", "path": "/registrations/-", "value": registration()}]),
            &[],
        )
        .await;
    assert_eq!(
        second.body["error"]["innerError"]["rule"],
        "one-registration-at-a-time"
    );
    let bad_status = s
        .control(
            &format!("/referrals/{id}/registrations/0/status"),
            json!({"status": "Lovely"}),
        )
        .await;
    assert_eq!(bad_status.status, 400);
    let no_reg = s
        .control(
            &format!("/referrals/{id}/registrations/9/status"),
            json!({"status": "Passed"}),
        )
        .await;
    assert_eq!(no_reg.status, 404);
}

#[tokio::test]
async fn put_needs_if_match_and_no_links() {
    let s = sbx(20).await;
    let one = s.find("status eq 'Active'").await;
    let id = one["id"].as_str().unwrap();
    let mut body = one.clone();
    let no_tag = s
        .api(
            Method::PUT,
            &format!("/referrals/{id}"),
            Some(body.clone()),
            &[],
        )
        .await;
    assert_eq!(no_tag.status, 428);
    let tag = one["eTag"].as_str().unwrap().to_string();
    let links = s
        .api(
            Method::PUT,
            &format!("/referrals/{id}"),
            Some(body.clone()),
            &[("if-match", &tag)],
        )
        .await;
    assert_eq!(
        (links.status, links.body["error"]["target"].as_str()),
        (StatusCode::BAD_REQUEST, Some("links"))
    );
    body.as_object_mut().unwrap().remove("links");
    body["campaignId"] = json!("Replaced by PUT");
    let ok = s
        .api(
            Method::PUT,
            &format!("/referrals/{id}"),
            Some(body.clone()),
            &[("if-match", &tag)],
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.body["campaignId"], "Replaced by PUT");
    let stale = s
        .api(
            Method::PUT,
            &format!("/referrals/{id}"),
            Some(body),
            &[("if-match", &tag)],
        )
        .await;
    assert_eq!(stale.status, 412);
}

#[tokio::test]
async fn expiry_closes_with_the_moment_the_14_days_ended() {
    let mut s = sbx(300).await;
    let fresh = s.find("status eq 'New' and direction eq 'Incoming'").await;
    let id = fresh["id"].as_str().unwrap().to_string();
    let created = ts(&fresh["createdDateTime"]);
    s.control("/clock", json!({"advanceSeconds": 15 * 86_400}))
        .await;
    s.token = s.client_token().await;
    let r = s.get(&format!("/referrals/{id}")).await;
    assert_eq!(
        (r.body["status"].as_str(), r.body["substatus"].as_str()),
        (Some("Closed"), Some("Expired"))
    );
    assert_eq!(
        ts(&r.body["closedDateTime"]),
        created + chrono::Duration::days(14)
    );
    assert_ne!(r.body["eTag"], fresh["eTag"]);
    let (still_new, _) = s
        .all(&format!(
            "$filter={}",
            enc("status eq 'New' and direction eq 'Incoming'")
        ))
        .await;
    assert!(
        still_new.is_empty(),
        "every incoming New referral was younger than 14 days"
    );
    let set = s
        .control("/clock", json!({"now": "2030-01-01T00:00:00Z"}))
        .await;
    assert!(
        set.body["now"]
            .as_str()
            .unwrap()
            .starts_with("2030-01-01T00:00:0"),
        "{}",
        set.body
    );
    let bad = s.control("/clock", json!({"now": "someday"})).await;
    assert_eq!(bad.status, 400);
    let both = s.control("/clock", json!({})).await;
    assert_eq!(both.status, 400);
}

#[tokio::test]
async fn throttles_per_token_with_retry_after() {
    let s = start(SandboxConfig {
        referrals: 2,
        rate_limit_calls: 3,
        rate_limit_window: Duration::from_secs(2),
        ..Default::default()
    })
    .await;
    for _ in 0..3 {
        assert_eq!(s.get("/referrals").await.status, 200);
    }
    let r = s.get("/referrals").await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::TOO_MANY_REQUESTS, "generalException"),
        "the docs name no 429 code: the documented envelope with a documented general code"
    );
    assert!(r.message().contains("retry after"), "{}", r.message());
    let secs: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=2).contains(&secs), "{secs}");
    // Another token has its own budget; the controls are never throttled.
    let mut other = Sbx {
        h: s.h,
        http: s.http.clone(),
        token: String::new(),
    };
    other.token = other.client_token().await;
    assert_eq!(other.get("/referrals").await.status, 200);
    for _ in 0..5 {
        assert_eq!(other.control("/faults", json!({})).await.status, 200);
    }
    let summary = reply(
        other
            .http
            .get(format!("{}/_sandbox", other.h.base_url()))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(summary.body["throttled"], 1);
    tokio::time::sleep(Duration::from_secs(secs)).await;
    let mut back = other;
    back.token = s.token.clone();
    assert_eq!(back.get("/referrals").await.status, 200);
}

#[tokio::test]
async fn injected_faults() {
    let s = sbx(2).await;
    let base = s.h.base_url();
    let f = s
        .control("/faults", json!({"errorRate": 1.0, "retryAfter": 3}))
        .await;
    assert_eq!(f.body["errorRate"], 1.0);
    let r = s.get("/referrals").await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::SERVICE_UNAVAILABLE, "serviceNotAvailable")
    );
    assert_eq!(r.header("retry-after"), Some("3"));
    s.control("/faults", json!({"status": 500})).await;
    let r = s.get("/referrals").await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::INTERNAL_SERVER_ERROR, "generalException")
    );
    // Faults cover the token endpoint too, never the controls.
    let t = s
        .form(
            "/t/oauth2/v2.0/token",
            "grant_type=client_credentials&client_id=a&client_secret=b",
        )
        .await;
    assert_eq!(t.status, 500);
    let current = reply(
        s.http
            .get(format!("{base}/_sandbox/faults"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (
            current.body["status"].as_u64(),
            current.body["errorRate"].as_f64()
        ),
        (Some(500), Some(1.0))
    );
    s.control(
        "/faults",
        json!({"errorRate": 0.0, "throttle": true, "retryAfter": 0}),
    )
    .await;
    let r = s.get("/referrals").await;
    assert_eq!(
        (r.status, r.header("retry-after")),
        (StatusCode::TOO_MANY_REQUESTS, Some("1"))
    );
    s.control("/faults", json!({"throttle": false, "latencyMs": 300}))
        .await;
    let t0 = Instant::now();
    assert_eq!(s.get("/referrals").await.status, 200);
    assert!(t0.elapsed() >= Duration::from_millis(300));
    s.control("/faults", json!({"latencyMs": 0, "down": true}))
        .await;
    let url = format!("{}/referrals", s.h.pc_base_url());
    let err = s
        .http
        .get(&url)
        .bearer_auth(&s.token)
        .send()
        .await
        .expect_err("down looks like a network failure");
    assert!(!err.is_status());
    let fresh = reqwest::Client::new()
        .get(&url)
        .bearer_auth(&s.token)
        .send()
        .await;
    assert!(fresh.is_err(), "new connections fail too");
    s.control("/faults", json!({"down": false, "dropRate": 1.0}))
        .await;
    assert!(s.http.get(&url).bearer_auth(&s.token).send().await.is_err());
    s.control("/faults", json!({"dropRate": 0.0})).await;
    assert_eq!(s.get("/referrals").await.status, 200);
    for bad in [
        json!({"errorRate": 2}),
        json!({"status": 200}),
        json!({"errorrate": 1}),
        json!({"down": "yes"}),
    ] {
        let r = s.control("/faults", bad.clone()).await;
        assert_eq!(r.status, 400, "{bad}");
        assert!(!r.message().is_empty());
    }
}

#[tokio::test]
async fn client_mistakes_are_4xx_with_a_message_never_500() {
    let s = sbx(5).await;
    let any = s.find("id ne null").await;
    let id = any["id"].as_str().unwrap();
    let base = s.h.pc_base_url();
    let cases: Vec<(Method, String, Option<&str>, Option<&str>)> = vec![
        (
            Method::POST,
            format!("{base}/referrals"),
            Some("application/json"),
            Some(""),
        ),
        (
            Method::POST,
            format!("{base}/referrals"),
            Some("application/json"),
            Some("[1,2]"),
        ),
        (
            Method::POST,
            format!("{base}/referrals"),
            Some("application/json"),
            Some("{\"type\": 5}"),
        ),
        (Method::POST, format!("{base}/referrals"), None, Some("{}")),
        (
            Method::PATCH,
            format!("{base}/referrals/{id}"),
            Some("application/json"),
            Some("not json"),
        ),
        (
            Method::PATCH,
            format!("{base}/referrals/{id}"),
            Some("application/json"),
            Some("[]"),
        ),
        (
            Method::PATCH,
            format!("{base}/referrals/{id}"),
            Some("application/json"),
            Some("[{\"op\":\"add\",\"path\":\"/team/x\",\"value\":1}]"),
        ),
        (
            Method::PATCH,
            format!("{base}/referrals/{id}"),
            Some("application/json"),
            Some("[{\"op\":\"add\",\"path\":\"/details/dealValue\",\"value\":[1]}]"),
        ),
        (
            Method::PATCH,
            format!("{base}/referrals/{id}"),
            Some("application/json"),
            Some(
                "[{\"op\":\"replace\",\"path\":\"/registrations/0/status\",\"value\":\"Passed\"}]",
            ),
        ),
        (
            Method::PATCH,
            format!("{base}/referrals/{id}"),
            Some("application/json"),
            Some("[{\"op\":\"add\",\"path\":\"/customerProfile/team/7\",\"value\":{}}]"),
        ),
        (
            Method::PATCH,
            format!("{base}/referrals/nope"),
            Some("application/json"),
            Some("[{\"op\":\"add\",\"path\":\"/name\",\"value\":\"x\"}]"),
        ),
        (
            Method::PUT,
            format!("{base}/referrals/{id}"),
            Some("application/json"),
            Some("{\"name\": [}"),
        ),
        (
            Method::GET,
            format!("{base}/referrals?$top=99999999999999999999"),
            None,
            None,
        ),
        (
            Method::GET,
            format!("{base}/referrals?$filter=%27"),
            None,
            None,
        ),
        (
            Method::GET,
            format!("{base}/referrals?$filter={}", "(".repeat(500)),
            None,
            None,
        ),
        (Method::GET, format!("{base}/referrals?$skip=x"), None, None),
        (
            Method::GET,
            format!("{base}/referrals?$skiptoken=zz.zz"),
            None,
            None,
        ),
        (
            Method::GET,
            format!("{base}/referrals?$orderby=createdDateTime%20sideways"),
            None,
            None,
        ),
    ];
    for (method, url, ct, body) in cases {
        let mut req = s.http.request(method.clone(), &url).bearer_auth(&s.token);
        if let Some(ct) = ct {
            req = req.header("content-type", ct);
        }
        if let Some(b) = body {
            req = req.body(b.to_string());
        }
        let r = reply(req.send().await.unwrap()).await;
        assert!(
            r.status.is_client_error(),
            "{method} {url} {body:?}: {} {}",
            r.status,
            r.body
        );
        assert!(!r.message().is_empty(), "{method} {url}: {}", r.body);
    }
}

#[tokio::test]
async fn reset_restores_the_demo_data() {
    let mut s = sbx(30).await;
    s.api(
        Method::POST,
        "/referrals",
        Some(new_referral("Independent")),
        &[],
    )
    .await;
    s.control("/faults", json!({"latencyMs": 5})).await;
    let r = s.control("/reset", json!({})).await;
    assert_eq!(r.body["referrals"], 30);
    s.token = s.client_token().await;
    let (items, _) = s.all("").await;
    assert_eq!(items.len(), 30);
    let f = reply(
        s.http
            .get(format!("{}/_sandbox/faults", s.h.base_url()))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(f.body["latencyMs"], 0);
}

#[tokio::test]
async fn next_links_take_the_documented_form_unless_switched_off() {
    let s = sbx(150).await;
    let first = s.get("/referrals").await;
    let next = first.body["@odata.nextLink"].as_str().unwrap();
    let (origin, query) = next.split_once('?').unwrap();
    assert_eq!(origin, "http://api.partner.microsoft.com/v1.0/referrals");
    assert!(query.starts_with("$skiptoken="), "{next}");
    let second = s.get(&format!("/referrals?{query}")).await;
    assert_eq!(second.status, 200, "{}", second.body);
    assert_eq!(second.body["value"].as_array().unwrap().len(), 50);
    let r = s.control("/switches", json!({"docsNextLink": false})).await;
    assert_eq!(r.body["docsNextLink"], false, "{}", r.body);
    let first = s.get("/referrals").await;
    let next = first.body["@odata.nextLink"].as_str().unwrap();
    assert!(
        next.starts_with(&format!("{}/referrals?$skiptoken=", s.h.pc_base_url())),
        "own origin when off: {next}"
    );
}

#[tokio::test]
async fn top_is_the_total_to_retrieve_and_expand_is_accepted() {
    let s = sbx(250).await;
    let first = s.get("/referrals?$top=150&$expand=none").await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.body["value"].as_array().unwrap().len(), 100);
    let next = first.body["@odata.nextLink"].as_str().unwrap();
    let query = next.split_once('?').unwrap().1;
    let second = s.get(&format!("/referrals?{query}")).await;
    assert_eq!(second.body["value"].as_array().unwrap().len(), 50);
    assert!(
        second.body.get("@odata.nextLink").is_none(),
        "stops at $top"
    );
    let (items, calls) = s.all("$top=1000").await;
    assert_eq!((items.len(), calls), (250, 3));
    let (items, calls) = s.all("$top=0").await;
    assert_eq!((items.len(), calls), (0, 1));
}

#[tokio::test]
async fn name_and_favorite_are_not_patchable() {
    // Neither is on the connector's list of PATCH paths.
    let s = sbx(40).await;
    let id = s.find("status eq 'Active'").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    for (path, value) in [("/name", json!("Renamed")), ("/favorite", json!(true))] {
        let r = s
            .patch(
                &id,
                json!([{"op": "replace", "path": path, "value": value}]),
                &[],
            )
            .await;
        assert_eq!(r.status, 400, "{path}: {}", r.body);
        assert!(r.message().contains(path), "{path}: {}", r.message());
    }
}
