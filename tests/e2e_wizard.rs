//! End to end: the real binary in a pseudo-terminal, with its in-process sandbox, registers a won
//! deal through the wizard — eligibility, solutions, contract, review, submit through the outbox
//! — and shows the registration the service created.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod support;

use std::time::Duration;

use support::pty::{PtyApp, data_dir};

const WAIT: Duration = Duration::from_secs(60);
const CTRL_S: &str = "\x13";
const ESC: &str = "\x1b";

#[test]
fn a_won_deal_is_registered_in_the_running_app() {
    let dir = tempfile::tempdir().unwrap();
    let data = data_dir(dir.path());
    let config = dir.path().join("none.toml");
    let mut app = PtyApp::spawn(
        &["--data-dir", &data, "--config", config.to_str().unwrap()],
        &[],
        100,
        30,
    );
    app.wait_text("/500", WAIT);
    app.send("/");
    app.type_text("status:closed sub:won reg:none");
    app.send("\r");

    // Walk the won deals until one may be registered (private deals may not).
    let mut eligible = false;
    for _ in 0..20 {
        app.send("r");
        let screen = app.wait_for("the wizard", WAIT, |s| {
            s.contains("can be registered") || s.contains("cannot be registered")
        });
        if screen.contains("+ New registration") {
            eligible = true;
            break;
        }
        app.send(ESC); // the wizard
        app.send(ESC); // the detail
        app.send("j");
    }
    assert!(eligible, "no eligible deal found:\n{}", app.screen());

    app.send("\r");
    app.wait_text("Solution details", WAIT);
    // Each Ctrl-S checks the step and takes the cursor to the next value still missing.
    for _ in 0..10 {
        app.send(CTRL_S);
        let screen = app.wait_for("a checked step", WAIT, |s| {
            s.contains("Contract ·") || s.contains("need attention") || s.contains("required")
        });
        if screen.contains("Contract ·") {
            break;
        }
        app.type_text("1000");
    }
    app.wait_text("Contract ·", WAIT);
    app.send(CTRL_S);
    app.wait_text("enter the end date", WAIT);
    app.type_text("2027-12-31");
    app.send(CTRL_S);
    app.wait_text("\"path\": \"/registrations/-\"", WAIT);
    app.send("\r");
    let screen = app.wait_text("✓ Registered", WAIT);
    assert!(screen.contains("ReviewPending"), "{screen}");

    // Back on the eligibility page, the new registration is listed and open for changes.
    app.send("\r");
    let screen = app.wait_text("Registration 1 · ReviewPending", WAIT);
    assert!(screen.contains("can be updated"), "{screen}");
    assert!(!screen.contains("+ New registration"), "{screen}");

    app.send(ESC);
    app.send(ESC);
    app.send("q");
    assert_eq!(app.wait_exit(WAIT), 0, "screen:\n{}", app.screen());
}
