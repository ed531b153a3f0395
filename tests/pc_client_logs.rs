//! The client's logs hold nothing secret. Alone in its test binary: `tracing` caches which
//! call sites are enabled process-wide, so a test running in parallel could hide the client's
//! events from this test's subscriber.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::sync::{Arc, Mutex};
use std::time::Duration;

use refdeck::backend::auth::PcAuth;
use refdeck::backend::partner_center::{ListQuery, PartnerCenterClient, PcConfig};
use refdeck::backend::retry::RetryPolicy;
use refdeck::domain::patch::PatchOp;
use refdeck::sandbox::{self, SandboxConfig, SandboxHandle};
use serde_json::{Value, json};

async fn control(h: &SandboxHandle, path: &str, body: Value) {
    reqwest::Client::new()
        .post(format!("{}/_sandbox{path}", h.base_url()))
        .body(body.to_string())
        .send()
        .await
        .unwrap();
}

/// Collects everything `tracing` writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn nothing_secret_reaches_the_logs() {
    let logs = Captured::default();
    let sink = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || sink.clone())
        .with_ansi(false)
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();
    let h = sandbox::start(SandboxConfig {
        referrals: 20,
        ..Default::default()
    })
    .await
    .unwrap();
    let secret = "client-secret-7f3a9c";
    let mut cfg = PcConfig::sandbox(&h.base_url());
    cfg.retry = RetryPolicy {
        base_delay: Duration::from_millis(40),
        ..Default::default()
    };
    if let PcAuth::ClientCredentials { client_secret, .. } = &mut cfg.auth {
        *client_secret = secret.into();
    }
    tracing::info!(config = ?cfg, "client configured");
    let c = PartnerCenterClient::new(cfg).unwrap();
    let all = c.list(&ListQuery::default(), |_, _| {}).await.unwrap();
    let id = all.referrals[0].id().to_string();
    c.patch(&id, &[PatchOp::replace("/details/notes", json!("n"))], None)
        .await
        .ok();
    control(&h, "/clock", json!({"advanceSeconds": 7200})).await;
    c.get(&id).await.unwrap();
    control(&h, "/faults", json!({"errorRate": 1.0})).await;
    assert!(c.get(&id).await.is_err());
    control(&h, "/faults", json!({"errorRate": 0.0})).await;
    // Device code too.
    let dir = tempfile::tempdir().unwrap();
    let mut dc = PcConfig::new(
        h.pc_base_url(),
        PcAuth::DeviceCode {
            authority: h.authority(),
            client_id: "app".into(),
            scope: "s offline_access".into(),
            cache_path: dir.path().join("t.json"),
        },
    );
    dc.prompt = Some(Arc::new(|_| {}));
    PartnerCenterClient::new(dc)
        .unwrap()
        .get(&id)
        .await
        .unwrap();
    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(text.contains("client configured"), "the capture works");
    assert!(text.contains("answer"), "the client logs its calls: {text}");
    for needle in [secret, "sbx.at.", "sbx.rt.", "sbx.dc.", "Bearer "] {
        let at = text.find(needle);
        let context = at.map(|i| {
            let start = text[..i].rfind('\n').map_or(0, |n| n + 1);
            let end = text[i..].find('\n').map_or(text.len(), |n| i + n);
            text[start..end].to_string()
        });
        assert!(at.is_none(), "`{needle}` leaked into the logs: {context:?}");
    }
}
