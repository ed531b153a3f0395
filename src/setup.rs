//! Turning flags, environment and config into running parts: the data directory, the log file,
//! the sandbox (when no credentials are configured), and the API clients. Shared by the dashboard
//! and the scripting subcommands, so both talk to the same backends the same way.
//!
//! Which Partner Center:
//! 1. `partner_center.client_id` in config → the real service (device-code sign-in; the URL
//!    from `--partner-center-url`/config or Microsoft's).
//! 2. else `--partner-center-url URL` → a refdeck sandbox at that address (client credentials).
//! 3. else → a sandbox started in-process on loopback with demo referrals.
//!
//! Which Marketo: configured credentials → that instance; else `--marketo-url` → a sandbox
//! there; else the sandbox Partner Center uses (both APIs share one sandbox server); else none.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::app::{AppOptions, ViewSetup};
use crate::backend::auth::{DeviceCodePrompt, PcAuth};
use crate::backend::marketo::{MarketoClient, MarketoConfig};
use crate::backend::partner_center::{PartnerCenterClient, PcConfig};
use crate::backend::task::BackendConfig;
use crate::config::{self, Config, ConfigError};
use crate::protocol::{DeviceCode, Event};
use crate::sandbox::{SandboxConfig, SandboxHandle};
use crate::ui::keymap::Keymap;
use crate::ui::theme::Theme;

/// What the command line and environment say, before the config file is read.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub config: Option<PathBuf>,
    pub data_dir: Option<PathBuf>,
    pub partner_center_url: Option<String>,
    pub marketo_url: Option<String>,
    /// Demo referrals of the in-process sandbox.
    pub referrals: Option<usize>,
    pub seed: Option<u64>,
    pub log: Option<String>,
}

/// Why the app cannot start; each says what to fix.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("{}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))]
    Config(Vec<ConfigError>),
    #[error("{0}")]
    Invalid(String),
    #[error("the data directory {path} cannot be used: {message}; pick another with --data-dir")]
    DataDir { path: PathBuf, message: String },
    #[error("the sandbox could not start: {0}")]
    Sandbox(String),
    #[error("Partner Center client: {0}")]
    PartnerCenter(String),
    #[error("Marketo client: {0}")]
    Marketo(String),
}

/// The config file path in use.
pub fn config_path(o: &Overrides) -> Option<PathBuf> {
    o.config.clone().or_else(config::default_path)
}

/// Reads and checks the config file (defaults when it does not exist), and installs its rate
/// table for comparing deal values.
pub fn load_config(o: &Overrides) -> Result<Config, SetupError> {
    let config = match config_path(o) {
        Some(path) => Config::load(&path).map_err(SetupError::Config)?,
        None => Config::default(),
    };
    if let Ok(rates) = config.money() {
        crate::domain::money::install(rates);
    }
    Ok(config)
}

/// The dashboard's settings from the config (checked when loaded): its key map, its theme
/// (`no_color` forces mono), the split width, the mouse and the portal address.
pub fn app_options(config: &Config, no_color: bool) -> AppOptions {
    AppOptions {
        keymap: Keymap::with_overrides(&config.key_specs()).unwrap_or_default(),
        theme: Theme::select(config.ui.theme.get_ref(), no_color).unwrap_or_default(),
        split_min_width: config.ui.split_min_width,
        confirm_actions: config.ui.confirm_actions,
        undo_seconds: config.ui.undo_seconds,
        mouse: config.ui.mouse,
        portal_url: config.partner_center.portal_url.clone(),
        sandbox_url: None,
        views: ViewSetup {
            configured: configured_views(config),
            ..ViewSetup::default()
        },
        notify: config::NotifyStyle::parse(config.ui.notify.get_ref()).unwrap_or_default(),
    }
}

/// The shipped views with the config file's `[[views]]` over them (checked when the config
/// was loaded).
fn configured_views(config: &Config) -> Vec<crate::domain::view::View> {
    let own = config.checked_views(chrono::Utc::now()).unwrap_or_default();
    crate::domain::view::merge(crate::domain::view::defaults(), own)
}

/// The views in use: the shipped ones, the config file's over them, and the palette's
/// (`views.toml` beside the config file, where the palette saves). A damaged `views.toml` is
/// an error naming the file, the view and the field.
pub fn view_setup(config: &Config, o: &Overrides) -> Result<ViewSetup, SetupError> {
    let path = config_path(o).map(|p| crate::views_file::path_beside(&p));
    let saved = match &path {
        Some(p) => crate::views_file::SavedViews::load(p, chrono::Utc::now())
            .map_err(SetupError::Invalid)?,
        None => Default::default(),
    };
    Ok(ViewSetup {
        configured: configured_views(config),
        saved,
        path,
    })
}

/// The data directory: flag/env, then config, then the platform's.
pub fn data_dir(o: &Overrides, c: &Config) -> PathBuf {
    o.data_dir
        .clone()
        .or_else(|| c.data_dir.clone())
        .unwrap_or_else(config::default_data_dir)
}

/// Creates the data directory (owner-only) if needed.
pub fn ensure_data_dir(dir: &Path) -> Result<(), SetupError> {
    let err = |e: std::io::Error| SetupError::DataDir {
        path: dir.to_path_buf(),
        message: e.to_string(),
    };
    std::fs::create_dir_all(dir).map_err(err)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(err)?;
    }
    Ok(())
}

/// Logs go to `<data dir>/logs/refdeck.<date>.log`, never to the screen. Keep the guard alive
/// for the life of the program (dropping it flushes).
///
/// The logs directory is owner-only (0700) and the log files are created 0600 (today's before
/// the appender opens it, older ones are tightened); a file the appender starts at midnight in a
/// long run is protected by the directory's mode.
pub fn init_logging(
    dir: &Path,
    level: &str,
) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let logs = dir.join("logs");
    ensure_data_dir(&logs).ok()?;
    let today = format!("refdeck.{}.log", chrono::Utc::now().format("%Y-%m-%d"));
    crate::backend::secure_file::create_private(&logs.join(today)).ok()?;
    if let Ok(entries) = std::fs::read_dir(&logs) {
        for entry in entries.flatten() {
            if entry.file_name().to_string_lossy().starts_with("refdeck") {
                let _ = crate::backend::secure_file::restrict(&entry.path());
            }
        }
    }
    let appender = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix("refdeck")
        .filename_suffix("log")
        .max_log_files(7)
        .build(&logs)
        .ok()?;
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = tracing_subscriber::EnvFilter::try_new(level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .ok()?;
    Some(guard)
}

/// The running parts.
pub struct Wired {
    pub config: Config,
    pub data_dir: PathBuf,
    /// The in-process sandbox, when one was started (dropping it stops it).
    pub sandbox: Option<SandboxHandle>,
    pub backend: BackendConfig,
}

/// The origin (`scheme://host:port`) of a URL.
fn origin(u: &url::Url) -> String {
    let mut s = format!("{}://{}", u.scheme(), u.host_str().unwrap_or(""));
    if let Some(p) = u.port() {
        s.push_str(&format!(":{p}"));
    }
    s
}

fn host_label(u: &str) -> String {
    url::Url::parse(u)
        .ok()
        .and_then(|u| {
            u.host_str().map(|h| match u.port() {
                Some(p) => format!("{h}:{p}"),
                None => h.to_string(),
            })
        })
        .unwrap_or_else(|| u.to_string())
}

/// Builds everything; `events` receives the device-code prompt when a sign-in needs the user.
pub async fn wire(
    o: &Overrides,
    config: Config,
    events: Option<tokio::sync::mpsc::UnboundedSender<Event>>,
) -> Result<Wired, SetupError> {
    let dir = data_dir(o, &config);
    ensure_data_dir(&dir)?;
    let pc_url = o
        .partner_center_url
        .clone()
        .or_else(|| config.partner_center.url.clone());
    let pc_section = &config.partner_center;
    let rate = (
        pc_section.rate_limit_calls,
        Duration::from_secs(pc_section.rate_limit_window_secs),
    );

    let mut sandbox = None;
    let (pc_cfg, pc_label, sandbox_origin) = match (&pc_section.client_id, &o.partner_center_url) {
        (Some(client_id), _) => {
            let base = pc_url
                .clone()
                .unwrap_or_else(|| config::PARTNER_CENTER_URL.to_string());
            config::check_url(&base)
                .map_err(|e| SetupError::Invalid(format!("partner_center.url: {e}")))?;
            let mut cfg = PcConfig::new(
                base,
                PcAuth::DeviceCode {
                    authority: format!(
                        "{}/{}",
                        pc_section.authority.trim_end_matches('/'),
                        pc_section.tenant
                    ),
                    client_id: client_id.clone(),
                    scope: pc_section.scope.clone(),
                    cache_path: dir.join("token-cache.json"),
                },
            );
            if let Some(tx) = events.clone() {
                cfg.prompt = Some(Arc::new(move |p: DeviceCodePrompt| {
                    let _ = tx.send(Event::DeviceCode(DeviceCode {
                        user_code: p.user_code,
                        verification_uri: p.verification_uri,
                        message: p.message,
                    }));
                }));
            }
            (cfg, pc_section.tenant.clone(), None)
        }
        (None, Some(url)) => {
            let parsed = config::check_url(url)
                .map_err(|e| SetupError::Invalid(format!("--partner-center-url: {e}")))?;
            let origin = origin(&parsed);
            (
                PcConfig::sandbox(&origin),
                format!("sandbox at {}", host_label(url)),
                Some(origin),
            )
        }
        (None, None) => {
            let handle = crate::sandbox::start(SandboxConfig {
                referrals: o.referrals.unwrap_or(config.sandbox.referrals),
                seed: o.seed.unwrap_or(config.sandbox.seed),
                marketo_mapping: config.marketo.mapping.clone(),
                ..SandboxConfig::default()
            })
            .await
            .map_err(|e| SetupError::Sandbox(e.to_string()))?;
            let base = handle.base_url();
            sandbox = Some(handle);
            (PcConfig::sandbox(&base), "sandbox".to_string(), Some(base))
        }
    };
    let mut pc_cfg = pc_cfg;
    pc_cfg.rate_limit = rate;
    let source = pc_cfg.base_url.clone();
    let pc =
        PartnerCenterClient::new(pc_cfg).map_err(|e| SetupError::PartnerCenter(e.to_string()))?;

    let m = &config.marketo;
    let marketo_target = if m.has_credentials() {
        let url = o
            .marketo_url
            .clone()
            .or_else(|| m.url.clone())
            .unwrap_or_default();
        Some((
            url.clone(),
            m.client_id.clone().unwrap_or_default(),
            m.secret().unwrap_or_default(),
            host_label(&url),
        ))
    } else if let Some(url) = &o.marketo_url {
        config::check_url(url).map_err(|e| SetupError::Invalid(format!("--marketo-url: {e}")))?;
        Some((
            url.clone(),
            "refdeck".into(),
            "sandbox".into(),
            format!("sandbox at {}", host_label(url)),
        ))
    } else {
        sandbox_origin.map(|o| {
            (
                o,
                "refdeck".to_string(),
                "sandbox".to_string(),
                "sandbox".to_string(),
            )
        })
    };
    let (marketo, marketo_label) = match marketo_target {
        Some((url, id, secret, label)) => {
            let mut cfg = MarketoConfig::new(url, id, secret);
            cfg.mapping = m.mapping.clone();
            cfg.max_calls = m.rate_limit_calls;
            cfg.window = std::time::Duration::from_secs(m.rate_limit_window_secs);
            cfg.max_in_flight = m.max_concurrent;
            let client = MarketoClient::new(cfg).map_err(|e| SetupError::Marketo(e.to_string()))?;
            (Some(client), label)
        }
        None => (None, "not configured".to_string()),
    };
    let refresh = config.ui.refresh_interval_secs;
    Ok(Wired {
        backend: BackendConfig {
            partner_center: Some(pc),
            partner_center_label: pc_label,
            source,
            marketo,
            marketo_label,
            store_path: Some(dir.join(crate::backend::store::FILE_NAME)),
            refresh_every: (refresh > 0).then(|| Duration::from_secs(refresh)),
            marketo_slice: crate::backend::task::MARKETO_SLICE,
        },
        config,
        data_dir: dir,
        sandbox,
    })
}
