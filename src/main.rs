//! The `refdeck` command line: parsing and wiring only; the work lives in the library.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, CommandFactory, Parser, Subcommand};
use refdeck::app::App;
use refdeck::sandbox::{self, SandboxConfig};
use refdeck::script;
use refdeck::setup::{self, Overrides};

/// A keyboard-driven dashboard for Partner Center co-sell referrals and their Marketo sync.
///
/// With no credentials configured, refdeck starts its sandbox in-process and shows demo data.
#[derive(Debug, Parser)]
#[command(name = "refdeck", version, about)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Args)]
struct Global {
    /// The config file (default: refdeck.toml in the platform config dir).
    #[arg(long, env = "REFDECK_CONFIG", global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Where the local store, token cache and logs live.
    #[arg(long, env = "REFDECK_DATA_DIR", global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Partner Center Referrals API base (without credentials: a refdeck sandbox there).
    #[arg(
        long,
        env = "REFDECK_PARTNER_CENTER_URL",
        global = true,
        value_name = "URL"
    )]
    partner_center_url: Option<String>,
    /// Marketo REST base (without credentials: a refdeck sandbox there).
    #[arg(long, env = "REFDECK_MARKETO_URL", global = true, value_name = "URL")]
    marketo_url: Option<String>,
    /// Demo referrals of the in-process sandbox (default 500).
    #[arg(long, value_name = "N")]
    referrals: Option<usize>,
    /// Log filter (error, warn, info, debug, trace); overrides `[log] level`.
    #[arg(long, env = "REFDECK_LOG", global = true, value_name = "LEVEL")]
    log: Option<String>,
}

impl Global {
    fn overrides(&self) -> Overrides {
        Overrides {
            config: self.config.clone(),
            data_dir: self.data_dir.clone(),
            partner_center_url: self.partner_center_url.clone(),
            marketo_url: self.marketo_url.clone(),
            referrals: self.referrals,
            seed: None,
            log: self.log.clone(),
        }
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the loopback sandbox (Partner Center Referrals API, sign-in, Marketo REST API).
    Sandbox(SandboxArgs),
    /// Check or locate the config file.
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
    /// Wipe the cached customer data (referrals, Marketo reports) from the local store.
    Purge(PurgeArgs),
    /// Work with referrals from scripts (same backends as the dashboard).
    Referrals {
        #[command(subcommand)]
        action: ReferralsAction,
    },
    /// Check referrals in Marketo from scripts.
    Marketo {
        #[command(subcommand)]
        action: MarketoAction,
    },
    /// Check the configuration against the services: sign-in, a list call and its nextLink,
    /// the Marketo identity, the MSI feature, native-CRM mode and the call budgets.
    Doctor,
    /// Print shell completions.
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Subcommand)]
enum ConfigAction {
    /// Report every problem in the config file, by line.
    Check,
    /// Print where the config file is read from.
    Path,
    /// Print the documented example config (every option with its default).
    Example,
}

#[derive(Debug, Subcommand)]
enum ReferralsAction {
    /// List referrals: an aligned table, or every field as JSON or CSV.
    List {
        /// The dashboard's filter language, e.g. `status:new value>10k contoso`.
        #[arg(long, short, value_name = "FILTER")]
        filter: Option<String>,
        /// A saved view of the dashboard (its filter and sort); `--filter` narrows it.
        #[arg(long, value_name = "NAME")]
        view: Option<String>,
        /// A JSON array of full referrals.
        #[arg(long, conflicts_with = "csv")]
        json: bool,
        /// CSV with a header row.
        #[arg(long)]
        csv: bool,
    },
    /// Print one referral as JSON.
    Get {
        /// The referral's id.
        id: String,
    },
    /// Change one editable field and print its new value.
    ///
    /// PATH is a JSON Pointer such as /name, /details/currency or /favorite; VALUE is read as
    /// JSON when it parses (42, true, "text", {...}), else as plain text. A status change is
    /// one value: `set ID /status Closed/Won`.
    Set {
        /// The referral's id.
        id: String,
        /// JSON Pointer of an editable field.
        path: String,
        /// The new value (may start with `-`, e.g. -5).
        #[arg(allow_hyphen_values = true)]
        value: String,
    },
    /// Accept referrals (New → Active/Accepted), one PATCH with If-Match each; prints one line
    /// per id (exit 1 when any was refused).
    Accept {
        /// The referrals' ids.
        #[arg(required = true)]
        ids: Vec<String>,
        /// Print what would be sent (or why an id is skipped) and send nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Decline referrals (→ Closed/Declined) with one reason for all; prints one line per id
    /// (exit 1 when any was refused).
    Decline {
        /// The referrals' ids.
        #[arg(required = true)]
        ids: Vec<String>,
        /// One of the documented reasons ("Budget insufficient", "Customer unresponsive",
        /// "Chose another vendor", "Requirements not met", "Not a customer", "Timeline too
        /// short", "Spam"), or "Other: some words".
        #[arg(long, short)]
        reason: String,
        /// Print what would be sent (or why an id is skipped) and send nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Subcommand)]
enum MarketoAction {
    /// Where referrals stand in Marketo: the five steps of each, then a summary.
    Check {
        /// One referral; every referral when left out.
        id: Option<String>,
    },
}

#[derive(Debug, Args)]
struct PurgeArgs {
    /// Also drop unsent edits from the outbox (they are kept otherwise).
    #[arg(long)]
    include_outbox: bool,
    /// Do not ask.
    #[arg(long, short)]
    yes: bool,
}

#[derive(Debug, Args)]
struct SandboxArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:0")]
    addr: SocketAddr,
    /// Number of demo referrals to generate.
    #[arg(long = "referrals", default_value_t = 200)]
    count: usize,
    /// Seed of the demo data (same seed, same referrals).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Allow listening on a non-loopback address.
    #[arg(long)]
    allow_remote: bool,
    /// Partner Center calls allowed per token per 60 seconds.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..))]
    rate_limit: u64,
}

fn main() -> ExitCode {
    refdeck::memory::cap_malloc_arenas();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("refdeck: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let o = cli.global.overrides();
    match cli.command {
        None => runtime.block_on(run_dashboard(o)),
        Some(Command::Sandbox(args)) => runtime.block_on(run_sandbox(args)),
        Some(Command::Config { action }) => config_command(&o, action),
        Some(Command::Purge(args)) => purge(&o, args),
        Some(Command::Referrals { action }) => {
            runtime.block_on(run_script(o, Script::Referrals(action)))
        }
        Some(Command::Marketo { action }) => {
            runtime.block_on(run_script(o, Script::Marketo(action)))
        }
        Some(Command::Doctor) => runtime.block_on(run_script(o, Script::Doctor)),
        Some(Command::Completions { shell }) => {
            clap_complete::generate(shell, &mut Cli::command(), "refdeck", &mut script::stdout());
            ExitCode::SUCCESS
        }
    }
}

/// `println!` to [`script::stdout`]: a reader that went away (`| head`) ends the output quietly;
/// any other failure to write is reported.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(script::stdout(), $($arg)*) {
            eprintln!("refdeck: cannot write the output: {e}");
        }
    }};
}

/// Prints an error that stops the program before the terminal is touched.
fn fail(e: impl std::fmt::Display) -> ExitCode {
    eprintln!("refdeck: {e}");
    ExitCode::from(2)
}

/// The log guard; dropping it flushes the log file.
type LogGuard = Option<tracing_appender::non_blocking::WorkerGuard>;

/// Reads the config, prepares the data directory and starts file logging: what the dashboard
/// and the scripting subcommands share before wiring.
fn start(o: &Overrides) -> Result<(refdeck::config::Config, LogGuard), ExitCode> {
    let config = setup::load_config(o).map_err(|e| {
        fail(format!(
            "{e}\n(fix the file, or check it with `refdeck config check`)"
        ))
    })?;
    let dir = setup::data_dir(o, &config);
    setup::ensure_data_dir(&dir).map_err(fail)?;
    let level = o.log.clone().unwrap_or_else(|| config.log.level.clone());
    refdeck::config::check_log_level(&level).map_err(|e| fail(format!("--log: {e}")))?;
    Ok((config, setup::init_logging(&dir, &level)))
}

async fn run_dashboard(o: Overrides) -> ExitCode {
    let (config, _log) = match start(&o) {
        Ok(started) => started,
        Err(code) => return code,
    };
    if let Err(e) = refdeck::tui::install_hooks() {
        return fail(format!("cannot install the error hooks: {e}"));
    }
    tracing::info!(version = env!("CARGO_PKG_VERSION"), "refdeck starting");
    let mut options = setup::app_options(&config, refdeck::ui::theme::no_color_requested());
    options.views = match setup::view_setup(&config, &o) {
        Ok(v) => v,
        Err(e) => return fail(e),
    };
    let (cmd_tx, cmd_rx) = tokio::sync::mpsc::unbounded_channel();
    let (ev_tx, ev_rx) = tokio::sync::mpsc::unbounded_channel();
    let wired = match setup::wire(&o, config, Some(ev_tx.clone())).await {
        Ok(w) => w,
        Err(e) => return fail(e),
    };
    options.sandbox_url = wired.sandbox.as_ref().map(|s| s.base_url());
    let backend = refdeck::backend::task::spawn(wired.backend, cmd_rx, ev_tx);
    let mut app = App::new(options, chrono::Utc::now());
    if let Some(url) = app.options.sandbox_url.clone() {
        tracing::info!(%url, "in-process sandbox listening");
        app.notify(
            refdeck::protocol::Level::Info,
            format!("demo data from the sandbox at {url}"),
        );
    }
    let mut terminal = match refdeck::tui::init_terminal(app.options.mouse) {
        Ok(t) => t,
        Err(e) => {
            refdeck::tui::restore_terminal();
            return fail(format!("this terminal cannot run the dashboard: {e}"));
        }
    };
    let result = refdeck::tui::run(&mut terminal, &mut app, cmd_tx, ev_rx).await;
    refdeck::tui::restore_terminal();
    // The outbox is on disk already; give the backend a moment to finish what is in flight.
    let _ = tokio::time::timeout(Duration::from_secs(2), backend).await;
    if let Some(sandbox) = wired.sandbox {
        sandbox.shutdown().await;
    }
    match result {
        Ok(()) => {
            tracing::info!("refdeck stopped");
            ExitCode::SUCCESS
        }
        Err(e) => {
            tracing::error!("{e:?}");
            eprintln!("refdeck: {e:?}");
            ExitCode::FAILURE
        }
    }
}

/// A scripting subcommand.
enum Script {
    Referrals(ReferralsAction),
    /// `referrals list --view NAME`, with the views in use.
    ReferralsView {
        filter: Option<String>,
        view: (String, Vec<refdeck::domain::view::View>),
        json: bool,
        csv: bool,
    },
    Marketo(MarketoAction),
    Doctor,
}

async fn run_script(o: Overrides, script: Script) -> ExitCode {
    let (config, _log) = match start(&o) {
        Ok(started) => started,
        Err(code) => return code,
    };
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        "refdeck script starting"
    );
    // A sign-in that needs the user shows its prompt on stderr.
    let (ev_tx, mut ev_rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(event) = ev_rx.recv().await {
            if let refdeck::protocol::Event::DeviceCode(code) = event {
                eprintln!("{}", code.message);
            }
        }
    });
    // `referrals list --view NAME` reads the dashboard's views (config and views.toml).
    let script = match script {
        Script::Referrals(ReferralsAction::List {
            filter,
            view: Some(name),
            json,
            csv,
        }) => match setup::view_setup(&config, &o) {
            Ok(views) => Script::ReferralsView {
                filter,
                view: (name, views.effective()),
                json,
                csv,
            },
            Err(e) => return fail(e),
        },
        other => other,
    };
    let wired = match setup::wire(&o, config, Some(ev_tx)).await {
        Ok(w) => w,
        Err(e) => return fail(e),
    };
    let result = match &wired.backend.partner_center {
        Some(pc) => script_command(pc, wired.backend.marketo.as_ref(), script).await,
        None => Err(script::ScriptError::failed(
            "Partner Center is not configured",
        )),
    };
    if let Some(sandbox) = wired.sandbox {
        sandbox.shutdown().await;
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::warn!(code = e.code, "script failed: {}", e.message);
            eprintln!("refdeck: {e}");
            ExitCode::from(e.code)
        }
    }
}

async fn script_command(
    pc: &refdeck::backend::partner_center::PartnerCenterClient,
    marketo: Option<&refdeck::backend::marketo::MarketoClient>,
    command: Script,
) -> Result<(), script::ScriptError> {
    let mut out = script::stdout();
    match command {
        Script::Referrals(ReferralsAction::List {
            filter, json, csv, ..
        }) => {
            let format = script::ListFormat::of(json, csv);
            script::list(pc, filter.as_deref(), format, chrono::Utc::now(), &mut out).await
        }
        Script::ReferralsView {
            filter,
            view: (name, views),
            json,
            csv,
        } => {
            let view = script::find_view(&views, &name)?;
            let format = script::ListFormat::of(json, csv);
            let now = chrono::Utc::now();
            script::list_view(pc, view, filter.as_deref(), format, now, &mut out).await
        }
        Script::Referrals(ReferralsAction::Get { id }) => script::get(pc, &id, &mut out).await,
        Script::Referrals(ReferralsAction::Set { id, path, value }) => {
            script::set(pc, &id, &path, &value, &mut out).await
        }
        Script::Referrals(ReferralsAction::Accept { ids, dry_run }) => {
            let change = refdeck::domain::bulk::BulkMove::Accept;
            script::move_many(pc, &ids, &change, dry_run, &mut out).await
        }
        Script::Referrals(ReferralsAction::Decline {
            ids,
            reason,
            dry_run,
        }) => {
            let reason = refdeck::domain::bulk::decline_reason(&reason)
                .map_err(script::ScriptError::usage)?;
            let change = refdeck::domain::bulk::BulkMove::Decline { reason };
            script::move_many(pc, &ids, &change, dry_run, &mut out).await
        }
        Script::Marketo(MarketoAction::Check { id }) => {
            script::marketo_check(pc, marketo, id.as_deref(), &mut out).await
        }
        Script::Doctor => {
            let mut checks = refdeck::doctor::partner_center(pc).await;
            checks.extend(refdeck::doctor::marketo(marketo).await);
            refdeck::doctor::write(&mut out, &checks).map_err(|e| {
                script::ScriptError::failed(format!("cannot write the report: {e}"))
            })?;
            if refdeck::doctor::passed(&checks) {
                Ok(())
            } else {
                Err(script::ScriptError::failed(
                    "some checks failed; each FAIL line says how to fix it",
                ))
            }
        }
    }
}

async fn run_sandbox(args: SandboxArgs) -> ExitCode {
    init_stderr_logging();
    if let Err(message) = sandbox::server::check_addr(args.addr, args.allow_remote) {
        return fail(message);
    }
    let cfg = SandboxConfig {
        addr: args.addr,
        referrals: args.count,
        seed: args.seed,
        rate_limit_calls: args.rate_limit as usize,
        rate_limit_window: Duration::from_secs(60),
        ..SandboxConfig::default()
    };
    match sandbox::server::run_until_stopped(cfg, &mut std::io::stdout()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("refdeck: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The sandbox logs to stderr, quietly unless `RUST_LOG` asks for more.
fn init_stderr_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

fn config_command(o: &Overrides, action: ConfigAction) -> ExitCode {
    let path = setup::config_path(o);
    match action {
        ConfigAction::Path => match path {
            Some(p) => {
                say!("{}", p.display());
                ExitCode::SUCCESS
            }
            None => fail("no config directory is known on this platform; pass --config FILE"),
        },
        ConfigAction::Example => {
            say!(
                "{}",
                include_str!("../assets/config.example.toml").trim_end()
            );
            ExitCode::SUCCESS
        }
        ConfigAction::Check => {
            let Some(path) = path else {
                return fail("no config directory is known on this platform; pass --config FILE");
            };
            if !path.exists() {
                say!(
                    "{}: no such file; the defaults apply (see `refdeck config example`)",
                    path.display()
                );
                return ExitCode::SUCCESS;
            }
            match refdeck::config::Config::load(&path) {
                Ok(_) => {
                    say!("{}: ok", path.display());
                    ExitCode::SUCCESS
                }
                Err(errors) => {
                    for e in &errors {
                        eprintln!("{e}");
                    }
                    eprintln!("{} problem(s) found", errors.len());
                    ExitCode::from(1)
                }
            }
        }
    }
}

fn purge(o: &Overrides, args: PurgeArgs) -> ExitCode {
    let config = match setup::load_config(o) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let dir = setup::data_dir(o, &config);
    let path = dir.join(refdeck::backend::store::FILE_NAME);
    if !path.exists() {
        say!("nothing to purge: {} does not exist", path.display());
        return ExitCode::SUCCESS;
    }
    let mut store = match refdeck::backend::store::Store::open(&path) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let (count, unsent) = (store.count().unwrap_or(0), store.outbox_len().unwrap_or(0));
    if !args.yes {
        eprint!(
            "wipe {count} cached referrals{} from {}? [y/N] ",
            if args.include_outbox {
                format!(" and {unsent} unsent edits")
            } else {
                String::new()
            },
            path.display()
        );
        let mut answer = String::new();
        if std::io::stdin().read_line(&mut answer).is_err()
            || !answer.trim().eq_ignore_ascii_case("y")
        {
            eprintln!("nothing was changed");
            return ExitCode::from(1);
        }
    }
    match store.purge(args.include_outbox) {
        Ok(()) => {
            let _ = std::fs::remove_file(dir.join("token-cache.json"));
            say!(
                "purged {count} cached referrals{}",
                if args.include_outbox || unsent == 0 {
                    String::new()
                } else {
                    format!("; {unsent} unsent edits kept (add --include-outbox to drop them)")
                }
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}
