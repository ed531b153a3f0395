//! Tokens and secrets never reach the log files, even at `trace`, and the files that hold
//! customer data are owner-only. Runs the built binary's scripting path as a user would.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

/// A `refdeck` run with trace logging into `dir/logs`.
fn refdeck(dir: &Path, config: &Path, args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_refdeck"))
        .arg("--data-dir")
        .arg(dir)
        .arg("--config")
        .arg(config)
        .args(args)
        .env("REFDECK_LOG", "trace")
        .env_remove("REFDECK_PARTNER_CENTER_URL")
        .env_remove("REFDECK_MARKETO_URL")
        .output()
        .expect("the binary runs");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn log_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("logs"))
        .expect("a logs directory")
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("refdeck"))
        })
        .collect();
    files.sort();
    files
}

fn logs(dir: &Path) -> String {
    log_files(dir)
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
}

/// The whole line around `at`, for a readable failure.
fn line_at(text: &str, at: usize) -> &str {
    let start = text[..at].rfind('\n').map_or(0, |n| n + 1);
    let end = text[at..].find('\n').map_or(text.len(), |n| at + n);
    &text[start..end]
}

/// Fails on anything that looks like a credential: the sandbox's token prefixes, bearer
/// headers, OAuth fields, a Marketo token (`<uuid>:sb`), a long hex run (a random token's
/// body), and the given secrets.
fn assert_nothing_secret(text: &str, secrets: &[&str]) {
    let needles = [
        "sbx.at.",
        "sbx.rt.",
        "sbx.dc.",
        "Bearer ",
        "access_token",
        "refresh_token",
    ];
    for needle in needles.iter().chain(secrets) {
        if let Some(at) = text.find(needle) {
            panic!("`{needle}` leaked into the logs: {}", line_at(text, at));
        }
    }
    for (at, _) in text.match_indices(":sb") {
        let before = &text[..at];
        let tail: String = before.chars().rev().take(36).collect();
        let uuid_like = tail.len() == 36
            && tail.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
            && tail.matches('-').count() == 4;
        assert!(!uuid_like, "a Marketo token leaked: {}", line_at(text, at));
    }
    let mut run = 0;
    for (at, c) in text.char_indices() {
        run = if c.is_ascii_hexdigit() { run + 1 } else { 0 };
        assert!(run < 32, "a token-like hex run: {}", line_at(text, at));
    }
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[cfg(unix)]
fn assert_private(dir: &Path) {
    assert_eq!(mode(&dir.join("logs")), 0o700, "the logs directory");
    for f in log_files(dir) {
        assert_eq!(mode(&f), 0o600, "{}", f.display());
    }
}

#[test]
fn the_in_process_sandbox_path_logs_no_tokens() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let none = dir.join("none.toml");
    let run = |args: &[&str]| {
        let mut all = vec!["--referrals", "20"];
        all.extend_from_slice(args);
        refdeck(dir, &none, &all)
    };
    let list: Vec<Value> =
        serde_json::from_slice(&run(&["referrals", "list", "--json"]).stdout).unwrap();
    let id = list
        .iter()
        .find(|r| r["status"] == "Active")
        .and_then(|r| r["id"].as_str())
        .expect("an Active referral")
        .to_string();
    run(&["referrals", "get", &id]);
    run(&["referrals", "set", &id, "/details/notes", "checked"]);
    run(&["marketo", "check", &id]);

    let text = logs(dir);
    assert!(
        text.contains("refdeck script starting"),
        "the logs are written"
    );
    assert!(
        text.contains("TRACE") && text.contains("answer method=PATCH"),
        "the client logs its calls at trace: {text}"
    );
    assert!(text.contains("signed in to Marketo"), "Marketo signed in");
    assert_nothing_secret(&text, &[]);
    #[cfg(unix)]
    {
        assert_private(dir);
        let store = dir.join(refdeck::backend::store::FILE_NAME);
        refdeck::backend::store::Store::open(&store).unwrap();
        assert_eq!(mode(&store), 0o600, "the store");
    }
}

#[test]
fn a_configured_marketo_secret_stays_out_of_the_logs() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_refdeck"))
        .args(["sandbox", "--addr", "127.0.0.1:0", "--referrals", "10"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the sandbox starts");
    let out = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(out).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx.recv_timeout(Duration::from_secs(30)).unwrap();
    let url = line.trim().trim_start_matches("listening on ").to_string();

    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let secret = "mkto-secret-5d2f8a61q";
    let config = dir.join("refdeck.toml");
    std::fs::write(
        &config,
        format!("[marketo]\nurl = \"{url}\"\nclient_id = \"refdeck-test\"\nclient_secret = \"{secret}\"\n"),
    )
    .unwrap();
    let pc = ["--partner-center-url", url.as_str()];
    let listed = refdeck(
        dir,
        &config,
        &[&pc[..], &["referrals", "list", "--json"]].concat(),
    );
    let list: Vec<Value> = serde_json::from_slice(&listed.stdout).unwrap();
    let id = list[0]["id"].as_str().unwrap().to_string();
    refdeck(
        dir,
        &config,
        &[&pc[..], &["marketo", "check", &id]].concat(),
    );
    let _ = child.kill();
    let _ = child.wait();

    let text = logs(dir);
    assert!(
        text.contains("signed in to Marketo"),
        "Marketo was used: {text}"
    );
    assert_nothing_secret(&text, &[secret, "client_secret"]);
    #[cfg(unix)]
    assert_private(dir);
}
