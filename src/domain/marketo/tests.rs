use serde_json::{Value, json};

use super::*;
use crate::domain::referral::Referral;

fn referral() -> Referral {
    serde_json::from_value(json!({
        "id": "r-1",
        "name": "Contoso supply chain",
        "status": "Active", "substatus": "Accepted", "salesStage": "Develop",
        "type": "Independent",
        "externalReferenceId": "CRM-0042",
        "customerProfile": {
            "name": "Contoso Ltd.",
            "address": {"addressLine1": "1 Main St", "city": "Redmond", "country": "US"},
            "ids": [{"profileType": "Duns", "id": "123456789"}],
            "team": [
                {"firstName": "Ann", "lastName": "Lee", "email": "Ann.Lee@Contoso.com"},
                {"firstName": "Bo", "lastName": "Chen", "email": "bo@contoso.com"},
                {"firstName": "No", "lastName": "Mail"}
            ]
        },
        "details": {"dealValue": 25000.0, "currency": "USD",
                    "closingDateTime": "2026-09-30T00:00:00Z"},
        "team": [
            {"firstName": "Jo", "lastName": "Doe", "email": "jo.doe@partner.com"},
            {"firstName": "Max", "lastName": "Ray", "email": "max@partner.com"}
        ]
    }))
    .unwrap()
}

/// Everything the plan asks for, as Marketo would hold it after a full push.
fn observed_all(p: &SyncPlan) -> Observed {
    let mut o = Observed::default();
    let mut sp = p.sales_person.clone().unwrap();
    sp.id = Some(7);
    o.add_sales_person(sp);
    let mut co = p.company.clone().unwrap();
    co.id = Some(8);
    o.add_company(co);
    for (i, l) in p.leads.iter().enumerate() {
        let mut l = l.clone();
        l.id = Some(100 + i as i64);
        o.add_lead(l);
    }
    let mut opp = p.opportunity.clone().unwrap();
    opp.marketo_guid = Some("g-opp".into());
    o.add_opportunity(opp);
    for (i, r) in p.roles.iter().enumerate() {
        let mut role = r.to_record(100 + i as i64);
        role.marketo_guid = Some(format!("g-role-{i}"));
        o.add_role(role);
    }
    o
}

#[test]
fn default_mapping_builds_every_key() {
    let p = plan(&referral(), &MarketoMapping::default());
    assert_eq!(p.sales_person_id(), Some("jo.doe"));
    assert_eq!(
        p.sales_person.as_ref().unwrap().email.as_deref(),
        Some("jo.doe@partner.com")
    );
    assert_eq!(p.company_id(), Some("123456789"));
    let co = p.company.as_ref().unwrap();
    assert_eq!(co.external_sales_person_id.as_deref(), Some("jo.doe"));
    assert_eq!(co.billing_city.as_deref(), Some("Redmond"));
    assert_eq!(
        p.person_ids().collect::<Vec<_>>(),
        ["ann.lee@contoso.com", "bo@contoso.com"]
    );
    assert_eq!(p.leads[0].email.as_deref(), Some("Ann.Lee@Contoso.com"));
    assert_eq!(p.leads[0].external_company_id.as_deref(), Some("123456789"));
    let opp = p.opportunity.as_ref().unwrap();
    assert_eq!(opp.external_opportunity_id.as_deref(), Some("CRM-0042"));
    assert_eq!(opp.close_date.as_deref(), Some("2026-09-30"));
    assert_eq!(opp.stage.as_deref(), Some("Develop"));
    assert_eq!(opp.amount, Some(25000.0));
    assert_eq!((opp.is_closed, opp.is_won), (Some(false), Some(false)));
    assert_eq!(p.roles.len(), 2);
    assert_eq!(
        (p.roles[0].role.as_str(), p.roles[0].is_primary),
        ("Decision Maker", true)
    );
    assert_eq!(
        (p.roles[1].role.as_str(), p.roles[1].is_primary),
        ("Influencer", false)
    );
    // The contact without an email is reported, not keyed by something invented.
    assert_eq!(p.problems.len(), 1);
    assert_eq!(p.problems[0].step, Step::Leads);
    assert!(
        p.problems[0].message.contains("contact 3") && p.problems[0].message.contains("email"),
        "{:?}",
        p.problems
    );
}

#[test]
fn fallbacks_and_owner_choice() {
    let mut r = referral();
    r.external_reference_id = None;
    r.customer_profile.as_mut().unwrap().ids = None;
    let m = MarketoMapping {
        owner_email: Some("MAX@partner.com".into()),
        ..MarketoMapping::default()
    };
    let p = plan(&r, &m);
    assert_eq!(p.company_id(), Some("contoso-ltd"));
    assert_eq!(p.opportunity_id(), Some("r-1"));
    assert_eq!(p.sales_person_id(), Some("max.ray"));
    // An owner email nobody has falls back to the first member.
    let m = MarketoMapping {
        owner_email: Some("nobody@x.com".into()),
        ..MarketoMapping::default()
    };
    assert_eq!(plan(&r, &m).sales_person_id(), Some("jo.doe"));
}

#[test]
fn custom_templates_and_case() {
    let m = MarketoMapping::from_toml(
        "sales_person_id = \"{emailLocal}\"\ncompany_id = \"acct-{name}\"\n\
         lowercase_ids = false\nopportunity_id = \"{id}\"\nprimary_role = \"Champion\"",
    )
    .unwrap();
    let p = plan(&referral(), &m);
    assert_eq!(p.sales_person_id(), Some("jo.doe"));
    assert_eq!(p.company_id(), Some("acct-Contoso Ltd."));
    assert_eq!(p.person_ids().next(), Some("Ann.Lee@Contoso.com"));
    assert_eq!(p.opportunity_id(), Some("r-1"));
    assert_eq!(p.roles[0].role, "Champion");
}

#[test]
fn config_errors_name_the_key() {
    let err = MarketoMapping::from_toml("sales_person_idd = \"{email}\"").unwrap_err();
    assert!(err.contains("sales_person_idd"), "{err}");
    let err = MarketoMapping::from_toml("company_id = \"{dunz}\"").unwrap_err();
    assert!(
        err.contains("company_id") && err.contains("{dunz}"),
        "{err}"
    );
    assert!(err.contains("{nameSlug}"), "the fix lists the slots: {err}");
    let err = MarketoMapping::from_toml("person_id = \"{email\"").unwrap_err();
    assert!(
        err.contains("person_id") && err.contains("without"),
        "{err}"
    );
    let err = MarketoMapping::from_toml("opportunity_id = \"fixed\"").unwrap_err();
    assert!(err.contains("no slot"), "{err}");
    let err = MarketoMapping::from_toml("default_role = \" \"").unwrap_err();
    assert!(err.contains("default_role"), "{err}");
    let err = MarketoMapping::from_toml("lowercase_ids = \"yes\"").unwrap_err();
    assert!(
        err.contains("lowercase_ids") || err.contains("bool"),
        "{err}"
    );
}

#[test]
fn example_toml_is_the_default() {
    assert_eq!(
        MarketoMapping::from_toml(EXAMPLE_TOML).unwrap(),
        MarketoMapping::default()
    );
    assert_eq!(
        MarketoMapping::from_toml("").unwrap(),
        MarketoMapping::default()
    );
}

#[test]
fn unplannable_referral_reports_why() {
    let r: Referral = serde_json::from_value(json!({"id": "bare"})).unwrap();
    let p = plan(&r, &MarketoMapping::default());
    assert!(p.sales_person.is_none() && p.company.is_none());
    assert_eq!(p.opportunity_id(), Some("bare"));
    let rep = assess(&p, &Observed::default());
    assert!(matches!(
        rep.step(Step::SalesPerson).state,
        SyncState::Unplannable { ref reason } if reason.contains("team member")
    ));
    assert!(matches!(
        rep.step(Step::Company).state,
        SyncState::Unplannable { .. }
    ));
    assert_eq!(rep.badge(), MarketoBadge::Missing);
}

#[test]
fn steps_come_in_marketo_order() {
    let rep = assess(
        &plan(&referral(), &MarketoMapping::default()),
        &Observed::default(),
    );
    let order: Vec<Step> = rep.steps.iter().map(|s| s.step).collect();
    assert_eq!(order, Step::ALL);
    for s in Step::ALL {
        assert_eq!(rep.step(s).step, s);
    }
    let pushed: Vec<Step> = rep.records().map(|(s, _)| s).collect();
    let mut sorted = pushed.clone();
    sorted.sort();
    assert_eq!(pushed, sorted, "records come step by step");
}

#[test]
fn nothing_in_marketo_is_missing_and_blocked_downstream() {
    let p = plan(&referral(), &MarketoMapping::default());
    let rep = assess(&p, &Observed::default());
    assert_eq!(rep.step(Step::SalesPerson).state, SyncState::Missing);
    assert_eq!(
        rep.step(Step::Company).state,
        SyncState::Blocked {
            by: Step::SalesPerson
        }
    );
    assert_eq!(
        rep.step(Step::Leads).state,
        SyncState::Blocked {
            by: Step::SalesPerson
        }
    );
    assert_eq!(
        rep.step(Step::Roles).state,
        SyncState::Blocked {
            by: Step::Opportunity
        }
    );
    assert_eq!(rep.badge(), MarketoBadge::Missing);
    assert_eq!(rep.to_push(), 1 + 1 + 2 + 1 + 2);
    assert!(rep.insights.is_empty());
}

#[test]
fn everything_present_is_synced_with_ids() {
    let mut r = referral();
    r.customer_profile
        .as_mut()
        .unwrap()
        .team
        .as_mut()
        .unwrap()
        .pop();
    let p = plan(&r, &MarketoMapping::default());
    assert!(p.problems.is_empty());
    let rep = assess(&p, &observed_all(&p));
    assert_eq!(rep.badge(), MarketoBadge::Synced, "{rep:#?}");
    assert_eq!(rep.to_push(), 0);
    assert_eq!(
        rep.step(Step::SalesPerson).records[0].marketo_id,
        Some(MarketoId::Id(7))
    );
    assert_eq!(
        rep.step(Step::Opportunity).records[0].marketo_id,
        Some(MarketoId::Guid("g-opp".into()))
    );
    assert_eq!(rep.insights.len(), 2);
}

#[test]
fn a_plan_problem_keeps_the_badge_partial() {
    let p = plan(&referral(), &MarketoMapping::default());
    let rep = assess(&p, &observed_all(&p));
    let leads = rep.step(Step::Leads);
    assert!(leads.records.iter().all(|r| r.state == SyncState::Synced));
    assert!(matches!(
        &leads.state,
        SyncState::Unplannable { reason } if reason.contains("contact 3")
    ));
    assert_eq!(rep.badge(), MarketoBadge::Partial);
}

#[test]
fn sales_person_email_mismatch_ignores_case_and_spaces() {
    let p = plan(&referral(), &MarketoMapping::default());
    let mut o = observed_all(&p);
    let mut sp = p.sales_person.clone().unwrap();
    sp.email = Some("  JO.DOE@Partner.com ".into());
    o.add_sales_person(sp.clone());
    assert_eq!(
        assess(&p, &o).step(Step::SalesPerson).state,
        SyncState::Synced
    );
    sp.email = Some("jdoe@old-partner.com".into());
    o.add_sales_person(sp);
    let rep = assess(&p, &o);
    assert_eq!(
        rep.step(Step::SalesPerson).state,
        SyncState::Mismatch {
            field: "email".into(),
            ours: "jo.doe@partner.com".into(),
            theirs: "jdoe@old-partner.com".into()
        }
    );
    // Present but disagreeing: the rest is not blocked, the badge is partial.
    assert_eq!(rep.step(Step::Company).state, SyncState::Synced);
    assert_eq!(rep.badge(), MarketoBadge::Partial);
    assert!(rep.step(Step::SalesPerson).state.needs_push());
}

#[test]
fn opportunity_and_role_mismatches() {
    let mut r = referral();
    r.customer_profile
        .as_mut()
        .unwrap()
        .team
        .as_mut()
        .unwrap()
        .pop();
    let p = plan(&r, &MarketoMapping::default());
    let mut o = observed_all(&p);
    let mut opp = p.opportunity.clone().unwrap();
    opp.amount = Some(24999.0);
    o.add_opportunity(opp);
    let rep = assess(&p, &o);
    assert!(matches!(
        &rep.step(Step::Opportunity).state,
        SyncState::Mismatch { field, ours, theirs }
            if field == "amount" && ours == "25000.00" && theirs == "24999.00"
    ));
    // A contact holding another role on the deal.
    let mut o = observed_all(&SyncPlan {
        roles: Vec::new(),
        ..p.clone()
    });
    let mut role = p.roles[0].to_record(100);
    role.role = Some("Evaluator".into());
    o.add_role(role);
    o.add_role(p.roles[1].to_record(101));
    let rep = assess(&p, &o);
    assert!(matches!(
        &rep.step(Step::Roles).records[0].state,
        SyncState::Mismatch { field, theirs, .. } if field == "role" && theirs == "Evaluator"
    ));
    assert_eq!(rep.step(Step::Roles).records[1].state, SyncState::Synced);
}

#[test]
fn partial_states() {
    let mut r = referral();
    r.customer_profile
        .as_mut()
        .unwrap()
        .team
        .as_mut()
        .unwrap()
        .pop();
    let p = plan(&r, &MarketoMapping::default());
    let full = observed_all(&p);
    let mut o = Observed::default();
    o.add_sales_person(full.sales_person("jo.doe").unwrap().clone());
    o.add_company(full.company("123456789").unwrap().clone());
    let rep = assess(&p, &o);
    assert_eq!(rep.step(Step::Leads).state, SyncState::Missing);
    assert_eq!(rep.step(Step::Opportunity).state, SyncState::Missing);
    assert_eq!(
        rep.step(Step::Roles).state,
        SyncState::Blocked {
            by: Step::Opportunity
        }
    );
    assert_eq!(rep.badge(), MarketoBadge::Partial);
    // With the opportunity but not the leads, roles wait for the leads.
    o.add_opportunity(full.opportunity("CRM-0042").unwrap().clone());
    let rep = assess(&p, &o);
    assert_eq!(
        rep.step(Step::Roles).state,
        SyncState::Blocked { by: Step::Leads }
    );
}

#[test]
fn msi_fields_are_read_back() {
    let l: Lead = serde_json::from_value(json!({
        "id": 5, "externalPersonId": "a@b.com", "email": "a@b.com",
        "msiLastInterestingMomentType": "Web",
        "msiLastInterestingMomentDate": "2026-03-01T10:00:00Z",
        "msiLastInterestingMomentDesc": "Visited /pricing",
        "msiLastInterestingMomentSource": "Web page",
        "priority": 71, "relativeUrgency": "2", "relativeScoring": null,
        "updatedAt": "2026-03-01T10:00:00Z"
    }))
    .unwrap();
    let msi = l.msi();
    assert_eq!(msi.priority, Some(71));
    assert_eq!(msi.relative_urgency, Some(2));
    assert_eq!(msi.relative_scoring, None);
    assert_eq!(msi.last_moment_type.as_deref(), Some("Web"));
    assert_eq!(l.extra["updatedAt"], "2026-03-01T10:00:00Z");
    assert!(!msi.is_empty());
    assert!(
        serde_json::from_value::<Lead>(json!({"priority": "high"}))
            .unwrap_err()
            .to_string()
            .contains("integer")
    );
}

#[test]
fn envelope_and_results_parse_leniently() {
    let e: Envelope<RecordResult> = serde_json::from_value(json!({
        "requestId": "e42b#14272d07d78", "success": true,
        "result": [
            {"seq": 0, "status": "created", "id": 12},
            {"seq": 1, "status": "skipped",
             "reasons": [{"code": 1013, "message": "Object not found"}]},
            {"seq": 2, "status": "queued", "marketoGUID": "g"}
        ]
    }))
    .unwrap();
    assert_eq!(e.result[0].marketo_id(), Some(MarketoId::Id(12)));
    assert_eq!(e.result[1].reasons[0].code, "1013");
    assert_eq!(e.result[2].status, RecordStatus::Unknown("queued".into()));
    assert_eq!(e.result[2].marketo_id(), Some(MarketoId::Guid("g".into())));
    let e: Envelope<Value> = serde_json::from_value(json!({
        "requestId": "x", "success": false,
        "errors": [{"code": "601", "message": "Access token invalid"}]
    }))
    .unwrap();
    assert!(e.result.is_empty());
    assert_eq!(e.errors[0].code, codes::TOKEN_INVALID);
    assert!(serde_json::from_value::<Envelope<Value>>(json!({"result": []})).is_err());
}

#[test]
fn sync_request_keys_leads_by_lookup_field() {
    let leads = [Lead::default()];
    let v = serde_json::to_value(SyncRequest::upsert(MarketoObject::Lead, &leads)).unwrap();
    assert_eq!(
        v,
        json!({"action": "createOrUpdate", "lookupField": "externalPersonId", "input": [{}]})
    );
    let v = serde_json::to_value(SyncRequest::upsert(MarketoObject::Company, &leads)).unwrap();
    assert_eq!(v["dedupeBy"], "dedupeFields");
}

#[test]
fn slugs() {
    assert_eq!(slug("Contoso Ltd."), "contoso-ltd");
    assert_eq!(slug("  Fabrikam & Söhne GmbH "), "fabrikam-söhne-gmbh");
    assert_eq!(slug("***"), "");
}

#[test]
fn badge_words_round_trip() {
    for b in MarketoBadge::ALL {
        assert_eq!(MarketoBadge::parse(b.as_str()), Some(b));
    }
    assert_eq!(
        MarketoBadge::parse(" Partial "),
        Some(MarketoBadge::Partial)
    );
    assert_eq!(MarketoBadge::parse("nope"), None);
}

#[test]
fn reports_survive_a_json_round_trip() {
    let r = referral();
    let p = plan(&r, &MarketoMapping::default());
    let mut o = observed_all(&p);
    let mut sp = p.sales_person.clone().unwrap();
    sp.id = Some(7);
    sp.email = Some("old@partner.com".into());
    o.add_sales_person(sp);
    let rep = assess(&p, &o);
    let text = serde_json::to_string(&rep).unwrap();
    assert!(text.contains(r#""state":"mismatch""#), "{text}");
    assert!(text.contains(r#""step":"sales_person""#), "{text}");
    let back: SyncReport = serde_json::from_str(&text).unwrap();
    assert_eq!(back, rep);
    // Integer and GUID ids keep their kind.
    let ids: Vec<MarketoId> = serde_json::from_str(r#"[7, "g-opp"]"#).unwrap();
    assert_eq!(ids, [MarketoId::Id(7), MarketoId::Guid("g-opp".into())]);
}
