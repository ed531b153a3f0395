//! Helpers shared by the integration tests.
#![allow(dead_code, unused_imports)]

pub mod pty;

pub use refdeck::testing::scene::{Scene as Harness, now, referrals};

/// A backend of Partner Center only, against a sandbox, with its store in `dir`.
pub fn sandbox_backend(
    sandbox: &refdeck::sandbox::SandboxHandle,
    dir: &std::path::Path,
) -> refdeck::backend::task::BackendConfig {
    use refdeck::backend::partner_center::{PartnerCenterClient, PcConfig};
    refdeck::backend::task::BackendConfig {
        partner_center: Some(
            PartnerCenterClient::new(PcConfig::sandbox(&sandbox.base_url())).expect("client"),
        ),
        partner_center_label: "sandbox".into(),
        source: sandbox.pc_base_url(),
        marketo: None,
        marketo_label: "off".into(),
        store_path: Some(dir.join(refdeck::backend::store::FILE_NAME)),
        refresh_every: None,
        marketo_slice: refdeck::backend::task::MARKETO_SLICE,
    }
}

/// A backend task started with `config`: its command sender, its event receiver and its handle.
pub fn start_backend(
    config: refdeck::backend::task::BackendConfig,
) -> (
    tokio::sync::mpsc::UnboundedSender<refdeck::protocol::Command>,
    tokio::sync::mpsc::UnboundedReceiver<refdeck::protocol::Event>,
    tokio::task::JoinHandle<()>,
) {
    let (cmd, cmd_rx) = tokio::sync::mpsc::unbounded_channel();
    let (ev_tx, ev) = tokio::sync::mpsc::unbounded_channel();
    let handle = refdeck::backend::task::spawn(config, cmd_rx, ev_tx);
    (cmd, ev, handle)
}

/// The backend's next event; panics when none comes before `deadline` or the backend stopped.
pub async fn next_event(
    ev: &mut tokio::sync::mpsc::UnboundedReceiver<refdeck::protocol::Event>,
    deadline: tokio::time::Instant,
) -> refdeck::protocol::Event {
    tokio::time::timeout_at(deadline, ev.recv())
        .await
        .expect("no event from the backend before the deadline")
        .expect("the backend stopped")
}
