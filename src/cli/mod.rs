//! The command line: `tcscale` (the wizard), and its subcommands. Each
//! subcommand lives in its own file and gets the parsed global options.

use clap::{Args, Parser, Subcommand};

pub mod api;
pub mod apply;
pub mod browse;
pub mod config;
pub mod runs;
pub mod session;
pub mod sim;
pub mod usage;

/// Options every command understands, as tccli users expect them.
#[derive(Debug, Clone, Args, Default)]
pub struct GlobalOpts {
    /// Region, e.g. ap-guangzhou (else TENCENTCLOUD_REGION, the profile, the config).
    #[arg(long, global = true)]
    pub region: Option<String>,
    /// Send every call to this URL instead of <service>.tencentcloudapi.com (the simulator, a proxy).
    #[arg(long, global = true)]
    pub endpoint: Option<String>,
    /// tccli profile name (else TCCLI_PROFILE, else "default").
    #[arg(long, global = true)]
    pub profile: Option<String>,
    /// SecretId (prefer the environment or a profile: flags end up in shell history).
    #[arg(long, global = true, hide = true)]
    pub secret_id: Option<String>,
    /// SecretKey (prefer the environment or a profile).
    #[arg(long, global = true, hide = true)]
    pub secret_key: Option<String>,
    /// Read the SecretKey from this file's first line (`-`: from stdin), so
    /// it is not on the command line, where other users can see it.
    #[arg(long, global = true)]
    pub secret_key_file: Option<std::path::PathBuf>,
    /// Use the built-in simulated cloud instead of a real account.
    #[arg(long, global = true)]
    pub sandbox: bool,
    /// UI language: en or zh-CN (else LANG / LC_ALL, else the config).
    #[arg(long, global = true)]
    pub lang: Option<String>,
}

#[derive(Debug, Parser)]
#[command(
    name = "tcscale",
    version,
    about = "Scale a WeChat mini-program backend on Tencent Cloud out to a cluster behind load balancers"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalOpts,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Call one API action and print its Response as JSON (like tccli).
    Api(api::ApiArgs),
    /// Run the simulated Tencent Cloud on loopback.
    Sim(sim::SimArgs),
    /// Perform a scale-out plan file without the TUI (prints the plan without --yes).
    Apply(apply::ApplyArgs),
    /// List the journaled scale-out runs.
    Runs(runs::RunsArgs),
    /// Continue an interrupted run.
    Resume(runs::ResumeArgs),
    /// Delete what a run created (lists it without --yes).
    Cleanup(runs::CleanupArgs),
    /// Browse load balancers, listeners and targets with live health (--json for scripts).
    Browse(browse::BrowseArgs),
    /// Show or change tcscale's settings file (path, show, set KEY VALUE).
    Config(config::ConfigArgs),
}

/// Entry point of the binary; returns the process exit code.
pub fn main() -> i32 {
    let cli = Cli::parse();
    // Bad option values are usage errors before anything runs.
    let mut global = cli.global;
    if let Err(e) = usage::check_global(&global)
        .and_then(|()| usage::read_secret_key_file(&mut global, std::io::stdin()))
    {
        eprintln!("{e}");
        return 2;
    }
    let global = &global;
    match cli.command {
        Some(Command::Api(args)) => api::run(global, args),
        Some(Command::Sim(args)) => sim::run(global, args),
        Some(Command::Apply(args)) => apply::run(global, args),
        Some(Command::Runs(args)) => runs::run_list(global, args),
        Some(Command::Resume(args)) => runs::run_resume(global, args),
        Some(Command::Cleanup(args)) => runs::run_cleanup(global, args),
        Some(Command::Browse(args)) => browse::run(global, args),
        Some(Command::Config(args)) => config::run(global, args),
        None => crate::tui::run(global),
    }
}
