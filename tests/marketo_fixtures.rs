//! Marketo's documented response shapes (tests/fixtures/marketo, values invented, shapes from
//! AdobeDocs/marketo-developer.en help/rest-api/*.md and AdobeDocs/marketo-apis swagger): the
//! client parses each one, and the emulator answers each endpoint with the same keys and JSON
//! types.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use axum::Router;
use axum::http::{Method, Uri};
use axum::routing::any;
use refdeck::backend::marketo::{MarketoClient, MarketoConfig};
use refdeck::domain::marketo::{
    Company, Lead, MarketoObject, Opportunity, OpportunityRole, SalesPerson,
};
use refdeck::sandbox::clock::Clock;
use refdeck::sandbox::marketo::{MarketoState, router};
use serde_json::{Value, json};

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/marketo/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(axum::serve(listener, app).into_future());
    base
}

/// The documented answer to each call refdeck makes.
fn documented(method: &Method, uri: &Uri) -> Value {
    let path = uri.path();
    let query = uri.query().unwrap_or("");
    if query.contains("nextPageToken") {
        return json!({"requestId": "b1c3#1", "success": true, "result": []});
    }
    let name = match (method.as_str(), path) {
        (_, "/identity/oauth/token") => "identity-token",
        ("GET", "/rest/v1/leads/describe.json") => "describe-leads",
        ("GET", "/rest/v1/opportunities/roles/describe.json") => "describe-opportunity-roles",
        ("POST", "/rest/v1/opportunities/roles.json") if query.contains("_method=GET") => {
            "get-opportunity-roles-compound"
        }
        ("GET", "/rest/v1/opportunities/roles.json") => "get-opportunity-roles-compound",
        ("GET", "/rest/v1/salespersons.json") => "get-salespersons",
        ("GET", "/rest/v1/companies.json") => "get-companies",
        ("GET", "/rest/v1/leads.json") => "get-leads",
        ("GET", "/rest/v1/opportunities.json") => "get-opportunities",
        ("POST", "/rest/v1/salespersons.json") => "sync-salespersons",
        ("POST", "/rest/v1/companies.json") => "sync-companies",
        ("POST", "/rest/v1/leads.json") => "sync-leads",
        ("POST", "/rest/v1/opportunities.json") => "sync-opportunities",
        ("POST", "/rest/v1/opportunities/roles.json") => "sync-opportunity-roles",
        _ => {
            return json!({"requestId": "b1c3#2", "success": false,
                           "errors": [{"code": "610", "message": "Requested resource not found"}]});
        }
    };
    fixture(&format!("{name}.response"))
}

#[tokio::test]
async fn the_client_parses_every_documented_response() {
    let app = Router::new().fallback(any(|method: Method, uri: Uri| async move {
        axum::Json(documented(&method, &uri))
    }));
    let c = MarketoClient::new(MarketoConfig::new(serve(app).await, "app", "secret")).unwrap();
    let keys = vec!["k".to_string()];

    let info = c.instance().await.unwrap();
    assert!(
        !info.msi_non_native && !info.native_crm,
        "the documented describe lists one MSI field of seven: {info:?}"
    );
    let sps: Vec<SalesPerson> = c
        .query(
            MarketoObject::SalesPerson,
            "externalSalesPersonId",
            &keys,
            &["email"],
        )
        .await
        .unwrap();
    assert_eq!(sps.len(), 2);
    assert!(sps[0].id.is_some() && sps[0].email.is_some());
    let cos: Vec<Company> = c
        .query(
            MarketoObject::Company,
            "externalCompanyId",
            &keys,
            &["company"],
        )
        .await
        .unwrap();
    assert!(cos[0].company.is_some());
    let leads: Vec<Lead> = c
        .query(MarketoObject::Lead, "externalPersonId", &keys, &["email"])
        .await
        .unwrap();
    let msi = leads[0].msi();
    assert!(
        msi.relative_scoring.is_some() && msi.relative_urgency.is_some(),
        "{msi:?}"
    );
    assert!(msi.last_moment_date.is_some() && msi.priority.is_some());
    let opps: Vec<Opportunity> = c
        .query(
            MarketoObject::Opportunity,
            "externalOpportunityId",
            &keys,
            &["amount"],
        )
        .await
        .unwrap();
    assert_eq!(
        opps[0].amount,
        Some(87500.0),
        "the docs send amount as a string"
    );
    let roles: Vec<OpportunityRole> = c
        .query(
            MarketoObject::OpportunityRole,
            "externalOpportunityId",
            &keys,
            &["role"],
        )
        .await
        .unwrap();
    assert_eq!(roles.len(), 2);
    assert!(roles[0].lead_id.is_some() && roles[0].is_primary.is_some());

    for (object, n) in [
        (MarketoObject::SalesPerson, 3),
        (MarketoObject::Company, 2),
        (MarketoObject::Lead, 2),
        (MarketoObject::Opportunity, 2),
        (MarketoObject::OpportunityRole, 2),
    ] {
        let records = vec![json!({}); n];
        let results = c.sync(object, &records).await.unwrap();
        assert_eq!(results.len(), n, "{object}");
        assert!(
            results
                .iter()
                .all(|r| r.marketo_id().is_some() || !r.reasons.is_empty())
        );
    }
}

/// The JSON kind of a value, for shape comparison.
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Every key of `documented` is in `actual` with the same kind; nested objects likewise.
fn same_shape(what: &str, documented: &Value, actual: &Value) {
    let (Some(d), Some(a)) = (documented.as_object(), actual.as_object()) else {
        assert_eq!(kind(documented), kind(actual), "{what}");
        return;
    };
    for (k, dv) in d {
        let av = a
            .get(k)
            .unwrap_or_else(|| panic!("{what}: no `{k}` in {actual}"));
        assert_eq!(kind(dv), kind(av), "{what}.{k}: {dv} vs {av}");
        if dv.is_object() {
            same_shape(&format!("{what}.{k}"), dv, av);
        }
    }
}

/// The envelope and the first result item.
fn same_answer(what: &str, documented: &Value, actual: &Value) {
    for k in ["requestId", "success", "result"] {
        assert_eq!(
            kind(&documented[k]),
            kind(&actual[k]),
            "{what}.{k}: {actual}"
        );
    }
    let d = &documented["result"][0];
    let a = &actual["result"][0];
    assert!(!a.is_null(), "{what}: no result in {actual}");
    same_shape(what, d, a);
}

#[tokio::test]
async fn the_emulator_answers_in_the_documented_shapes() {
    let state = MarketoState::new(Clock::new());
    let base = serve(router(state)).await;
    let http = reqwest::Client::new();
    let token: Value = http
        .get(format!(
            "{base}/identity/oauth/token?grant_type=client_credentials&client_id=a&client_secret=b"
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    same_shape("identity", &fixture("identity-token.response"), &token);
    let token = token["access_token"].as_str().unwrap().to_string();
    let call = |req: reqwest::RequestBuilder| {
        let token = token.clone();
        async move {
            let r = req.bearer_auth(token).send().await.unwrap();
            assert_eq!(r.status(), 200);
            r.json::<Value>().await.unwrap()
        }
    };
    let post = |path: &str, body: Value| call(http.post(format!("{base}{path}")).json(&body));
    let get = |path: &str| call(http.get(format!("{base}{path}")));

    let sp = post(
        "/rest/v1/salespersons.json",
        json!({"input": [
        {"externalSalesPersonId": "sp-1", "email": "jo@partner.example.org", "firstName": "Jo"}]}),
    )
    .await;
    same_answer(
        "sync salespersons",
        &fixture("sync-salespersons.response"),
        &sp,
    );
    let co = post(
        "/rest/v1/companies.json",
        json!({"input": [
        {"externalCompanyId": "co-1", "company": "Halden", "externalSalesPersonId": "sp-1"}]}),
    )
    .await;
    same_answer("sync companies", &fixture("sync-companies.response"), &co);
    let lead = post(
        "/rest/v1/leads.json",
        json!({"lookupField": "externalPersonId", "input": [
        {"externalPersonId": "ann@halden.example.org", "email": "ann@halden.example.org",
         "externalCompanyId": "co-1", "externalSalesPersonId": "sp-1"}]}),
    )
    .await;
    same_answer("sync leads", &fixture("sync-leads.response"), &lead);
    assert!(
        lead["result"][0].get("seq").is_none(),
        "lead results carry no seq: {lead}"
    );
    let lead_id = lead["result"][0]["id"].clone();
    let opp = post(
        "/rest/v1/opportunities.json",
        json!({"input": [
        {"externalOpportunityId": "opp-1", "name": "Line 3", "description": "Retrofit",
         "amount": 87500.0, "stage": "Negotiation", "externalCompanyId": "co-1",
         "externalSalesPersonId": "sp-1"}]}),
    )
    .await;
    same_answer(
        "sync opportunities",
        &fixture("sync-opportunities.response"),
        &opp,
    );
    let role = post(
        "/rest/v1/opportunities/roles.json",
        json!({"input": [
        {"externalOpportunityId": "opp-1", "leadId": lead_id, "role": "Economic Buyer",
         "isPrimary": true}]}),
    )
    .await;
    same_answer(
        "sync roles",
        &fixture("sync-opportunity-roles.response"),
        &role,
    );

    let v = get("/rest/v1/salespersons.json?filterType=dedupeFields&filterValues=sp-1").await;
    same_answer(
        "get salespersons",
        &fixture("get-salespersons.response"),
        &v,
    );
    let v = get("/rest/v1/companies.json?filterType=externalCompanyId&filterValues=co-1").await;
    same_answer("get companies", &fixture("get-companies.response"), &v);
    let v = get("/rest/v1/leads.json?filterType=externalPersonId&filterValues=ann@halden.example.org&fields=externalPersonId,email,msiLastInterestingMomentType,msiLastInterestingMomentDate,msiLastInterestingMomentDesc,msiLastInterestingMomentSource,priority,relativeUrgency,relativeScoring").await;
    // The sandbox's fresh lead has no Sales Insight values yet: only the keys are compared.
    let documented = fixture("get-leads.response");
    for k in documented["result"][0].as_object().unwrap().keys() {
        assert!(
            v["result"][0].get(k).is_some(),
            "get leads: no `{k}` in {v}"
        );
    }
    let v = get("/rest/v1/opportunities.json?filterType=externalOpportunityId&filterValues=opp-1&fields=externalOpportunityId,name,description,amount,stage").await;
    same_answer(
        "get opportunities",
        &fixture("get-opportunities.response"),
        &v,
    );
    let mut body = fixture("get-opportunity-roles-compound.request");
    body["input"] =
        json!([{"externalOpportunityId": "opp-1", "leadId": lead_id, "role": "Economic Buyer"}]);
    let v = call(
        http.post(format!(
            "{base}/rest/v1/opportunities/roles.json?_method=GET"
        ))
        .json(&body),
    )
    .await;
    same_answer(
        "get roles (compound)",
        &fixture("get-opportunity-roles-compound.response"),
        &v,
    );

    for (path, name) in [
        (
            "/rest/v1/salespersons/describe.json",
            "describe-salespersons",
        ),
        ("/rest/v1/companies/describe.json", "describe-companies"),
        (
            "/rest/v1/opportunities/describe.json",
            "describe-opportunities",
        ),
        (
            "/rest/v1/opportunities/roles/describe.json",
            "describe-opportunity-roles",
        ),
    ] {
        same_answer(
            name,
            &fixture(&format!("{name}.response")),
            &get(path).await,
        );
    }
    // Lead describe: each documented field against the sandbox's field of the same REST name.
    let v = get("/rest/v1/leads/describe.json").await;
    for d in fixture("describe-leads.response")["result"]
        .as_array()
        .unwrap()
    {
        let name = &d["rest"]["name"];
        let a = v["result"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rest"]["name"] == *name)
            .unwrap_or_else(|| panic!("no lead field {name}"));
        same_shape(&format!("describe lead {name}"), d, a);
        assert_eq!(
            d.get("soap").is_some(),
            a.get("soap").is_some(),
            "{name}: soap"
        );
    }

    let v = post(
        "/rest/v1/opportunities.json",
        json!({"input": [
        {"externalOpportunityId": "opp-2", "name": "n", "externalSalesPersonId": "nobody"}]}),
    )
    .await;
    let documented = fixture("error-opp-salesperson-not-found.response");
    same_shape("error 718", &documented["errors"][0], &v["errors"][0]);
    assert_eq!(documented["errors"][0], v["errors"][0]);
}
