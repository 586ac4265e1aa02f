//! What both front ends (the command line in [`crate::cli`] and the wizard
//! in [`crate::tui`]) share, so that neither imports the other: the global
//! options, the session setup (credentials, client, log, sandbox) and the
//! engine's progress as words.

use clap::Args;

pub mod progress;
pub mod session;

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

impl GlobalOpts {
    /// The language to speak: `--lang`, else LANG / LC_ALL.
    pub fn ui_lang(&self) -> crate::i18n::Lang {
        self.lang
            .as_deref()
            .and_then(crate::i18n::Lang::parse)
            .unwrap_or_else(crate::i18n::Lang::from_env)
    }
}
