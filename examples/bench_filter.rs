//! Live-filter benchmark: types QUERY one key at a time over N generated referrals, filtering
//! and rendering a 200x50 frame after every key, exactly as the dashboard does, and prints the
//! per-key times machine-readably.
//!
//! ```text
//! cargo run --release --example bench_filter -- 100000 "status:new contoso"
//! n=100000 keys=18 p50_ms=… p99_ms=… max_ms=…
//! ```

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

fn main() {
    let mut args = std::env::args().skip(1);
    let usage = "usage: bench_filter N QUERY   (e.g. bench_filter 100000 \"status:new contoso\")";
    let n: usize = match args.next().map(|s| s.replace('_', "").parse()) {
        Some(Ok(n)) => n,
        _ => {
            eprintln!("{usage}");
            std::process::exit(2);
        }
    };
    let Some(query) = args.next() else {
        eprintln!("{usage}");
        std::process::exit(2);
    };
    let now = chrono::Utc::now();
    let t = Instant::now();
    let rows: Vec<ReferralRow> = refdeck::sandbox::demo::iter(n, 42, now)
        .map(|r| ReferralRow::from(&r))
        .collect();
    let generate_ms = t.elapsed().as_secs_f64() * 1e3;

    let (w, h) = (200, 50);
    let mut app = App::new(AppOptions::default(), now);
    app.update(Action::Resize(w, h));
    let t = Instant::now();
    app.update(Action::Backend(Event::Rows {
        rows,
        complete: true,
    }));
    let index_ms = t.elapsed().as_secs_f64() * 1e3;
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    terminal.draw(|f| app.draw(f)).expect("draw");

    let key = |c: char| Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    app.update(key('/'));
    terminal.draw(|f| app.draw(f)).expect("draw");
    let mut times = Vec::with_capacity(query.len());
    for c in query.chars() {
        let t = Instant::now();
        app.update(key(c));
        terminal.draw(|f| app.draw(f)).expect("draw");
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    if std::env::var_os("BENCH_VERBOSE").is_some() {
        for (c, t) in query.chars().zip(&times) {
            eprintln!("{c:?} {t:.2} ms");
        }
    }
    let shown = app.list.visible_len();
    let mut sorted = times.clone();
    sorted.sort_by(f64::total_cmp);
    println!(
        "n={n} keys={} matches={shown} p50_ms={:.2} p99_ms={:.2} max_ms={:.2} generate_ms={generate_ms:.0} index_ms={index_ms:.0}",
        times.len(),
        percentile(&sorted, 50.0),
        percentile(&sorted, 99.0),
        sorted.last().copied().unwrap_or(0.0),
    );
}
