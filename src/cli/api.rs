//! `tcscale api SERVICE ACTION [JSON]`: one raw call, like tccli.

use clap::Args;

use super::GlobalOpts;

#[derive(Debug, Args)]
pub struct ApiArgs {
    /// cvm, clb, vpc, as, tat or tag
    pub service: String,
    /// e.g. DescribeInstances
    pub action: String,
    /// Request parameters as a JSON object (default {})
    pub json: Option<String>,
}

pub fn run(_global: &GlobalOpts, _args: ApiArgs) -> i32 {
    eprintln!("not built yet");
    2
}
