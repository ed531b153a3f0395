//! The `refdeck` command line: parsing and wiring only; the work lives in the library.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, CommandFactory, Parser, Subcommand};
use refdeck::sandbox::{self, SandboxConfig};

/// A keyboard-driven dashboard for Partner Center co-sell referrals and their Marketo sync.
#[derive(Debug, Parser)]
#[command(name = "refdeck", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the loopback sandbox (Partner Center Referrals API, sign-in, Marketo REST API).
    Sandbox(SandboxArgs),
}

#[derive(Debug, Args)]
struct SandboxArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:0")]
    addr: SocketAddr,
    /// Number of demo referrals to generate.
    #[arg(long, default_value_t = 200)]
    referrals: usize,
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

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Sandbox(args)) => run_sandbox(args).await,
        None => {
            let _ = Cli::command().print_help();
            ExitCode::SUCCESS
        }
    }
}

async fn run_sandbox(args: SandboxArgs) -> ExitCode {
    init_stderr_logging();
    if let Err(message) = sandbox::server::check_addr(args.addr, args.allow_remote) {
        eprintln!("refdeck: {message}");
        return ExitCode::from(2);
    }
    let cfg = SandboxConfig {
        addr: args.addr,
        referrals: args.referrals,
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
