//! `tcscale sim`: the simulator as a standalone server.

use clap::Args;

use super::GlobalOpts;

#[derive(Debug, Args)]
pub struct SimArgs {}

pub fn run(_global: &GlobalOpts, _args: SimArgs) -> i32 {
    eprintln!("not built yet");
    2
}
