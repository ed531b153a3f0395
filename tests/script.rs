//! The scripting subcommands as a script runs them: the built binary, its stdout, its exit code.
//!
//! Runs without `--partner-center-url` start their own in-process sandbox, so a change made by
//! one run is gone in the next; the tests that change things share a `refdeck sandbox` child.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

/// A `refdeck` run against a fresh data dir, with no config file.
fn refdeck(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_refdeck"))
        .arg("--data-dir")
        .arg(dir)
        .arg("--config")
        .arg(dir.join("none.toml"))
        .args(args)
        .env_remove("REFDECK_PARTNER_CENTER_URL")
        .env_remove("REFDECK_MARKETO_URL")
        .env_remove("REFDECK_LOG")
        .output()
        .expect("the binary runs")
}

/// A run against the in-process sandbox with 60 referrals.
fn local(dir: &Path, args: &[&str]) -> Output {
    let mut all = vec!["--referrals", "60"];
    all.extend_from_slice(args);
    refdeck(dir, &all)
}

/// A run whose reader has gone before anything is written (`refdeck … | head` after `head`
/// quit): stdout is a pipe closed at the other end.
fn closed_pipe(dir: &Path, args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_refdeck"))
        .arg("--data-dir")
        .arg(dir)
        .arg("--config")
        .arg(dir.join("none.toml"))
        .args(args)
        .env_remove("REFDECK_PARTNER_CENTER_URL")
        .env_remove("REFDECK_MARKETO_URL")
        .env_remove("REFDECK_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    drop(child.stdout.take());
    child.wait_with_output().expect("the binary ends")
}

#[test]
fn a_closed_pipe_is_a_normal_end() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["--referrals", "60", "referrals", "list"][..],
        &["--referrals", "60", "referrals", "list", "--json"],
        &["completions", "bash"],
        &["config", "example"],
    ] {
        let o = closed_pipe(dir.path(), args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        assert_eq!(stderr(&o), "", "{args:?}: no message");
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn ok(o: Output) -> String {
    assert!(o.status.success(), "{:?}: {}", o.status, stderr(&o));
    stdout(&o)
}

/// A `refdeck sandbox` child, killed when dropped.
struct Sandbox {
    child: Child,
    url: String,
}

impl Sandbox {
    fn start() -> Sandbox {
        let mut child = Command::new(env!("CARGO_BIN_EXE_refdeck"))
            .args(["sandbox", "--addr", "127.0.0.1:0", "--referrals", "60"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the sandbox starts");
        let out = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(out).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("a first line within 30 s");
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("{line:?}"))
            .to_string();
        Sandbox { child, url }
    }

    fn run(&self, dir: &Path, args: &[&str]) -> Output {
        let mut all = vec!["--partner-center-url", self.url.as_str()];
        all.extend_from_slice(args);
        refdeck(dir, &all)
    }

    /// Every referral on the server, as JSON.
    fn referrals(&self, dir: &Path) -> Vec<Value> {
        let text = ok(self.run(dir, &["referrals", "list", "--json"]));
        match serde_json::from_str(&text) {
            Ok(Value::Array(items)) => items,
            other => panic!("not a JSON array: {other:?}"),
        }
    }

    /// The id of the first referral with this status.
    fn id_with_status(&self, dir: &Path, status: &str) -> String {
        self.referrals(dir)
            .iter()
            .find(|r| r["status"] == status)
            .and_then(|r| r["id"].as_str())
            .unwrap_or_else(|| panic!("no {status} referral in the demo data"))
            .to_string()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn list_prints_a_table_json_and_csv() {
    let dir = tempfile::tempdir().unwrap();
    let table = ok(local(dir.path(), &["referrals", "list"]));
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 61, "a header and 60 rows:\n{table}");
    for column in ["ID", "NAME", "CUSTOMER", "STATUS", "VALUE", "UPDATED"] {
        assert!(lines[0].contains(column), "{}", lines[0]);
    }
    // Columns are aligned by characters (names are shortened with `…`).
    let status_at = lines[0].find("STATUS").unwrap();
    assert!(
        lines[1..].iter().all(|l| {
            let cell: String = l.chars().skip(status_at).collect();
            ["New/", "Active/", "Closed/"]
                .iter()
                .any(|s| cell.starts_with(s))
        }),
        "the STATUS column is aligned:\n{table}"
    );

    let json: Value =
        serde_json::from_str(&ok(local(dir.path(), &["referrals", "list", "--json"])))
            .expect("--json is JSON");
    let items = json.as_array().expect("an array");
    assert_eq!(items.len(), 60);
    assert!(
        items
            .iter()
            .all(|r| r["id"].is_string() && r["status"].is_string())
    );

    let csv = ok(local(dir.path(), &["referrals", "list", "--csv"]));
    let mut rows = csv.lines();
    let header = rows.next().unwrap();
    assert!(
        header.starts_with("id,engagementId,name,customer"),
        "{header}"
    );
    assert_eq!(rows.count(), 60);
}

#[test]
fn list_filter_keeps_only_matching_referrals() {
    let dir = tempfile::tempdir().unwrap();
    let all: Vec<Value> =
        serde_json::from_str(&ok(local(dir.path(), &["referrals", "list", "--json"]))).unwrap();
    let new_count = all.iter().filter(|r| r["status"] == "New").count();
    assert!(
        new_count > 0 && new_count < all.len(),
        "the demo data mixes statuses"
    );
    let out = ok(local(
        dir.path(),
        &["referrals", "list", "--filter", "status:new", "--json"],
    ));
    let kept: Vec<Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(kept.len(), new_count);
    assert!(kept.iter().all(|r| r["status"] == "New"));

    // A free word narrows locally: every kept referral mentions it.
    let word = all[0]["customerProfile"]["name"]
        .as_str()
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    let out = ok(local(
        dir.path(),
        &["referrals", "list", "--filter", &word, "--json"],
    ));
    let kept: Vec<Value> = serde_json::from_str(&out).unwrap();
    assert!(
        !kept.is_empty() && kept.len() < all.len(),
        "{word}: {}",
        kept.len()
    );
}

#[test]
fn a_bad_filter_is_a_usage_error_naming_the_token() {
    let dir = tempfile::tempdir().unwrap();
    let out = local(
        dir.path(),
        &["referrals", "list", "--filter", "status:neww"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    let err = stderr(&out);
    assert!(
        err.contains("status:neww") && err.contains("--filter"),
        "{err}"
    );
    let out = local(
        dir.path(),
        &["referrals", "list", "--filter", "mkto:missing"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("marketo check"), "{}", stderr(&out));
}

#[test]
fn get_prints_the_referral_and_refuses_an_unknown_id() {
    let dir = tempfile::tempdir().unwrap();
    let all: Vec<Value> =
        serde_json::from_str(&ok(local(dir.path(), &["referrals", "list", "--json"]))).unwrap();
    let id = all[3]["id"].as_str().unwrap();
    let one: Value =
        serde_json::from_str(&ok(local(dir.path(), &["referrals", "get", id]))).unwrap();
    assert_eq!(one["id"], id);
    assert_eq!(one["name"], all[3]["name"]);

    let out = local(dir.path(), &["referrals", "get", "no-such-id"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(
        stderr(&out).contains("no referral with id `no-such-id`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn set_changes_a_field_that_a_later_get_sees() {
    let sandbox = Sandbox::start();
    let dir = tempfile::tempdir().unwrap();
    let id = sandbox.id_with_status(dir.path(), "Active");
    let printed = ok(sandbox.run(
        dir.path(),
        &[
            "referrals",
            "set",
            &id,
            "/details/notes",
            "Renamed by a script",
        ],
    ));
    assert_eq!(printed.trim(), "\"Renamed by a script\"");
    let currency = ok(sandbox.run(
        dir.path(),
        &["referrals", "set", &id, "/details/currency", "eur"],
    ));
    assert_eq!(currency.trim(), "\"EUR\"", "normalised before sending");
    let value = ok(sandbox.run(
        dir.path(),
        &["referrals", "set", &id, "/details/dealValue", "125000"],
    ));
    assert_eq!(
        value.trim(),
        "125000",
        "the amount as the server has it, no float artefact"
    );
    let text = ok(sandbox.run(dir.path(), &["referrals", "get", &id]));
    assert!(
        text.contains("\"dealValue\": 125000\n") || text.contains("\"dealValue\": 125000,"),
        "{text}"
    );
    let got: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(got["details"]["notes"], "Renamed by a script");
    assert_eq!(got["details"]["currency"], "EUR");
    assert_eq!(got["details"]["dealValue"].as_f64(), Some(125000.0));

    let status = ok(sandbox.run(
        dir.path(),
        &["referrals", "set", &id, "/status", "Closed/Won"],
    ));
    assert_eq!(status.trim(), "Closed/Won");
    let got: Value =
        serde_json::from_str(&ok(sandbox.run(dir.path(), &["referrals", "get", &id]))).unwrap();
    assert_eq!(
        (got["status"].as_str(), got["substatus"].as_str()),
        (Some("Closed"), Some("Won"))
    );

    // Closed is not locked; name and favorite are never patchable.
    let campaign = ok(sandbox.run(
        dir.path(),
        &["referrals", "set", &id, "/campaignId", "again"],
    ));
    assert_eq!(campaign.trim(), "\"again\"");
    let notes = ok(sandbox.run(
        dir.path(),
        &["referrals", "set", &id, "/details/notes", "won it"],
    ));
    assert_eq!(notes.trim(), "\"won it\"");
    let out = sandbox.run(dir.path(), &["referrals", "set", &id, "/favorite", "true"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("`/favorite`"), "{}", stderr(&out));
}

#[test]
fn set_refuses_rule_breaks_and_bad_values_naming_them() {
    let sandbox = Sandbox::start();
    let dir = tempfile::tempdir().unwrap();
    let id = sandbox.id_with_status(dir.path(), "New");
    let before = ok(sandbox.run(dir.path(), &["referrals", "get", &id]));
    let refused = |args: &[&str], code: i32, needle: &str| {
        let mut all = vec!["referrals", "set", &id];
        all.extend_from_slice(args);
        let out = sandbox.run(dir.path(), &all);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {}", stderr(&out));
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(stderr(&out).contains(needle), "{args:?}: {}", stderr(&out));
    };
    refused(&["/createdDateTime", "2020-01-01"], 1, "read-only-field");
    refused(&["/details/currency", "XYZ"], 1, "details.currency");
    refused(&["/details/dealValue", "-5"], 1, "details.dealValue");
    refused(
        &["/details/closingDateTime", "next week"],
        1,
        "details.closingDateTime",
    );
    refused(&["/favorite", "true"], 1, "read-only-field");
    refused(&["/name", "x"], 1, "read-only-field");
    refused(&["/status", "Closed/Nope"], 1, "substatus");
    refused(&["/status", "Closed"], 2, "Closed/Won");
    refused(
        &[
            "/customerProfile/team/-",
            r#"{"firstName":"A","email":"not-an-email"}"#,
        ],
        1,
        "customerProfile.team.-.email",
    );
    let out = sandbox.run(
        dir.path(),
        &["referrals", "set", "no-such-id", "/details/notes", "x"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no referral with id"),
        "{}",
        stderr(&out)
    );
    let after = ok(sandbox.run(dir.path(), &["referrals", "get", &id]));
    assert_eq!(before, after, "nothing was changed");
}

#[test]
fn marketo_check_prints_five_steps_and_a_summary() {
    let sandbox = Sandbox::start();
    let dir = tempfile::tempdir().unwrap();
    let id = sandbox.id_with_status(dir.path(), "Active");
    let out = ok(sandbox.run(dir.path(), &["marketo", "check", &id]));
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with(&id), "{out}");
    assert!(
        ["[synced]", "[partial]", "[missing]"]
            .iter()
            .any(|b| lines[0].ends_with(b)),
        "{out}"
    );
    for (line, step) in lines[1..6].iter().zip([
        "sales person",
        "company",
        "leads",
        "opportunity",
        "opportunity roles",
    ]) {
        assert!(line.trim_start().starts_with(step), "{step}: {out}");
    }
    let summary = lines.last().unwrap();
    assert!(summary.starts_with("1 checked: "), "{out}");

    let all = ok(sandbox.run(dir.path(), &["marketo", "check"]));
    assert!(
        all.lines().last().unwrap().starts_with("60 checked: "),
        "{all}"
    );
    let out = sandbox.run(dir.path(), &["marketo", "check", "no-such-id"]);
    assert_eq!(out.status.code(), Some(1));
}

/// The ids of every referral with this status.
fn ids_with_status(sandbox: &Sandbox, dir: &Path, status: &str) -> Vec<String> {
    sandbox
        .referrals(dir)
        .iter()
        .filter(|r| r["status"] == status)
        .filter_map(|r| r["id"].as_str().map(str::to_string))
        .collect()
}

fn status_of(sandbox: &Sandbox, dir: &Path, id: &str) -> (String, String) {
    let r: Value = serde_json::from_str(&ok(sandbox.run(dir, &["referrals", "get", id]))).unwrap();
    (
        r["status"].as_str().unwrap_or_default().to_string(),
        r["substatus"].as_str().unwrap_or_default().to_string(),
    )
}

#[test]
fn accept_and_decline_move_many_a_dry_run_sends_nothing() {
    let sandbox = Sandbox::start();
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let new = ids_with_status(&sandbox, dir, "New");
    let active = sandbox.id_with_status(dir, "Active");
    assert!(new.len() >= 3, "the demo data has {} New", new.len());
    let before = status_of(&sandbox, dir, &new[0]);

    // A dry run prints the patch per id and why one is skipped, and changes nothing.
    let printed = ok(sandbox.run(dir, &["referrals", "accept", &new[0], &active, "--dry-run"]));
    let lines: Vec<&str> = printed.lines().collect();
    assert_eq!(lines.len(), 2, "{printed}");
    assert!(
        lines[0].starts_with(&format!("{}\twould send PATCH [", new[0])),
        "{printed}"
    );
    assert!(lines[0].contains("\"Active\""), "{printed}");
    assert!(lines[0].contains("with If-Match: "), "{printed}");
    assert_eq!(
        lines[1],
        format!("{active}\tskipped: already Active/Accepted"),
        "{printed}"
    );
    assert_eq!(
        status_of(&sandbox, dir, &new[0]),
        before,
        "nothing was sent"
    );

    // Accept two.
    let printed = ok(sandbox.run(dir, &["referrals", "accept", &new[0], &new[1]]));
    assert_eq!(
        printed,
        format!("{}\tActive/Accepted\n{}\tActive/Accepted\n", new[0], new[1])
    );
    assert_eq!(
        status_of(&sandbox, dir, &new[1]),
        ("Active".into(), "Accepted".into())
    );

    // Decline one with a documented reason, in any spelling.
    let printed = ok(sandbox.run(
        dir,
        &[
            "referrals",
            "decline",
            &new[2],
            "--reason",
            "budgetinsufficient",
        ],
    ));
    assert_eq!(printed, format!("{}\tClosed/Declined\n", new[2]));
    let r: Value =
        serde_json::from_str(&ok(sandbox.run(dir, &["referrals", "get", &new[2]]))).unwrap();
    assert_eq!(r["statusReason"], "Budget insufficient");
}

#[test]
fn accept_and_decline_refuse_what_the_rules_or_the_command_line_forbid() {
    let sandbox = Sandbox::start();
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let closed = sandbox.id_with_status(dir, "Closed");
    let new = sandbox.id_with_status(dir, "New");

    // A Closed referral cannot be accepted; the others are still tried; exit 1.
    let o = sandbox.run(dir, &["referrals", "accept", &closed, &new]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains(&format!(
            "{closed}\trefused: Closed (a Closed referral stays Closed)"
        )),
        "{out}"
    );
    assert!(out.contains(&format!("{new}\tActive/Accepted")), "{out}");
    assert!(
        stderr(&o).contains("1 of 2 referrals could not be accepted"),
        "{}",
        stderr(&o)
    );

    // An unknown id is named.
    let o = sandbox.run(dir, &["referrals", "accept", "no-such-id"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("no referral with id `no-such-id`"),
        "{}",
        stdout(&o)
    );

    // A reason that is not documented is a usage error naming the reasons.
    let o = sandbox.run(dir, &["referrals", "decline", &new, "--reason", "bored"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("not a documented decline reason"),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("\"Budget insufficient\""),
        "{}",
        stderr(&o)
    );

    // The reason is required.
    let o = sandbox.run(dir, &["referrals", "decline", &new]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--reason"), "{}", stderr(&o));
}

#[test]
fn list_view_uses_the_dashboards_views() {
    let dir = tempfile::tempdir().unwrap();
    let out = ok(local(
        dir.path(),
        &["referrals", "list", "--view", "to answer", "--json"],
    ));
    let kept: Vec<Value> = serde_json::from_str(&out).unwrap();
    assert!(!kept.is_empty());
    assert!(
        kept.iter()
            .all(|r| r["status"] == "New" && r["direction"] == "Incoming")
    );
    let deadlines: Vec<&str> = kept
        .iter()
        .map(|r| r["expirationDateTime"].as_str().unwrap_or("~"))
        .collect();
    let mut sorted = deadlines.clone();
    sorted.sort();
    assert_eq!(deadlines, sorted, "the view's sort: soonest deadline first");

    // A view saved by the palette (views.toml beside the config file), narrowed by --filter.
    std::fs::write(
        dir.path().join("views.toml"),
        "[[views]]\nname = \"Shared\"\nfilter = \"type:shared\"\n",
    )
    .unwrap();
    let out = ok(local(
        dir.path(),
        &[
            "referrals",
            "list",
            "--view",
            "Shared",
            "--filter",
            "status:active",
            "--json",
        ],
    ));
    let kept: Vec<Value> = serde_json::from_str(&out).unwrap();
    assert!(
        kept.iter()
            .all(|r| r["type"] == "Shared" && r["status"] == "Active")
    );

    let o = local(dir.path(), &["referrals", "list", "--view", "Nope"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("no view `Nope`")
            && err.contains("To answer, Expiring")
            && err.contains("Shared"),
        "{err}"
    );
}
