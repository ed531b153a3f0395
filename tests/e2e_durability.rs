//! Nothing typed is lost: with the server down, an edit made in the real binary waits in the
//! outbox; the binary is killed with SIGKILL; both are restarted; the edit reaches the server.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use refdeck::backend::partner_center::{PartnerCenterClient, PcConfig};
use refdeck::domain::{Status, Substatus};
use support::pty::{PtyApp, data_dir};

const WAIT: Duration = Duration::from_secs(60);

/// `refdeck sandbox` as its own process; its URL.
fn start_sandbox(addr: &str) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_refdeck"))
        .args([
            "sandbox",
            "--addr",
            addr,
            "--referrals",
            "40",
            "--seed",
            "9",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the sandbox");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("first line");
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .expect("listening line")
        .to_string();
    (child, url)
}

fn stop(mut child: Child) {
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    let _ = child.wait();
}

async fn faults(url: &str, body: serde_json::Value) {
    let r = reqwest::Client::new()
        .post(format!("{url}/_sandbox/faults"))
        .json(&body)
        .send()
        .await
        .expect("faults call");
    assert!(r.status().is_success(), "{}", r.status());
}

/// The referral id shown in the detail pane.
fn shown_id(screen: &str) -> Option<String> {
    screen.lines().find_map(|l| {
        let at = l.find(" Id ")?;
        let id: String = l[at + 4..]
            .trim_start()
            .chars()
            .take_while(|c| c.is_ascii_hexdigit() || *c == '-')
            .collect();
        (id.len() == 36).then_some(id)
    })
}

fn outbox_count(screen: &str) -> Option<usize> {
    let at = screen.find("outbox ")?;
    screen[at + 7..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect::<String>()
        .parse()
        .ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_made_offline_survives_sigkill_and_reaches_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let data = data_dir(dir.path());
    let config = dir.path().join("none.toml");
    let (sandbox, url) = start_sandbox("127.0.0.1:0");
    let addr = url.trim_start_matches("http://").to_string();
    let args = [
        "--data-dir",
        &data,
        "--config",
        config.to_str().unwrap(),
        "--partner-center-url",
        &url,
    ];

    let mut app = PtyApp::spawn(&args, &[], 160, 48);
    app.wait_text("Referrals 40/40", WAIT);
    app.wait_text("↻ 0s ago", WAIT);

    // The server goes away.
    faults(&url, serde_json::json!({"down": true})).await;

    // Accept the first New referral.
    app.send("/");
    app.type_text("status:new");
    app.send("\r");
    app.wait_for("only New referrals", WAIT, |s| {
        !s.contains("Referrals 40/40")
    });
    app.send("\r");
    let screen = app.wait_for("the detail with its id", WAIT, |s| shown_id(s).is_some());
    let id = shown_id(&screen).unwrap();
    app.send("a");
    app.wait_text("Active/Accepted?", WAIT);
    app.send("\r"); // confirm
    app.wait_for("the edit in the outbox", WAIT, |s| {
        outbox_count(s) == Some(1)
    });
    // It stays there: the server cannot be reached (the first retry comes after about a
    // second and fails too).
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(outbox_count(&app.screen()), Some(1), "{}", app.screen());

    // Killed without a chance to clean up.
    app.kill9();
    drop(app);
    stop(sandbox);

    // Both come back: the sandbox on the same address with the same data, the app on the same
    // data directory.
    let (sandbox, url2) = start_sandbox(&addr);
    assert_eq!(url2, url);
    let mut app = PtyApp::spawn(&args, &[], 160, 48);
    app.wait_for("the outbox to drain", WAIT, |s| {
        outbox_count(s) == Some(0) && s.contains("Referrals 40/40")
    });

    let client = PartnerCenterClient::new(PcConfig::sandbox(&url)).unwrap();
    let r = client.get(&id).await.expect("the referral on the server");
    assert_eq!(
        (r.status(), r.substatus()),
        (Status::Active, Substatus::Accepted),
        "{id}"
    );

    app.send("q");
    assert_eq!(app.wait_exit(WAIT), 0);
    stop(sandbox);
}
