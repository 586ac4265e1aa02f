//! The command line: `tcscale` (the wizard), and its subcommands. Each
//! subcommand lives in its own file and gets the parsed global options.

use clap::{Parser, Subcommand};

pub mod api;
pub mod apply;
pub mod browse;
pub mod config;
pub mod runs;
pub mod sim;
pub mod usage;

pub use crate::front::{session, GlobalOpts};

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

/// The command line, parsed and checked: the global options and the
/// subcommand (none: the wizard, which `main` starts). Err: the exit code
/// of a usage error, already printed.
pub fn parse() -> Result<(GlobalOpts, Option<Command>), i32> {
    let cli = Cli::parse();
    // Bad option values are usage errors before anything runs.
    let mut global = cli.global;
    if let Err(e) = usage::check_global(&global)
        .and_then(|()| usage::read_secret_key_file(&mut global, std::io::stdin()))
    {
        eprintln!("{e}");
        return Err(2);
    }
    Ok((global, cli.command))
}

/// Runs one subcommand; returns the process exit code.
pub fn run(global: &GlobalOpts, command: Command) -> i32 {
    match command {
        Command::Api(args) => api::run(global, args),
        Command::Sim(args) => sim::run(global, args),
        Command::Apply(args) => apply::run(global, args),
        Command::Runs(args) => runs::run_list(global, args),
        Command::Resume(args) => runs::run_resume(global, args),
        Command::Cleanup(args) => runs::run_cleanup(global, args),
        Command::Browse(args) => browse::run(global, args),
        Command::Config(args) => config::run(global, args),
    }
}
