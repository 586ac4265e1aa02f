//! The binary: the command line picks a subcommand ([`tcscale::cli`]) or,
//! without one, the wizard ([`tcscale::tui`]); `browse` without `--json`
//! is the wizard's interactive browser.

use tcscale::cli::{self, Command};

fn main() {
    let code = match cli::parse() {
        Err(code) => code,
        Ok((global, None)) => tcscale::tui::run(&global),
        Ok((global, Some(Command::Browse(args)))) if !args.json => tcscale::tui::browse(&global),
        Ok((global, Some(command))) => cli::run(&global, command),
    };
    std::process::exit(code);
}
