//! Writes the README's screenshots: every pane drawn by the real render code from scripted
//! sessions over demo data, as SVG files in `screenshots/`.
//!
//! ```text
//! cargo run --example screenshots
//! ```

use crossterm::event::KeyCode;
use refdeck::protocol::Event;
use refdeck::testing::scene::Scene;

type Script = fn(&mut Scene);

fn shots() -> Vec<(&'static str, Script)> {
    vec![
        ("list", |_| {}),
        ("filter", |s| {
            s.key(KeyCode::Char('/'));
            s.keys("status:new value>50k");
        }),
        ("fuzzy", |s| {
            s.key(KeyCode::Char('/'));
            s.keys("contoso");
            s.key(KeyCode::Enter);
        }),
        ("detail", |s| {
            s.key(KeyCode::Enter);
            s.answer_detail();
        }),
        ("edit", |s| {
            s.key(KeyCode::Char('/'));
            s.keys("status:active");
            s.key(KeyCode::Enter);
            s.key(KeyCode::Enter);
            s.answer_detail();
            s.key(KeyCode::Char('e'));
        }),
        ("status", |s| {
            s.key(KeyCode::Char('/'));
            s.keys("status:new");
            s.key(KeyCode::Enter);
            s.key(KeyCode::Char('s'));
            s.answer_detail();
        }),
        ("decline", |s| {
            s.key(KeyCode::Char('/'));
            s.keys("status:new");
            s.key(KeyCode::Enter);
            s.key(KeyCode::Char('x'));
            s.answer_detail();
        }),
        ("create", |s| s.key(KeyCode::Char('N'))),
        ("conflict", |s| {
            let base = s.referrals[3].clone();
            let mut mine = base.clone();
            mine.name = Some("Contoso rollout, phase 2".into());
            let mut theirs = base.clone();
            theirs.name = Some("Contoso rollout (renamed by a colleague)".into());
            theirs.etag = Some("\"2\"".into());
            s.event(Event::Conflict {
                seq: 4,
                base: Box::new(base),
                mine: Box::new(mine),
                theirs: Box::new(theirs),
            });
        }),
        ("register", |s| {
            // The first referral that can be registered.
            let eligible: Vec<String> = s
                .referrals
                .iter()
                .filter(|r| refdeck::domain::rules::registration_ineligibility(r).is_empty())
                .map(|r| r.id().to_string())
                .collect();
            let ids = s.app.list.visible_ids();
            let Some(pos) = ids.iter().position(|id| eligible.contains(id)) else {
                return;
            };
            for _ in 0..pos {
                s.key(KeyCode::Char('j'));
            }
            s.key(KeyCode::Char('r'));
            s.answer_detail();
        }),
        ("help", |s| s.key(KeyCode::Char('?'))),
        ("palette", |s| {
            s.key(KeyCode::Char(':'));
            s.keys("sort ");
        }),
        // The "To answer" view: New incoming referrals, soonest deadline first.
        ("views", |s| s.key(KeyCode::Char('2'))),
        // Three referrals marked in that view, then `a`: the bulk preview.
        ("bulk", |s| {
            s.key(KeyCode::Char('2'));
            s.keys("   ");
            s.key(KeyCode::Char('a'));
        }),
    ]
}

/// The Marketo view of a partly synced referral, from a real check against the sandbox (which
/// serves the same demo referrals as the scene: same count, seed and clock).
fn marketo_shot() -> Scene {
    use refdeck::backend::marketo::{MarketoClient, MarketoConfig};
    use refdeck::domain::marketo::MarketoBadge;
    use refdeck::protocol::ReportSource;
    let mut scene = Scene::new(120, 160, 44);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let reports = runtime.block_on(async {
        let sandbox = refdeck::sandbox::start(refdeck::sandbox::SandboxConfig {
            referrals: 120,
            seed: 7,
            now: Some(refdeck::testing::scene::now()),
            ..Default::default()
        })
        .await
        .expect("sandbox");
        let client =
            MarketoClient::new(MarketoConfig::new(sandbox.base_url(), "refdeck", "sandbox"))
                .expect("client");
        client.check(&scene.referrals).await.expect("check")
    });
    let Some(pos) = reports
        .iter()
        .position(|r| r.badge() == MarketoBadge::Partial)
    else {
        return scene;
    };
    let badges = scene
        .referrals
        .iter()
        .zip(&reports)
        .map(|(r, rep)| (r.id().to_string(), rep.badge()))
        .collect();
    scene.event(Event::MarketoBadges(badges));
    let id = scene.referrals[pos].id().to_string();
    let ids = scene.app.list.visible_ids();
    for _ in 0..ids.iter().position(|x| *x == id).unwrap_or(0) {
        scene.key(KeyCode::Char('j'));
    }
    scene.key(KeyCode::Char('m'));
    scene.answer_detail();
    scene.event(Event::MarketoReport {
        id,
        report: Box::new(reports[pos].clone()),
        checked_at: refdeck::testing::scene::now(),
        source: ReportSource::Checked,
    });
    scene
}

fn main() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("screenshots");
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("cannot create {}: {e}", dir.display());
        std::process::exit(1);
    }
    for (name, script) in shots() {
        let mut scene = Scene::new(120, 160, 44);
        script(&mut scene);
        let path = dir.join(format!("{name}.svg"));
        if let Err(e) = std::fs::write(&path, scene.svg()) {
            eprintln!("cannot write {}: {e}", path.display());
            std::process::exit(1);
        }
        println!("{}", path.display());
    }
    let path = dir.join("marketo.svg");
    if let Err(e) = std::fs::write(&path, marketo_shot().svg()) {
        eprintln!("cannot write {}: {e}", path.display());
        std::process::exit(1);
    }
    println!("{}", path.display());
}
