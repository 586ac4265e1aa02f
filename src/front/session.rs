//! What every cloud-calling command does before its own work: find the
//! credentials the global options point at, build a client in the UI
//! language, and run the async part with the log file set up.

use std::future::Future;

use super::GlobalOpts;
use crate::cloud::credentials::{resolve, CredentialEnv, ExplicitCredentials, Resolved};
use crate::cloud::{Client, ClientConfig, Credential, Secret};
use crate::i18n::Lang;

/// The credentials given on the command line (flags win over the chain).
pub fn explicit_credentials(global: &GlobalOpts) -> ExplicitCredentials {
    ExplicitCredentials {
        secret_id: global.secret_id.clone(),
        secret_key: global.secret_key.clone().map(Secret::new),
        token: None,
        region: global.region.clone(),
        profile: global.profile.clone(),
    }
}

/// The credential chain (flags, env, tccli profile, config) for `global`,
/// its error already in the UI language.
pub fn resolve_chain(global: &GlobalOpts, lang: Lang) -> Result<Resolved, String> {
    resolve(
        &explicit_credentials(global),
        &CredentialEnv::from_process(),
    )
    .map_err(|e| e.message(lang))
}

/// A client whose error messages come back in the UI language.
pub fn client(
    credential: Credential,
    region: &str,
    endpoint: Option<String>,
    lang: Lang,
) -> Result<Client, String> {
    let config = ClientConfig::new(credential, region)
        .with_endpoint(endpoint)
        .with_language(Some(lang.code().to_string()));
    Client::new(config).map_err(|e| e.to_string())
}

/// A client on the credential chain, and the region it resolved to.
pub fn chain_client(global: &GlobalOpts, lang: Lang) -> Result<(Client, String), String> {
    let resolved = resolve_chain(global, lang)?;
    let client = client(
        resolved.credential,
        &resolved.region,
        global.endpoint.clone(),
        lang,
    )?;
    Ok((client, resolved.region))
}

/// The async runtime the commands share (two workers: the machine may be small).
pub fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))
}

/// Sends tracing output to the per-run log file (never to the terminal).
pub fn init_log() {
    if let Some(path) = crate::cloud::audit::default_log_path() {
        let _ = crate::cloud::audit::init_logging(&path);
    }
}

/// Runs a command's async part with the log set up; exit code 2 when the
/// runtime cannot start.
pub fn block_on_logged(work: impl Future<Output = i32>) -> i32 {
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("{e}");
            return 2;
        }
    };
    init_log();
    rt.block_on(work)
}

/// A client for the global options: the sandbox (started in-process, kept
/// alive by the returned handle) or the credential chain.
pub async fn client_for(
    global: &GlobalOpts,
    lang: Lang,
) -> Result<(Client, Option<crate::sim::sandbox::Sandbox>), String> {
    if global.sandbox {
        // The user's own sandbox world, as the wizard and apply left it.
        let sim = crate::sim::sandbox::Sandbox::start(1.0, true).await?;
        if let Some(line) = sim.notice(lang) {
            eprintln!("{line}");
        }
        let region = global
            .region
            .clone()
            .unwrap_or_else(|| crate::cloud::credentials::DEFAULT_REGION.to_string());
        let client = client(sim.credential(), &region, Some(sim.endpoint()), lang)?;
        return Ok((client, Some(sim)));
    }
    let (client, _region) = chain_client(global, lang)?;
    Ok((client, None))
}
