//! `refdeck doctor`: checks a configuration against the services it names, one line a check,
//! each either fine or with the fix. It makes few calls (two list pages on Partner Center, the
//! Marketo probe) and changes nothing.
//!
//! The order follows what depends on what: Partner Center sign-in, one list call, following its
//! `@odata.nextLink`, the call budget; then the Marketo identity, the "MSI Non-Native" feature,
//! native-CRM mode and Marketo's budget.

use std::io::Write;

use crate::backend::marketo::{MarketoClient, MarketoError};
use crate::backend::partner_center::{ListQuery, PartnerCenterClient, PcError};

/// How one check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    /// Works, but something deserves a look (e.g. nothing to page through).
    Note,
    Failed,
    /// Not tried, because a check it depends on failed.
    Skipped,
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub name: &'static str,
    pub outcome: Outcome,
    /// What was seen.
    pub detail: String,
    /// What to do about a failure.
    pub fix: Option<String>,
}

impl Check {
    fn ok(name: &'static str, detail: impl Into<String>) -> Check {
        Check {
            name,
            outcome: Outcome::Ok,
            detail: detail.into(),
            fix: None,
        }
    }

    fn note(name: &'static str, detail: impl Into<String>) -> Check {
        Check {
            outcome: Outcome::Note,
            ..Check::ok(name, detail)
        }
    }

    fn failed(name: &'static str, detail: impl Into<String>, fix: impl Into<String>) -> Check {
        Check {
            name,
            outcome: Outcome::Failed,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }

    fn skipped(name: &'static str, because: &str) -> Check {
        Check {
            name,
            outcome: Outcome::Skipped,
            detail: format!("not checked: {because}"),
            fix: None,
        }
    }
}

/// One page more than a page holds: enough to make the service send a nextLink.
const PROBE_TOP: u32 = 101;

/// Sign-in, one list call, its nextLink and the budget of Partner Center.
pub async fn partner_center(pc: &PartnerCenterClient) -> Vec<Check> {
    let query = ListQuery {
        top: Some(PROBE_TOP),
        count: true,
        ..ListQuery::default()
    };
    let mut checks = Vec::new();
    match pc.list(&query, |_, _| {}).await {
        Ok(listing) => {
            checks.push(Check::ok("Partner Center sign-in", "signed in"));
            let total = listing
                .count
                .map(|n| format!(" of {n}"))
                .unwrap_or_default();
            checks.push(Check::ok(
                "Partner Center list",
                format!(
                    "{} referral{}{total} read",
                    listing.referrals.len(),
                    if listing.referrals.len() == 1 {
                        ""
                    } else {
                        "s"
                    }
                ),
            ));
            checks.push(if listing.pages > 1 {
                Check::ok(
                    "Partner Center paging",
                    format!(
                        "followed @odata.nextLink on the configured base ({} pages)",
                        listing.pages
                    ),
                )
            } else {
                Check::note(
                    "Partner Center paging",
                    "one page holds every referral, so no nextLink was sent to follow",
                )
            });
        }
        Err(e) => {
            let (sign_in, list) = pc_failure(&e);
            checks.push(sign_in);
            checks.push(list);
            checks.push(Check::skipped(
                "Partner Center paging",
                "the list call failed",
            ));
        }
    }
    let (left, max) = pc.budget();
    checks.push(Check::ok(
        "Partner Center budget",
        format!("{left} of {max} calls left in the throttle window"),
    ));
    checks
}

/// The sign-in line and the list line for a failed list call.
fn pc_failure(e: &PcError) -> (Check, Check) {
    const SIGN_IN: &str = "Partner Center sign-in";
    const LIST: &str = "Partner Center list";
    match e {
        PcError::Auth(m) | PcError::Unauthenticated(m) => (
            Check::failed(
                SIGN_IN,
                m.clone(),
                "check partner_center.client_id and tenant, that the app registration allows public client flows and has the delegated Partner Center permission with admin consent",
            ),
            Check::skipped(LIST, "not signed in"),
        ),
        PcError::AccessDenied(m) => (
            Check::ok(SIGN_IN, "signed in"),
            Check::failed(
                LIST,
                m.clone(),
                "the signed-in user needs the Partner Center role Referrals admin or Referrals user",
            ),
        ),
        PcError::Network(m) => (
            Check::failed(
                SIGN_IN,
                m.clone(),
                "check partner_center.url and the network (or start the sandbox)",
            ),
            Check::skipped(LIST, "the service could not be reached"),
        ),
        PcError::Config(m) => (
            Check::failed(
                SIGN_IN,
                m.clone(),
                "fix the [partner_center] section of the config",
            ),
            Check::skipped(LIST, "the configuration is not usable"),
        ),
        other => (
            Check::ok(SIGN_IN, "signed in"),
            Check::failed(
                LIST,
                other.to_string(),
                "see the log for the full answer; try again later if the service is busy",
            ),
        ),
    }
}

/// The identity, the MSI feature, native-CRM mode and the budget of Marketo.
pub async fn marketo(m: Option<&MarketoClient>) -> Vec<Check> {
    const IDENTITY: &str = "Marketo identity";
    const MSI: &str = "Marketo MSI non-native";
    const CRM: &str = "Marketo native CRM";
    const BUDGET: &str = "Marketo budget";
    let Some(m) = m else {
        return vec![Check::note(
            IDENTITY,
            "Marketo is not configured (set marketo.url, client_id and client_secret_env)",
        )];
    };
    let mut checks = Vec::new();
    match m.instance().await {
        Ok(instance) => {
            checks.push(Check::ok(IDENTITY, "signed in with client credentials"));
            checks.push(if instance.msi_non_native {
                Check::ok(MSI, "enabled: leads carry the Marketo Sales Insight fields")
            } else {
                Check::failed(
                    MSI,
                    "MSI non-native is not enabled on this instance",
                    "ask Adobe (Marketo Support or your account team) to enable the MSI Non-Native feature",
                )
            });
            checks.push(if instance.native_crm {
                Check::failed(
                    CRM,
                    "this instance syncs a native CRM: the sales person, company, opportunity and role APIs are disabled or read-only",
                    "use an instance without a native Salesforce or Dynamics sync for MSI non-native",
                )
            } else {
                Check::ok(CRM, "no native CRM sync: the MSI objects can be written")
            });
        }
        Err(e) => {
            let fix = match &e {
                MarketoError::Auth { .. } => {
                    "check marketo.client_id and the secret (the LaunchPoint custom service's details)"
                }
                MarketoError::Transport { .. } | MarketoError::BadBaseUrl { .. } => {
                    "check marketo.url (Admin > Web Services shows the REST endpoint)"
                }
                _ => {
                    "check the API user's role: it needs API access and read-write lead, company, opportunity and sales person permissions"
                }
            };
            checks.push(Check::failed(IDENTITY, e.to_string(), fix));
            checks.push(Check::skipped(MSI, "Marketo could not be asked"));
            checks.push(Check::skipped(CRM, "Marketo could not be asked"));
        }
    }
    let (left, max) = m.budget();
    checks.push(Check::ok(
        BUDGET,
        format!("{left} of {max} calls left in this integration's 20-second window"),
    ));
    checks
}

/// True when no check failed.
pub fn passed(checks: &[Check]) -> bool {
    checks.iter().all(|c| c.outcome != Outcome::Failed)
}

/// The report, a line a check (and an indented line with the fix under a failure).
pub fn write(out: &mut impl Write, checks: &[Check]) -> std::io::Result<()> {
    let width = checks.iter().map(|c| c.name.len()).max().unwrap_or(0);
    for c in checks {
        let mark = match c.outcome {
            Outcome::Ok => "ok  ",
            Outcome::Note => "note",
            Outcome::Failed => "FAIL",
            Outcome::Skipped => "skip",
        };
        writeln!(out, "{mark}  {:width$}  {}", c.name, c.detail)?;
        if let Some(fix) = &c.fix {
            writeln!(out, "      {:width$}  fix: {fix}", "")?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_prints_its_fix_under_it_and_fails_the_run() {
        let checks = vec![
            Check::ok("one", "fine"),
            Check::failed("two", "broken", "mend it"),
            Check::skipped("three", "two failed"),
        ];
        let mut out = Vec::new();
        write(&mut out, &checks).expect("write");
        let text = String::from_utf8(out).expect("utf-8");
        assert_eq!(
            text,
            "ok    one    fine\nFAIL  two    broken\n             fix: mend it\nskip  three  not checked: two failed\n"
        );
        assert!(!passed(&checks));
        assert!(passed(&checks[..1]));
    }

    #[test]
    fn each_partner_center_failure_names_its_fix() {
        let (sign_in, list) = pc_failure(&PcError::Auth("invalid_client".into()));
        assert_eq!(sign_in.outcome, Outcome::Failed);
        assert!(
            sign_in
                .fix
                .as_deref()
                .is_some_and(|f| f.contains("public client"))
        );
        assert_eq!(list.outcome, Outcome::Skipped);
        let (sign_in, list) = pc_failure(&PcError::AccessDenied("no role".into()));
        assert_eq!(sign_in.outcome, Outcome::Ok);
        assert!(
            list.fix
                .as_deref()
                .is_some_and(|f| f.contains("Referrals admin"))
        );
    }
}
