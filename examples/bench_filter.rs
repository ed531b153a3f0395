//! Live-filter benchmark: types QUERY one key at a time over N generated referrals through the
//! app, with the list's search thread running as in the dashboard, and draws a 200x50 frame
//! after every key. Two figures per key:
//! - *frame*: key handled and the next frame drawn with whatever result is ready (what the
//!   keyboard feels: the key handler never waits for a scan);
//! - *result*: from the key until the frame that shows that key's own result (the search
//!   thread's answer taken and drawn).
//!
//! With `--load` it types the query twice: first quiet, then with a thread spinning beside it
//! (keeping one core busy, as a build on the other core would), and prints both.
//!
//! ```text
//! cargo run --release --example bench_filter -- 100000 "status:new contoso" --load
//! load=quiet n=100000 keys=18 matches=… frame_p50_ms=… frame_p99_ms=… result_p50_ms=… result_p99_ms=… …
//! load=busy  n=100000 …
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use refdeck::app::{Action, App, AppOptions};
use refdeck::domain::ReferralRow;
use refdeck::protocol::Event;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// p50, p99 and max, in that order.
fn summary(times: &[f64]) -> (f64, f64, f64) {
    let mut sorted = times.to_vec();
    sorted.sort_by(f64::total_cmp);
    (
        percentile(&sorted, 50.0),
        percentile(&sorted, 99.0),
        sorted.last().copied().unwrap_or(0.0),
    )
}

/// Types the query into a fresh app holding `rows`; prints one line of figures.
fn run(label: &str, rows: Vec<ReferralRow>, query: &str) {
    let n = rows.len();
    let now = chrono::Utc::now();
    let (w, h) = (200, 50);
    let mut app = App::new(AppOptions::default(), now);
    app.update(Action::Resize(w, h));
    let (wake, ready) = mpsc::channel::<()>();
    app.list
        .start_search_worker(move || {
            let _ = wake.send(());
        })
        .expect("search thread");
    let t = Instant::now();
    app.update(Action::Backend(Event::Rows {
        rows: rows.into(),
        complete: true,
    }));
    // The rows are indexed on a thread of their own; wait for them.
    app.list.settle_search();
    let index_ms = t.elapsed().as_secs_f64() * 1e3;
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    terminal.draw(|f| app.draw(f)).expect("draw");

    let key = |c: char| Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    app.update(key('/'));
    terminal.draw(|f| app.draw(f)).expect("draw");
    let mut frames = Vec::with_capacity(query.len());
    let mut results = Vec::with_capacity(query.len());
    for c in query.chars() {
        let t = Instant::now();
        app.update(key(c));
        terminal.draw(|f| app.draw(f)).expect("draw");
        frames.push(t.elapsed().as_secs_f64() * 1e3);
        // Wait for this key's answer as the terminal loop does: woken, take it, draw.
        while app.list.is_searching() {
            if ready.recv().is_err() {
                break;
            }
            app.update(Action::SearchReady);
        }
        terminal.draw(|f| app.draw(f)).expect("draw");
        results.push(t.elapsed().as_secs_f64() * 1e3);
    }
    if std::env::var_os("BENCH_VERBOSE").is_some() {
        for ((c, f), r) in query.chars().zip(&frames).zip(&results) {
            eprintln!("{label} {c:?} frame {f:.2} ms, result {r:.2} ms");
        }
    }
    let (f50, f99, fmax) = summary(&frames);
    let (r50, r99, rmax) = summary(&results);
    println!(
        "load={label} n={n} keys={} matches={} frame_p50_ms={f50:.2} frame_p99_ms={f99:.2} frame_max_ms={fmax:.2} result_p50_ms={r50:.2} result_p99_ms={r99:.2} result_max_ms={rmax:.2} index_ms={index_ms:.0}",
        frames.len(),
        app.list.visible_len(),
    );
}

fn main() {
    refdeck::memory::cap_malloc_arenas();
    let usage = "usage: bench_filter N QUERY [--load]   (e.g. bench_filter 100000 \"status:new contoso\" --load)";
    let args: Vec<String> = std::env::args().skip(1).collect();
    let load = args.iter().any(|a| a == "--load");
    let mut plain = args.iter().filter(|a| *a != "--load");
    let n: usize = match plain.next().map(|s| s.replace('_', "").parse()) {
        Some(Ok(n)) => n,
        _ => {
            eprintln!("{usage}");
            std::process::exit(2);
        }
    };
    let Some(query) = plain.next().cloned() else {
        eprintln!("{usage}");
        std::process::exit(2);
    };
    let now = chrono::Utc::now();
    let rows: Vec<ReferralRow> = refdeck::sandbox::demo::iter(n, 42, now)
        .map(|r| ReferralRow::from(&r))
        .collect();
    if !load {
        run("quiet", rows, &query);
        return;
    }
    run("quiet", rows.clone(), &query);
    let stop = Arc::new(AtomicBool::new(false));
    let spin = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut x = 0u64;
            while !stop.load(Ordering::Relaxed) {
                x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
            }
        })
    };
    run("busy", rows, &query);
    stop.store(true, Ordering::Relaxed);
    let _ = spin.join();
}
