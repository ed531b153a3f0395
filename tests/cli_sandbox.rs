//! `refdeck sandbox` as a user runs it: the built binary, its first line, its refusals.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

fn refdeck(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_refdeck"));
    c.args(args);
    c
}

/// Starts the sandbox and returns the child and the first stdout line.
fn spawn_sandbox(args: &[&str]) -> (Child, String) {
    let mut child = refdeck(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("a first line within 30 s");
    (child, line)
}

/// A plain HTTP/1.1 GET, answered with the whole response text.
fn http_get(addr: &str, path: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn first_line_names_the_address_and_the_sandbox_serves() {
    let (mut child, line) =
        spawn_sandbox(&["sandbox", "--addr", "127.0.0.1:0", "--referrals", "50"]);
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("{line:?}"));
    let addr = url
        .strip_prefix("http://127.0.0.1:")
        .map(|port| format!("127.0.0.1:{port}"));
    let addr = addr.unwrap_or_else(|| panic!("{url}"));
    let summary = http_get(&addr, "/_sandbox");
    assert!(summary.starts_with("HTTP/1.1 200"), "{summary}");
    assert!(summary.contains("\"referrals\":50"), "{summary}");
    let unauth = http_get(&addr, "/v1.0/engagements/referrals");
    assert!(unauth.starts_with("HTTP/1.1 401"), "{unauth}");
    child.kill().unwrap();
    child.wait().unwrap();
}

#[cfg(unix)]
#[test]
fn sigterm_stops_it_cleanly() {
    let (mut child, line) = spawn_sandbox(&["sandbox", "--referrals", "5"]);
    assert!(line.starts_with("listening on http://127.0.0.1:"), "{line}");
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    for _ in 0..100 {
        if let Some(code) = child.try_wait().unwrap() {
            assert!(code.success(), "{code:?}");
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().unwrap();
    panic!("the sandbox did not stop within 5 s of SIGTERM");
}

#[test]
fn refuses_a_non_loopback_address_without_allow_remote() {
    let out = refdeck(&["sandbox", "--addr", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("0.0.0.0:0") && err.contains("--allow-remote"),
        "{err}"
    );
}

#[test]
fn bad_flags_get_a_clear_error() {
    let out = refdeck(&["sandbox", "--referrals", "lots"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--referrals") && err.contains("lots"), "{err}");
    let out = refdeck(&["sandbox", "--addr", "localhost"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = refdeck(&["sandbox", "--rate-limit", "0"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}
