//! End to end: the real binary in a pseudo-terminal, with its in-process sandbox.
//! Start, see referrals, filter `status:new`, open a detail, quit, terminal restored.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod support;

use std::time::Duration;

use support::pty::{PtyApp, data_dir};

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
