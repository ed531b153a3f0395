//! End to end: the real binary in a pseudo-terminal, with its in-process sandbox.
//! Start, see referrals, filter `status:new`, open a detail, quit, terminal restored; `/` from
//! the detail; accept with its confirm line, then undo before it is sent; the detail staying
//! with the list's cursor when the referral leaves the filter.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod support;

use std::time::Duration;

use refdeck::backend::partner_center::{PartnerCenterClient, PcConfig};
use refdeck::domain::Status;
use support::pty::{PtyApp, data_dir, shown_id, start_sandbox, stop_sandbox};

const WAIT: Duration = Duration::from_secs(60);

fn count_in_title(screen: &str) -> Option<(usize, usize)> {
    let at = screen.find("Referrals ")?;
    let rest = &screen[at + "Referrals ".len()..];
    let (shown, rest) = rest.split_once('/')?;
    let total: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    Some((shown.trim().parse().ok()?, total.parse().ok()?))
}

#[test]
fn start_filter_open_quit_restores_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let data = data_dir(dir.path());
    let config = dir.path().join("none.toml");
    let mut app = PtyApp::spawn(
        &["--data-dir", &data, "--config", config.to_str().unwrap()],
        &[("REFDECK_LOG", "debug")],
        120,
        36,
    );
    // The in-process sandbox serves 500 demo referrals; the first refresh brings them all.
    let screen = app.wait_for("500 referrals", WAIT, |s| {
        count_in_title(s) == Some((500, 500))
    });
    assert!(
        screen.contains("sandbox"),
        "the top bar names the sandbox:\n{screen}"
    );

    app.send("/");
    app.type_text("status:new");
    app.send("\r");
    let screen = app.wait_for("the New referrals only", WAIT, |s| {
        count_in_title(s).is_some_and(|(shown, total)| shown > 0 && shown < total)
    });
    // The list is the left half of the screen; every status shown there is New.
    let left: Vec<String> = screen
        .lines()
        .map(|l| l.chars().take(60).collect())
        .collect();
    let statuses: Vec<&String> = left.iter().filter(|l| l.contains("New/")).collect();
    assert!(!statuses.is_empty(), "{screen}");
    assert!(
        !left
            .iter()
            .any(|l| l.contains("Active/") || l.contains("Closed/")),
        "only New referrals are listed:\n{screen}"
    );

    app.send("\r");
    app.wait_text("── Overview", WAIT);
    app.wait_text("New / ", WAIT);

    app.send("\x1b"); // back to the list
    app.send("q");
    let code = app.wait_exit(WAIT);
    assert_eq!(code, 0, "exit code; screen:\n{}", app.screen());
    let out = app.output();
    let text = String::from_utf8_lossy(&out);
    assert!(text.contains("\u{1b}[?1049l"), "left the alternate screen");
    assert!(text.contains("\u{1b}[?25h"), "showed the cursor again");
    assert!(app.terminal_is_cooked(), "raw mode was turned off");
    // The log went to a file in the data dir, not to the screen.
    let logs = std::fs::read_dir(std::path::Path::new(&data).join("logs"))
        .unwrap()
        .count();
    assert!(logs > 0, "a log file exists");
}

/// The app on its own data directory against a sandbox process, with `config` as its config
/// file's text, at 160×48 (list and detail side by side).
fn app_on(dir: &std::path::Path, url: &str, config: &str) -> PtyApp {
    let data = data_dir(dir);
    let config_path = dir.join("refdeck.toml");
    std::fs::write(&config_path, config).unwrap();
    PtyApp::spawn(
        &[
            "--data-dir",
            &data,
            "--config",
            config_path.to_str().unwrap(),
            "--partner-center-url",
            url,
        ],
        &[],
        160,
        48,
    )
}

/// The first New referral, filtered to and opened: its id.
fn open_first_new(app: &mut PtyApp) -> String {
    app.send("/");
    app.type_text("status:new");
    app.send("\r");
    app.wait_for("only New referrals", WAIT, |s| {
        !s.contains("Referrals 40/40")
    });
    app.send("\r");
    let screen = app.wait_for("the detail with its id", WAIT, |s| shown_id(s).is_some());
    shown_id(&screen).unwrap()
}

#[test]
fn slash_in_the_detail_filters_the_list() {
    let (sandbox, url) = start_sandbox("127.0.0.1:0", 40);
    let dir = tempfile::tempdir().unwrap();
    let mut app = app_on(dir.path(), &url, "");
    app.wait_text("Referrals 40/40", WAIT);
    app.send("\r");
    let screen = app.wait_for("the detail", WAIT, |s| shown_id(s).is_some());
    let id = shown_id(&screen).unwrap();
    // Typed from the detail, every letter of this query is also a referral key.
    app.send("/");
    app.type_text("status:closed fax");
    app.send("\x1b");
    app.send("/");
    app.type_text("status:new");
    app.send("\r");
    let screen = app.wait_for("the filtered list", WAIT, |s| {
        count_in_title(s).is_some_and(|(shown, total)| shown > 0 && shown < total)
    });
    assert!(screen.contains("filter: status:new"), "{screen}");
    assert!(
        screen.contains("outbox 0"),
        "a key changed a referral:\n{screen}"
    );
    assert!(!screen.contains("Accept"), "a dialog opened:\n{screen}");
    app.send("q");
    assert_eq!(app.wait_exit(WAIT), 0);
    let client = PartnerCenterClient::new(PcConfig::sandbox(&url)).unwrap();
    let r = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(client.get(&id))
        .unwrap();
    assert!(!r.is_favorite(), "f was read as a command");
    stop_sandbox(sandbox);
}

#[test]
fn accept_asks_first_and_u_undoes_it_before_it_is_sent() {
    let (sandbox, url) = start_sandbox("127.0.0.1:0", 40);
    let dir = tempfile::tempdir().unwrap();
    // A long undo window, so the test does not race the clock.
    let mut app = app_on(dir.path(), &url, "[ui]\nundo_seconds = 120\n");
    app.wait_text("Referrals 40/40", WAIT);
    let id = open_first_new(&mut app);
    app.send("a");
    app.wait_text("→ Active/Accepted?", WAIT);
    app.send("\r");
    app.wait_text("u undoes", WAIT);
    app.send("u");
    app.wait_text("undone, nothing was sent", WAIT);
    app.wait_text("outbox 0", WAIT);
    let client = PartnerCenterClient::new(PcConfig::sandbox(&url)).unwrap();
    let r = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(client.get(&id))
        .unwrap();
    assert_eq!(r.status(), Status::New, "the accept reached the server");
    app.send("q");
    assert_eq!(app.wait_exit(WAIT), 0);
    stop_sandbox(sandbox);
}

/// The name on the list's cursor row and the name in the detail's title.
fn cursor_and_detail(screen: &str) -> (String, String) {
    let row = screen
        .lines()
        .find(|l| l.contains('▶'))
        .map(|l| {
            let at = l.find('▶').unwrap_or(0) + '▶'.len_utf8();
            l[at..]
                .trim_start_matches([' ', '★'])
                .chars()
                .take(12)
                .collect()
        })
        .unwrap_or_default();
    let title = screen
        .lines()
        .find_map(|l| {
            let at = l.find("Referral: ")?;
            Some(l[at + "Referral: ".len()..].chars().take(12).collect())
        })
        .unwrap_or_default();
    (row, title)
}

#[test]
fn the_detail_stays_with_the_cursor_when_its_row_leaves_the_filter() {
    let (sandbox, url) = start_sandbox("127.0.0.1:0", 40);
    let dir = tempfile::tempdir().unwrap();
    let mut app = app_on(
        dir.path(),
        &url,
        "[ui]\nconfirm_actions = false\nundo_seconds = 0\n",
    );
    app.wait_text("Referrals 40/40", WAIT);
    let id = open_first_new(&mut app);
    app.send("a");
    // Accepted, the referral is no longer New: it leaves the filtered list.
    app.wait_for("the accepted row to leave the filter", WAIT, |s| {
        s.contains("outbox 0") && shown_id(s).is_some_and(|shown| shown != id)
            || s.contains("saved")
    });
    let screen = app.wait_for("the detail and the cursor on one referral", WAIT, |s| {
        let (row, title) = cursor_and_detail(s);
        !row.is_empty() && row == title
    });
    let (row, title) = cursor_and_detail(&screen);
    assert_eq!(row, title, "{screen}");
    app.send("q");
    assert_eq!(app.wait_exit(WAIT), 0);
    stop_sandbox(sandbox);
}

/// The id in the detail once it differs from `old` (the detail follows the list's cursor).
fn next_shown(app: &PtyApp, old: Option<&str>) -> String {
    let screen = app.wait_for("the detail of the row under the cursor", WAIT, |s| {
        shown_id(s).is_some_and(|id| Some(id.as_str()) != old)
    });
    shown_id(&screen).unwrap()
}

#[test]
fn three_marked_rows_accepted_in_bulk_and_one_undone_leave_two_active_and_one_new() {
    let (sandbox, url) = start_sandbox("127.0.0.1:0", 120);
    let dir = tempfile::tempdir().unwrap();
    // Long enough to undo one row before the batch is sent, short enough to wait for the rest.
    let mut app = app_on(dir.path(), &url, "[ui]\nundo_seconds = 15\n");
    app.wait_text("Referrals 120/120", WAIT);
    app.send("/");
    app.type_text("status:new");
    app.send("\r");
    app.wait_for("only New referrals", WAIT, |s| {
        !s.contains("Referrals 120/120")
    });
    // Space marks the row under the cursor and moves down: three rows, their ids read from
    // the detail beside the list.
    let first = next_shown(&app, None);
    app.send(" ");
    let second = next_shown(&app, Some(&first));
    app.send(" ");
    let third = next_shown(&app, Some(&second));
    app.send(" ");
    next_shown(&app, Some(&third));
    app.wait_text("3 marked", WAIT);
    // Back to the second, then a filter that keeps accepted referrals on screen.
    app.send("k");
    app.wait_for("the cursor on the third marked row", WAIT, |s| {
        shown_id(s).as_deref() == Some(third.as_str())
    });
    app.send("k");
    app.wait_for("the cursor on the second marked row", WAIT, |s| {
        shown_id(s).as_deref() == Some(second.as_str())
    });
    // The palette sets the filter in one step, so the cursor stays on its referral.
    app.send(":");
    app.type_text("filter status:new,active");
    app.send("\r");
    app.wait_text("filter: status:new,active", WAIT);
    app.wait_for("the cursor still on the second marked row", WAIT, |s| {
        shown_id(s).as_deref() == Some(second.as_str())
    });
    app.send("a");
    app.wait_text("Accept 3 referrals → Active/Accepted", WAIT);
    app.send("y");
    app.wait_text("accepting 0/3", WAIT);
    app.send("u");
    app.wait_text("accepting 1/3", WAIT);
    app.wait_text("accept: 2 of 3 done, 1 undone", Duration::from_secs(90));

    let client = PartnerCenterClient::new(PcConfig::sandbox(&url)).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let status = |id: &str| rt.block_on(client.get(id)).unwrap().status();
    assert_eq!(status(&first), Status::Active);
    assert_eq!(status(&third), Status::Active);
    assert_eq!(
        status(&second),
        Status::New,
        "the undone one never reached the server"
    );
    app.send("q");
    assert_eq!(app.wait_exit(WAIT), 0);
    stop_sandbox(sandbox);
}
