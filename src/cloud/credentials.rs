//! Credentials and the chain that finds them, in the official SDKs' order:
//! explicit flags → `TENCENTCLOUD_*` environment → a tccli profile → the
//! SDKs' INI file → tcscale's own config file. The chain is a pure function
//! of a [`CredentialEnv`] (variables, home and config directories), so tests
//! run it against temporary homes.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::cloud::config_file::{config_path_in, ConfigError, TcscaleConfig};
use crate::i18n::{t, tf, Lang};

/// A secret string that never prints: `Debug` and `Display` show a mask.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    /// The real value, for signing only.
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&mask(&self.0))
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&mask(&self.0))
    }
}

/// Writes the real value: only for the config file (0600), never for output.
impl Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Secret)
    }
}

/// `AKID****abcd`: the first four and last four characters, never more than
/// a quarter of the value each, so short secrets show nothing.
pub fn mask(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let keep = if chars.len() >= 16 { 4 } else { 0 };
    if keep == 0 {
        return "****".to_string();
    }
    let head: String = chars[..keep].iter().collect();
    let tail: String = chars[chars.len() - keep..].iter().collect();
    format!("{head}****{tail}")
}

/// One set of API credentials. The SecretId is shown masked too: it is not
/// a secret on its own, but users treat it as one.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Credential {
    pub secret_id: Secret,
    pub secret_key: Secret,
    pub token: Option<Secret>,
}

impl Credential {
    pub fn new(id: &str, key: &str, token: Option<&str>) -> Self {
        Credential {
            secret_id: Secret::new(id),
            secret_key: Secret::new(key),
            token: token.filter(|t| !t.is_empty()).map(Secret::new),
        }
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credential")
            .field("secret_id", &self.secret_id)
            .field("secret_key", &"****")
            .field("token", &self.token.as_ref().map(|_| "****"))
            .finish()
    }
}

impl fmt::Display for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.secret_id)
    }
}

/// Where the chain looks: environment variables, the home directory and
/// tcscale's config directory. [`CredentialEnv::from_process`] reads the real ones.
#[derive(Debug, Clone, Default)]
pub struct CredentialEnv {
    pub vars: HashMap<String, String>,
    pub home: Option<PathBuf>,
    /// tcscale's config directory (`config.toml` lives there).
    pub config_dir: Option<PathBuf>,
}

impl CredentialEnv {
    pub fn from_process() -> Self {
        CredentialEnv {
            vars: std::env::vars().collect(),
            home: directories::BaseDirs::new().map(|d| d.home_dir().to_path_buf()),
            config_dir: crate::cloud::audit::project_dirs().map(|d| d.config_dir().to_path_buf()),
        }
    }

    /// A variable, when set and not blank.
    pub fn var(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
    }

    pub fn tccli_dir(&self) -> Option<PathBuf> {
        self.home.as_ref().map(|h| h.join(".tccli"))
    }

    /// `TENCENTCLOUD_CREDENTIALS_FILE`, else `~/.tencentcloud/credentials`,
    /// and whether it was named explicitly.
    pub fn ini_path(&self) -> Option<(PathBuf, bool)> {
        match self.var("TENCENTCLOUD_CREDENTIALS_FILE") {
            Some(p) => Some((PathBuf::from(p), true)),
            None => self
                .home
                .as_ref()
                .map(|h| (h.join(".tencentcloud").join("credentials"), false)),
        }
    }

    pub fn config_path(&self) -> Option<PathBuf> {
        self.config_dir.as_deref().map(config_path_in)
    }
}

/// What was given on the command line (highest precedence).
#[derive(Debug, Clone, Default)]
pub struct ExplicitCredentials {
    pub secret_id: Option<String>,
    pub secret_key: Option<Secret>,
    pub token: Option<Secret>,
    pub region: Option<String>,
    pub profile: Option<String>,
}

/// Where the credential came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialSource {
    Flags,
    Env,
    TccliProfile { name: String, path: PathBuf },
    IniFile { path: PathBuf },
    ConfigFile { path: PathBuf },
}

impl CredentialSource {
    pub fn describe(&self, lang: Lang) -> String {
        match self {
            CredentialSource::Flags => t(lang, "cloud.source.flags"),
            CredentialSource::Env => t(lang, "cloud.source.env"),
            CredentialSource::TccliProfile { name, .. } => {
                tf(lang, "cloud.source.tccli", &[("name", name)])
            }
            CredentialSource::IniFile { path } => {
                tf(lang, "cloud.source.ini", &[("path", &path.display())])
            }
            CredentialSource::ConfigFile { path } => {
                tf(lang, "cloud.source.config", &[("path", &path.display())])
            }
        }
    }
}

impl fmt::Display for CredentialSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe(Lang::En))
    }
}

/// Where the region came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegionSource {
    Flag,
    Env,
    TccliProfile {
        name: String,
    },
    ConfigFile {
        path: PathBuf,
    },
    /// Nothing named one: [`DEFAULT_REGION`].
    Default,
}

impl RegionSource {
    pub fn describe(&self, lang: Lang) -> String {
        match self {
            RegionSource::Flag => t(lang, "cloud.region_source.flag"),
            RegionSource::Env => t(lang, "cloud.region_source.env"),
            RegionSource::TccliProfile { name } => {
                tf(lang, "cloud.source.tccli", &[("name", name)])
            }
            RegionSource::ConfigFile { path } => {
                tf(lang, "cloud.source.config", &[("path", &path.display())])
            }
            RegionSource::Default => t(lang, "cloud.region_source.default"),
        }
    }
}

impl fmt::Display for RegionSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe(Lang::En))
    }
}

/// The region used when no source names one (the guide's own example region).
pub const DEFAULT_REGION: &str = "ap-guangzhou";

/// The outcome of the chain.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub credential: Credential,
    pub source: CredentialSource,
    pub region: String,
    pub region_source: RegionSource,
}

/// Why the chain found nothing usable. Messages name the file and the fix.
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error("{given} was given without {missing}")]
    Incomplete { given: String, missing: String },
    #[error("tccli profile {name:?} not found ({path} does not exist)")]
    ProfileNotFound { name: String, path: PathBuf },
    #[error("{path}: {message}")]
    Malformed { path: PathBuf, message: String },
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("no credentials found (looked at: {})", searched.join("; "))]
    NotFound { searched: Vec<String> },
}

impl CredentialError {
    pub fn message(&self, lang: Lang) -> String {
        match self {
            CredentialError::Incomplete { given, missing } => tf(
                lang,
                "cloud.cred.incomplete",
                &[("given", given), ("missing", missing)],
            ),
            CredentialError::ProfileNotFound { name, path } => tf(
                lang,
                "cloud.cred.profile_not_found",
                &[("name", name), ("path", &path.display())],
            ),
            CredentialError::Malformed { path, message } => tf(
                lang,
                "cloud.cred.malformed",
                &[("path", &path.display()), ("message", message)],
            ),
            CredentialError::Config(e) => e.message(lang),
            CredentialError::NotFound { searched } => tf(
                lang,
                "cloud.cred.not_found",
                &[("searched", &searched.join("; "))],
            ),
        }
    }
}

/// One place that holds (or should hold) credentials, for the onboarding screen.
#[derive(Debug)]
pub struct DetectedSource {
    pub source: CredentialSource,
    pub credential: Option<Credential>,
    pub region: Option<String>,
    /// Set when the place exists but cannot be used (and why).
    pub problem: Option<CredentialError>,
}

/// A tccli profile as read from `~/.tccli/<name>.credential` and `.configure`.
struct TccliProfile {
    credential: Option<Credential>,
    region: Option<String>,
}

fn read_json(path: &Path) -> Result<Option<serde_json::Value>, CredentialError> {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| CredentialError::Malformed {
                path: path.to_path_buf(),
                message: format!("not valid JSON: {e}"),
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(CredentialError::Malformed {
            path: path.to_path_buf(),
            message: e.to_string(),
        }),
    }
}

/// Reads a tccli profile; `Ok(None)` when neither of its files exists.
fn read_tccli_profile(
    env: &CredentialEnv,
    name: &str,
) -> Result<Option<TccliProfile>, CredentialError> {
    let Some(dir) = env.tccli_dir() else {
        return Ok(None);
    };
    let credential_path = dir.join(format!("{name}.credential"));
    let cred_json = read_json(&credential_path)?;
    let conf_json = read_json(&dir.join(format!("{name}.configure")))?;
    if cred_json.is_none() && conf_json.is_none() {
        return Ok(None);
    }
    let credential = match &cred_json {
        Some(v) => {
            let s = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").trim();
            if s("secretId").is_empty() || s("secretKey").is_empty() {
                return Err(CredentialError::Malformed {
                    path: credential_path,
                    message: "no \"secretId\" / \"secretKey\"".into(),
                });
            }
            Some(Credential::new(
                s("secretId"),
                s("secretKey"),
                Some(s("token")),
            ))
        }
        None => None,
    };
    let region = conf_json
        .as_ref()
        .and_then(|v| v.pointer("/_sys_param/region"))
        .and_then(|r| r.as_str())
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_string);
    Ok(Some(TccliProfile { credential, region }))
}

/// The profile names of `~/.tccli` (from `<name>.credential` files), sorted.
pub fn list_tccli_profiles(env: &CredentialEnv) -> Vec<String> {
    let Some(dir) = env.tccli_dir() else {
        return Vec::new();
    };
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.file_name()
                .to_str()
                .and_then(|n| n.strip_suffix(".credential"))
                .map(str::to_string)
        })
        .filter(|n| !n.is_empty())
        .collect();
    names.sort();
    names
}

/// `[section]` → key → value of a simple INI file (`#`/`;` comments).
fn parse_ini(text: &str) -> HashMap<String, HashMap<String, String>> {
    let mut out: HashMap<String, HashMap<String, String>> = HashMap::new();
    let mut section = String::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.trim().to_string();
        } else if let Some((k, v)) = line.split_once('=') {
            out.entry(section.clone())
                .or_default()
                .insert(k.trim().to_string(), v.trim().to_string());
        }
    }
    out
}

/// The `[default]` credential of the SDKs' INI file; `Ok(None)` when the
/// default file does not exist (a file named by the variable must).
fn read_ini(env: &CredentialEnv) -> Result<Option<(Credential, PathBuf)>, CredentialError> {
    let Some((path, named)) = env.ini_path() else {
        return Ok(None);
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !named => return Ok(None),
        Err(e) => {
            return Err(CredentialError::Malformed {
                path,
                message: e.to_string(),
            })
        }
    };
    let ini = parse_ini(&text);
    let section = ini.get("default");
    let get = |k: &str| {
        section
            .and_then(|s| s.get(k))
            .map(String::as_str)
            .unwrap_or("")
    };
    if get("secret_id").is_empty() || get("secret_key").is_empty() {
        return Err(CredentialError::Malformed {
            path,
            message: "no secret_id / secret_key in section [default]".into(),
        });
    }
    Ok(Some((
        Credential::new(get("secret_id"), get("secret_key"), Some(get("token"))),
        path,
    )))
}

fn read_config(env: &CredentialEnv) -> Result<Option<(TcscaleConfig, PathBuf)>, CredentialError> {
    let Some(path) = env.config_path() else {
        return Ok(None);
    };
    Ok(TcscaleConfig::load(&path)?.map(|c| (c, path)))
}

fn from_flags(explicit: &ExplicitCredentials) -> Result<Option<Credential>, CredentialError> {
    let id = explicit
        .secret_id
        .as_deref()
        .filter(|s| !s.trim().is_empty());
    let key = explicit.secret_key.as_ref().filter(|s| !s.is_empty());
    match (id, key) {
        (Some(id), Some(key)) => Ok(Some(Credential::new(
            id.trim(),
            key.expose().trim(),
            explicit.token.as_ref().map(Secret::expose),
        ))),
        (Some(_), None) => Err(CredentialError::Incomplete {
            given: "--secret-id".into(),
            missing: "--secret-key".into(),
        }),
        (None, Some(_)) => Err(CredentialError::Incomplete {
            given: "--secret-key".into(),
            missing: "--secret-id".into(),
        }),
        (None, None) => Ok(None),
    }
}

fn from_env(env: &CredentialEnv) -> Option<Credential> {
    Some(Credential::new(
        env.var("TENCENTCLOUD_SECRET_ID")?,
        env.var("TENCENTCLOUD_SECRET_KEY")?,
        env.var("TENCENTCLOUD_SESSION_TOKEN"),
    ))
}

/// The tccli profile to read and whether it was asked for by name
/// (`--profile`, `TCCLI_PROFILE`, the config's `profile`) rather than `default`.
fn profile_name(explicit: &ExplicitCredentials, env: &CredentialEnv) -> (String, bool) {
    if let Some(p) = explicit.profile.as_deref().filter(|p| !p.trim().is_empty()) {
        return (p.trim().to_string(), true);
    }
    if let Some(p) = env.var("TCCLI_PROFILE") {
        return (p.to_string(), true);
    }
    // An unusable config file is reported where its credentials are read.
    if let Ok(Some((cfg, _))) = read_config(env) {
        if let Some(p) = cfg.profile.filter(|p| !p.trim().is_empty()) {
            return (p.trim().to_string(), true);
        }
    }
    ("default".to_string(), false)
}

/// Runs the chain: the first source that holds a credential wins; the
/// region has its own chain in the same order. A source that exists but is
/// broken (half the flags, malformed file, readable config) stops the chain
/// with an error instead of silently falling through to another account.
pub fn resolve(
    explicit: &ExplicitCredentials,
    env: &CredentialEnv,
) -> Result<Resolved, CredentialError> {
    let (profile, named) = profile_name(explicit, env);
    let mut searched = vec![
        t(Lang::En, "cloud.source.flags"),
        t(Lang::En, "cloud.source.env"),
    ];

    let profile_flag = explicit
        .profile
        .as_deref()
        .is_some_and(|p| !p.trim().is_empty());
    let mut found: Option<(Credential, CredentialSource)> = None;
    if let Some(c) = from_flags(explicit)? {
        found = Some((c, CredentialSource::Flags));
    }
    // `--profile` on the command line is an explicit choice too: it beats the
    // environment (TCCLI_PROFILE and the default profile come after it).
    let env_credential = from_env(env);
    let tccli = if found.is_none() && (profile_flag || env_credential.is_none()) {
        read_tccli_profile(env, &profile)?
    } else {
        // only the region can still come from it; a broken one is not our business
        read_tccli_profile(env, &profile).ok().flatten()
    };
    let tccli_path = env
        .tccli_dir()
        .map(|d| d.join(format!("{profile}.credential")))
        .unwrap_or_default();
    let mut take_profile = |found: &mut Option<(Credential, CredentialSource)>| match tccli
        .as_ref()
        .and_then(|p| p.credential.clone())
    {
        Some(c) => {
            *found = Some((
                c,
                CredentialSource::TccliProfile {
                    name: profile.clone(),
                    path: tccli_path.clone(),
                },
            ));
            Ok(())
        }
        None if named => Err(CredentialError::ProfileNotFound {
            name: profile.clone(),
            path: tccli_path.clone(),
        }),
        None => {
            searched.push(format!(
                "{} ({})",
                tf(Lang::En, "cloud.source.tccli", &[("name", &profile)]),
                tccli_path.display()
            ));
            Ok(())
        }
    };
    if found.is_none() && profile_flag {
        take_profile(&mut found)?;
    }
    if found.is_none() {
        found = env_credential.map(|c| (c, CredentialSource::Env));
    }
    if found.is_none() && !profile_flag {
        take_profile(&mut found)?;
    }

    if found.is_none() {
        if let Some((c, path)) = read_ini(env)? {
            found = Some((c, CredentialSource::IniFile { path }));
        } else if let Some((path, _)) = env.ini_path() {
            searched.push(path.display().to_string());
        }
    }

    let region_from_earlier = explicit
        .region
        .as_deref()
        .filter(|r| !r.trim().is_empty())
        .map(|r| (r.trim().to_string(), RegionSource::Flag))
        .or_else(|| {
            env.var("TENCENTCLOUD_REGION")
                .map(|r| (r.to_string(), RegionSource::Env))
        })
        .or_else(|| {
            tccli.as_ref().and_then(|p| p.region.clone()).map(|r| {
                (
                    r,
                    RegionSource::TccliProfile {
                        name: profile.clone(),
                    },
                )
            })
        });

    let config = if found.is_none() || region_from_earlier.is_none() {
        read_config(env)?
    } else {
        None
    };
    if found.is_none() {
        match config
            .as_ref()
            .and_then(|(cfg, path)| Some((cfg.credential()?, path.clone())))
        {
            Some((c, path)) => found = Some((c, CredentialSource::ConfigFile { path })),
            None => {
                if let Some(p) = env.config_path() {
                    searched.push(p.display().to_string());
                }
            }
        }
    }
    let Some((credential, source)) = found else {
        return Err(CredentialError::NotFound { searched });
    };

    let (region, region_source) = region_from_earlier
        .or_else(|| {
            config.as_ref().and_then(|(cfg, path)| {
                cfg.region
                    .clone()
                    .filter(|r| !r.trim().is_empty())
                    .map(|r| (r, RegionSource::ConfigFile { path: path.clone() }))
            })
        })
        .unwrap_or_else(|| (DEFAULT_REGION.to_string(), RegionSource::Default));

    Ok(Resolved {
        credential,
        source,
        region,
        region_source,
    })
}

/// Every place of the chain that holds or should hold credentials, in chain
/// order, each with what it holds or what is wrong with it. Places that do
/// not exist are left out. For the onboarding screen: "found in env and in
/// tccli profile default; using env".
pub fn detect_all(explicit: &ExplicitCredentials, env: &CredentialEnv) -> Vec<DetectedSource> {
    let mut out = Vec::new();
    let ok = |source, credential, region| DetectedSource {
        source,
        credential: Some(credential),
        region,
        problem: None,
    };
    match from_flags(explicit) {
        Ok(Some(c)) => out.push(ok(CredentialSource::Flags, c, explicit.region.clone())),
        Ok(None) => {}
        Err(e) => out.push(DetectedSource {
            source: CredentialSource::Flags,
            credential: None,
            region: None,
            problem: Some(e),
        }),
    }
    if let Some(c) = from_env(env) {
        out.push(ok(
            CredentialSource::Env,
            c,
            env.var("TENCENTCLOUD_REGION").map(str::to_string),
        ));
    }
    let mut profiles = list_tccli_profiles(env);
    let (chosen, _) = profile_name(explicit, env);
    // the chosen profile first, then the others
    profiles.retain(|p| *p != chosen);
    profiles.insert(0, chosen);
    for name in profiles {
        let path = env
            .tccli_dir()
            .map(|d| d.join(format!("{name}.credential")))
            .unwrap_or_default();
        let source = CredentialSource::TccliProfile {
            name: name.clone(),
            path,
        };
        match read_tccli_profile(env, &name) {
            Ok(Some(TccliProfile {
                credential: Some(c),
                region,
                ..
            })) => out.push(ok(source, c, region)),
            Ok(_) => {}
            Err(e) => out.push(DetectedSource {
                source,
                credential: None,
                region: None,
                problem: Some(e),
            }),
        }
    }
    match read_ini(env) {
        Ok(Some((c, path))) => out.push(ok(CredentialSource::IniFile { path }, c, None)),
        Ok(None) => {}
        Err(e) => out.push(DetectedSource {
            source: CredentialSource::IniFile {
                path: env.ini_path().map(|(p, _)| p).unwrap_or_default(),
            },
            credential: None,
            region: None,
            problem: Some(e),
        }),
    }
    match read_config(env) {
        Ok(Some((cfg, path))) => {
            if let Some(c) = cfg.credential() {
                out.push(ok(
                    CredentialSource::ConfigFile { path },
                    c,
                    cfg.region.clone(),
                ));
            }
        }
        Ok(None) => {}
        Err(e) => out.push(DetectedSource {
            source: CredentialSource::ConfigFile {
                path: env.config_path().unwrap_or_default(),
            },
            credential: None,
            region: None,
            problem: Some(e),
        }),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let c = Credential::new(
            "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
            "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
            Some("sessiontoken-abcdef"),
        );
        let shown = format!("{c:?} {} {:?}", c.secret_id, c.secret_key);
        assert!(!shown.contains("Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"));
        assert!(!shown.contains("sessiontoken"));
        assert!(!shown.contains("z8krbsJ5yKBZQpn74WFkmLPx3"));
        assert!(shown.contains("AKID****MPLE"));
    }
}
