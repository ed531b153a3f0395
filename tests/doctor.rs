//! `refdeck doctor` against the sandbox: every check passes on the default tenant, and each
//! sandbox switch (or fault) that makes a tenant unusable is named with its fix.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::process::Command;

use refdeck::backend::marketo::{MarketoClient, MarketoConfig};
use refdeck::backend::partner_center::{PartnerCenterClient, PcConfig};
use refdeck::doctor::{self, Check, Outcome};
use refdeck::sandbox::{SandboxConfig, SandboxHandle, Switches, start};

async fn sandbox(referrals: usize, switches: Switches) -> SandboxHandle {
    start(SandboxConfig {
        referrals,
        switches,
        ..SandboxConfig::default()
    })
    .await
    .unwrap()
}

async fn run(s: &SandboxHandle) -> Vec<Check> {
    let pc = PartnerCenterClient::new(PcConfig::sandbox(&s.base_url())).unwrap();
    let m = MarketoClient::new(MarketoConfig::new(s.base_url(), "refdeck", "sandbox")).unwrap();
    let mut checks = doctor::partner_center(&pc).await;
    checks.extend(doctor::marketo(Some(&m)).await);
    checks
}

fn line<'a>(checks: &'a [Check], name: &str) -> &'a Check {
    checks
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no check named {name}: {checks:#?}"))
}

#[tokio::test]
async fn the_default_sandbox_passes_every_check_and_pages_through_a_docs_shaped_link() {
    for docs_next_link in [true, false] {
        let s = sandbox(
            150,
            Switches {
                docs_next_link,
                ..Switches::default()
            },
        )
        .await;
        let checks = run(&s).await;
        assert!(doctor::passed(&checks), "{checks:#?}");
        let paging = line(&checks, "Partner Center paging");
        assert_eq!(paging.outcome, Outcome::Ok, "{paging:?}");
        assert!(paging.detail.contains("2 pages"), "{paging:?}");
        assert!(
            line(&checks, "Partner Center list")
                .detail
                .contains("101 referrals")
        );
    }
}

#[tokio::test]
async fn a_tenant_without_msi_non_native_is_named_with_its_fix() {
    let s = sandbox(
        20,
        Switches {
            msi_non_native: false,
            ..Switches::default()
        },
    )
    .await;
    let checks = run(&s).await;
    assert!(!doctor::passed(&checks));
    let msi = line(&checks, "Marketo MSI non-native");
    assert_eq!(msi.outcome, Outcome::Failed);
    assert!(
        msi.detail
            .contains("MSI non-native is not enabled on this instance")
    );
    assert!(msi.fix.as_deref().unwrap().contains("Adobe"));
    assert_eq!(line(&checks, "Marketo native CRM").outcome, Outcome::Ok);
    // One page holds 20 referrals: nothing to follow, which is no failure.
    assert_eq!(
        line(&checks, "Partner Center paging").outcome,
        Outcome::Note
    );
}

#[tokio::test]
async fn a_tenant_with_a_native_crm_is_named_with_its_fix() {
    let s = sandbox(
        20,
        Switches {
            native_crm: true,
            ..Switches::default()
        },
    )
    .await;
    let checks = run(&s).await;
    let crm = line(&checks, "Marketo native CRM");
    assert_eq!(crm.outcome, Outcome::Failed, "{checks:#?}");
    assert!(crm.detail.contains("this instance syncs a native CRM"));
    assert_eq!(line(&checks, "Marketo MSI non-native").outcome, Outcome::Ok);
}

#[tokio::test]
async fn an_unreachable_partner_center_names_the_url_to_check() {
    let s = sandbox(5, Switches::default()).await;
    let base = s.base_url();
    s.shutdown().await;
    let pc = PartnerCenterClient::new(PcConfig::sandbox(&base)).unwrap();
    let checks = doctor::partner_center(&pc).await;
    let sign_in = line(&checks, "Partner Center sign-in");
    assert_eq!(sign_in.outcome, Outcome::Failed, "{checks:#?}");
    assert!(
        sign_in
            .fix
            .as_deref()
            .unwrap()
            .contains("partner_center.url")
    );
    assert_eq!(
        line(&checks, "Partner Center list").outcome,
        Outcome::Skipped
    );
}

#[test]
fn the_binary_passes_against_its_in_process_sandbox() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("none.toml");
    let out = Command::new(env!("CARGO_BIN_EXE_refdeck"))
        .args(["--data-dir", dir.path().to_str().unwrap()])
        .args(["--config", config.to_str().unwrap()])
        .arg("doctor")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for name in [
        "Partner Center sign-in",
        "Partner Center list",
        "Partner Center paging",
        "Partner Center budget",
        "Marketo identity",
        "Marketo MSI non-native",
        "Marketo native CRM",
        "Marketo budget",
    ] {
        assert!(text.contains(name), "{name} missing:\n{text}");
    }
    assert!(!text.contains("FAIL"), "{text}");
}
