//! `tcscale browse --json`: the CLB tree (CLBs → listeners → targets with
//! health, and the bound instances) for scripts. Without `--json`, `main`
//! starts the interactive browser ([`crate::tui::browse`]).

use clap::Args;

use super::session::client_for;
use super::GlobalOpts;
use crate::scaleout::browse_tree;

#[derive(Debug, Args)]
pub struct BrowseArgs {
    /// Print the tree as JSON and exit.
    #[arg(long)]
    pub json: bool,
}

pub fn run(global: &GlobalOpts, _args: BrowseArgs) -> i32 {
    let lang = global.ui_lang();
    super::session::block_on_logged(async {
        let (client, sim) = match client_for(global, lang).await {
            Ok(x) => x,
            Err(e) => {
                eprintln!("tcscale: {e}");
                return 2;
            }
        };
        let code = match browse_tree::load_tree(&client).await {
            Ok(tree) => {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&tree).unwrap_or_default()
                );
                0
            }
            Err(e) => {
                eprint!("{}", super::api::error_report(&e, lang));
                1
            }
        };
        if let Some(sim) = sim {
            sim.shutdown().await;
        }
        code
    })
}
