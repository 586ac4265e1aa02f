//! `tcscale browse`: the CLB browser. `--json` prints the tree (CLBs →
//! listeners → targets with health, and the bound instances) for scripts;
//! without it, the interactive browser.

use clap::Args;

use super::session::{self, chain_client};
use super::GlobalOpts;
use crate::cloud::Client;
use crate::i18n::{tf, Lang};
use crate::scaleout::browse_tree;
use crate::sim::sandbox::Sandbox;

#[derive(Debug, Args)]
pub struct BrowseArgs {
    /// Print the tree as JSON and exit.
    #[arg(long)]
    pub json: bool,
}

/// A client for the global options: the sandbox (started in-process, kept
/// alive by the returned handle) or the credential chain.
pub async fn client_for(
    global: &GlobalOpts,
    lang: Lang,
) -> Result<(Client, Option<Sandbox>), String> {
    if global.sandbox {
        // The user's own sandbox world, as the wizard and apply left it.
        let sim = Sandbox::start(1.0, true).await?;
        if let Some(line) = sim.notice(lang) {
            eprintln!("{line}");
        }
        let region = global
            .region
            .clone()
            .unwrap_or_else(|| crate::cloud::credentials::DEFAULT_REGION.to_string());
        let client = session::client(sim.credential(), &region, Some(sim.endpoint()), lang)?;
        return Ok((client, Some(sim)));
    }
    let (client, _region) = chain_client(global, lang)?;
    Ok((client, None))
}

pub fn run(global: &GlobalOpts, args: BrowseArgs) -> i32 {
    let lang = global
        .lang
        .as_deref()
        .and_then(Lang::parse)
        .unwrap_or_else(Lang::from_env);
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("tcscale: {e}");
            return 1;
        }
    };
    rt.block_on(async {
        let (client, sim) = match client_for(global, lang).await {
            Ok(x) => x,
            Err(e) => {
                eprintln!("tcscale: {e}");
                return 2;
            }
        };
        let code = if args.json {
            match browse_tree::load_tree(&client).await {
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
            }
        } else {
            match crate::tui::screens::browse::run_standalone(client, lang).await {
                Ok(()) => 0,
                Err(e) => {
                    eprintln!("{}", tf(lang, "browse.failed", &[("error", &e)]));
                    1
                }
            }
        };
        if let Some(sim) = sim {
            sim.shutdown().await;
        }
        code
    })
}
