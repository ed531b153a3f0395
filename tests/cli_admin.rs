//! The housekeeping commands of the real binary: `config check`, `config example`, `purge`,
//! `completions`, and bad flags.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::process::{Command, Stdio};

use refdeck::backend::store::{FILE_NAME, Store};
use refdeck::domain::outbox::OutboxAction;

fn refdeck(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_refdeck"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run refdeck");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn config_check_reports_problems_by_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("refdeck.toml");
    std::fs::write(&path, "[ui]\ntheme = \"neon\"\n\n[keys]\nrefrsh = \"r\"\n").unwrap();
    let (code, _, err) = refdeck(&["--config", path.to_str().unwrap(), "config", "check"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("refdeck.toml:2:") && err.contains("unknown theme `neon`"),
        "{err}"
    );
    assert!(
        err.contains("refdeck.toml:5:") && err.contains("keys.refrsh"),
        "{err}"
    );
    assert!(err.contains("2 problem(s) found"), "{err}");

    std::fs::write(&path, "[ui]\ntheme = \"light\"\n").unwrap();
    let (code, out, _) = refdeck(&["--config", path.to_str().unwrap(), "config", "check"]);
    assert_eq!(code, 0);
    assert!(out.contains(": ok"), "{out}");
}

#[test]
fn the_printed_example_config_checks_clean() {
    let dir = tempfile::tempdir().unwrap();
    let (code, example, _) = refdeck(&["config", "example"]);
    assert_eq!(code, 0);
    let path = dir.path().join("example.toml");
    std::fs::write(&path, example).unwrap();
    let (code, out, err) = refdeck(&["--config", path.to_str().unwrap(), "config", "check"]);
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn a_broken_config_stops_the_dashboard_before_the_terminal_is_touched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("refdeck.toml");
    std::fs::write(&path, "[sandbox]\nreferrals = \"many\"\n").unwrap();
    let (code, out, err) = refdeck(&[
        "--config",
        path.to_str().unwrap(),
        "--data-dir",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty(), "nothing drawn: {out:?}");
    assert!(err.contains("refdeck.toml:2:"), "{err}");
    assert!(err.contains("config check"), "{err}");
}

#[test]
fn purge_wipes_cached_customer_data_and_keeps_unsent_edits() {
    let dir = tempfile::tempdir().unwrap();
    let store_path = dir.path().join(FILE_NAME);
    {
        let mut s = Store::open(&store_path).unwrap();
        let referrals = refdeck::sandbox::demo::generate(20, 1, chrono::Utc::now());
        s.upsert(&referrals).unwrap();
        let edit = OutboxAction::Patch {
            referral_id: referrals[0].id().to_string(),
            ops: vec![],
            etag: None,
        };
        s.outbox_push(&edit, None, "an unsent edit", chrono::Utc::now())
            .unwrap();
    }
    std::fs::write(dir.path().join("token-cache.json"), "{}").unwrap();
    let data = dir.path().to_str().unwrap();
    let config = dir.path().join("none.toml");
    let (code, out, err) = refdeck(&[
        "--config",
        config.to_str().unwrap(),
        "--data-dir",
        data,
        "purge",
        "--yes",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("purged 20 cached referrals") && out.contains("1 unsent edits kept"),
        "{out}"
    );
    let s = Store::open(&store_path).unwrap();
    assert_eq!(s.count().unwrap(), 0);
    assert_eq!(s.outbox_len().unwrap(), 1);
    assert!(
        !dir.path().join("token-cache.json").exists(),
        "the sign-in is forgotten too"
    );

    // Without --yes and without an answer, nothing changes.
    let (code, _, err) = refdeck(&[
        "--config",
        config.to_str().unwrap(),
        "--data-dir",
        data,
        "purge",
        "--include-outbox",
    ]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(Store::open(&store_path).unwrap().outbox_len().unwrap(), 1);
}

#[test]
fn completions_and_bad_flags() {
    let (code, out, _) = refdeck(&["completions", "bash"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("refdeck") && out.contains("sandbox"),
        "{}",
        &out[..out.len().min(200)]
    );
    let (code, _, err) = refdeck(&["--referals", "5"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("--referals") && err.contains("--referrals"),
        "clap names the flag and the fix: {err}"
    );
    let (code, _, err) = refdeck(&["--referrals", "lots"]);
    assert_eq!(code, 2);
    assert!(err.contains("lots"), "{err}");
}
