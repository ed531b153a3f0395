//! `:export` from the palette: a relative path is resolved against the current directory before
//! it is sent, and the notice names the absolute path written.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod support;

use crossterm::event::KeyCode;
use refdeck::protocol::{Command, Event};
use support::Harness;

#[test]
fn a_relative_export_path_is_resolved_and_named_in_full() {
    let mut h = Harness::new(60, 160, 48);
    h.key(KeyCode::Char(':'));
    h.keys("export csv out.csv");
    h.key(KeyCode::Enter);
    let path = h
        .sent
        .iter()
        .find_map(|c| match c {
            Command::Export { path, .. } => Some(path.clone()),
            _ => None,
        })
        .expect("an export was sent");
    let expected = std::env::current_dir().unwrap().join("out.csv");
    assert!(path.is_absolute(), "{}", path.display());
    assert_eq!(path, expected);
    h.event(Event::Exported {
        path: path.clone(),
        count: 60,
    });
    let notice = h.app.notice.as_ref().unwrap().text.clone();
    assert!(notice.contains(&expected.display().to_string()), "{notice}");
}
