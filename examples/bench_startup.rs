//! Start-up benchmark over a local store of N referrals: time to the first frame (the quick
//! screenful the dashboard shows at once), time until every row is loaded and drawn, the
//! resident memory with all N rows in the list, then with them the time of a save (one row
//! replaced) and of a new sort (both on the UI thread).
//!
//! ```text
//! cargo run --release --example bench_startup -- 100000
//! n=100000 first_frame_ms=… full_load_ms=… rss_mb=… save_ms=… sort_status_ms=… …
//! ```
//! The store is written once by a child process (`--prepare`), so the measuring process holds
//! nothing but what the dashboard holds.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use refdeck::app::{Action, App, AppOptions};
use refdeck::backend::store::Store;
use refdeck::domain::search::{Column, SortSpec};
use refdeck::protocol::Event;

#[path = "support/proc.rs"]
mod proc;

fn rss_mb() -> f64 {
    proc::status_mb("VmRSS:")
}

fn prepare(path: &Path, n: usize) {
    let mut store = Store::open(path).expect("open store");
    let now = chrono::Utc::now();
    let mut batch = Vec::with_capacity(10_000);
    for r in refdeck::sandbox::demo::iter(n, 42, now) {
        batch.push(r);
        if batch.len() == 10_000 {
            store.upsert(&batch).expect("write");
            batch.clear();
        }
    }
    store.upsert(&batch).expect("write");
}

fn measure(path: &Path, n: usize) {
    let (w, h) = (160, 48);
    let t = Instant::now();
    let store = Store::open(path).expect("open store");
    let first = store.load_packed(Some(200)).expect("rows");
    let mut app = App::new(AppOptions::default(), chrono::Utc::now());
    // As in the dashboard: searches and indexing off this thread.
    app.list.start_search_worker(|| {}).expect("search thread");
    app.update(Action::Resize(w, h));
    app.update(Action::Backend(Event::Rows {
        rows: first,
        complete: false,
    }));
    app.list.settle_search();
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    terminal.draw(|f| app.draw(f)).expect("draw");
    let first_frame = t.elapsed().as_secs_f64() * 1e3;
    let all = store.load_packed(None).expect("rows");
    let loaded = all.len();
    app.update(Action::Backend(Event::Rows {
        rows: all,
        complete: true,
    }));
    app.list.settle_search();
    terminal.draw(|f| app.draw(f)).expect("draw");
    let full = t.elapsed().as_secs_f64() * 1e3;
    assert_eq!(
        loaded, n,
        "the store holds {loaded} referrals, expected {n}"
    );
    let rss = rss_mb();
    // With every row loaded: what a save (one row replaced) and a new sort take on the UI
    // thread (the search that follows runs on the search thread).
    let mut one = app.list.rows().get(n / 2).expect("a row").to_row();
    one.name.push_str(" (saved)");
    let t = Instant::now();
    app.update(Action::Backend(Event::RowsChanged { rows: vec![one] }));
    let save = t.elapsed().as_secs_f64() * 1e3;
    let mut sorts = Vec::new();
    for column in [Column::Status, Column::Value, Column::Name] {
        let t = Instant::now();
        app.list.set_sort(SortSpec {
            column,
            descending: false,
        });
        sorts.push(format!(
            "sort_{column}_ms={:.0}",
            t.elapsed().as_secs_f64() * 1e3
        ));
    }
    println!(
        "n={n} first_frame_ms={first_frame:.1} full_load_ms={full:.0} rss_mb={rss:.0} save_ms={save:.1} {}",
        sorts.join(" ")
    );
}

fn main() {
    refdeck::memory::cap_malloc_arenas();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: bench_startup N";
    match args.as_slice() {
        [flag, path, n] if flag == "--prepare" => prepare(Path::new(path), n.parse().expect("N")),
        [flag, path, n] if flag == "--measure" => measure(Path::new(path), n.parse().expect("N")),
        [n] => {
            let Ok(n) = n.replace('_', "").parse::<usize>() else {
                eprintln!("{usage}");
                std::process::exit(2);
            };
            let dir: PathBuf = std::env::temp_dir().join(format!("refdeck-bench-startup-{n}"));
            std::fs::create_dir_all(&dir).expect("temp dir");
            let path = dir.join("refdeck.sqlite3");
            let me = std::env::current_exe().expect("own path");
            let fresh = Store::open(&path)
                .and_then(|s| s.count())
                .map(|c| c == n)
                .unwrap_or(false);
            if !fresh {
                let _ = std::fs::remove_file(&path);
                let ok = Command::new(&me)
                    .args(["--prepare", path.to_str().unwrap(), &n.to_string()])
                    .status();
                assert!(ok.is_ok_and(|s| s.success()), "preparing the store failed");
            }
            let ok = Command::new(&me)
                .args(["--measure", path.to_str().unwrap(), &n.to_string()])
                .status();
            assert!(ok.is_ok_and(|s| s.success()), "measuring failed");
        }
        _ => {
            eprintln!("{usage}");
            std::process::exit(2);
        }
    }
}
