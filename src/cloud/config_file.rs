//! tcscale's own config file: `<config dir>/config.toml`, TOML, written
//! atomically with mode 0600 and refused when other users can read it
//! (it may hold a SecretKey).
//!
//! ```toml
//! secret_id = "AKID…"
//! secret_key = "…"
//! region = "ap-guangzhou"
//! lang = "zh-CN"
//! ```

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::cloud::audit::{create_private_dir, project_dirs};
use crate::cloud::{Credential, Secret};
use crate::i18n::{tf, Lang};

/// Everything tcscale remembers between runs. Unknown keys are kept, so a
/// newer tcscale's settings survive an older one's save.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TcscaleConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_id: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_key: Option<Secret>,
    /// Session token of temporary credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// `en` or `zh-CN`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    /// A tccli profile to use when neither `--profile` nor `TCCLI_PROFILE` is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    #[serde(flatten)]
    pub extra: BTreeMap<String, toml::Value>,
}

/// Why the config file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path} can be read by other users (mode {mode:04o}); it may hold a SecretKey, so tcscale refuses it. Run: chmod 600 {path}")]
    Insecure { path: PathBuf, mode: u32 },
    #[error("cannot read or write {path}: {message}")]
    Io { path: PathBuf, message: String },
    #[error("{path} is not valid TOML: {message}")]
    Parse { path: PathBuf, message: String },
}

impl ConfigError {
    /// The message in the user's language.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            ConfigError::Insecure { path, mode } => tf(
                lang,
                "cloud.config.insecure",
                &[("path", &path.display()), ("mode", &format!("{mode:04o}"))],
            ),
            ConfigError::Io { path, message } => tf(
                lang,
                "cloud.config.io",
                &[("path", &path.display()), ("message", message)],
            ),
            ConfigError::Parse { path, message } => tf(
                lang,
                "cloud.config.parse",
                &[("path", &path.display()), ("message", message)],
            ),
        }
    }
}

/// `config.toml` inside a config directory.
pub fn config_path_in(config_dir: &Path) -> PathBuf {
    config_dir.join("config.toml")
}

/// `<config dir of ProjectDirs("com","tcscale","tcscale")>/config.toml`.
pub fn default_config_path() -> Option<PathBuf> {
    project_dirs().map(|d| config_path_in(d.config_dir()))
}

/// The permission bits of a file when group or others may access it.
#[cfg(unix)]
pub(crate) fn too_open(meta: &std::fs::Metadata) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o777;
    (mode & 0o077 != 0).then_some(mode)
}

#[cfg(not(unix))]
pub(crate) fn too_open(_meta: &std::fs::Metadata) -> Option<u32> {
    None
}

impl TcscaleConfig {
    /// Reads the file; `Ok(None)` when it does not exist.
    pub fn load(path: &Path) -> Result<Option<TcscaleConfig>, ConfigError> {
        let io = |e: std::io::Error| ConfigError::Io {
            path: path.to_path_buf(),
            message: e.to_string(),
        };
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io(e)),
        };
        if let Some(mode) = too_open(&meta) {
            return Err(ConfigError::Insecure {
                path: path.to_path_buf(),
                mode,
            });
        }
        let text = std::fs::read_to_string(path).map_err(io)?;
        TcscaleConfig::parse(&text)
            .map(Some)
            .map_err(|message| ConfigError::Parse {
                path: path.to_path_buf(),
                message,
            })
    }

    pub fn parse(text: &str) -> Result<TcscaleConfig, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).expect("a TcscaleConfig always serializes")
    }

    /// Writes the file atomically (a 0600 temp file in the same directory,
    /// synced, then renamed over the old one), creating the directory 0700.
    pub fn save(&self, path: &Path) -> Result<(), ConfigError> {
        let io = |e: std::io::Error| ConfigError::Io {
            path: path.to_path_buf(),
            message: e.to_string(),
        };
        let dir = path.parent().unwrap_or(Path::new("."));
        create_private_dir(dir).map_err(io)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "config.toml".into());
        let tmp = dir.join(format!(".{name}.{}.tmp", uuid::Uuid::new_v4().simple()));
        let write = || -> std::io::Result<()> {
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            let mut file = options.open(&tmp)?;
            file.write_all(self.to_toml().as_bytes())?;
            file.sync_all()?;
            std::fs::rename(&tmp, path)
        };
        write().map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            io(e)
        })
    }

    /// The stored credential, when both SecretId and SecretKey are set.
    pub fn credential(&self) -> Option<Credential> {
        let id = self.secret_id.as_ref().filter(|s| !s.is_empty())?;
        let key = self.secret_key.as_ref().filter(|s| !s.is_empty())?;
        Some(Credential::new(
            id.expose(),
            key.expose(),
            self.token.as_ref().map(Secret::expose),
        ))
    }

    /// Stores a credential (the token too, or removes an old one).
    pub fn set_credential(&mut self, credential: &Credential) {
        self.secret_id = Some(credential.secret_id.clone());
        self.secret_key = Some(credential.secret_key.clone());
        self.token = credential.token.clone();
    }

    pub fn lang(&self) -> Option<Lang> {
        self.lang.as_deref().and_then(Lang::parse)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir() -> PathBuf {
        std::env::temp_dir().join(format!("tcscale-cfg-{}", uuid::Uuid::new_v4()))
    }

    #[test]
    fn save_then_load_round_trips_with_mode_0600() {
        let dir = temp_dir();
        let path = config_path_in(&dir.join("tcscale"));
        let mut cfg = TcscaleConfig {
            region: Some("ap-shanghai".into()),
            lang: Some("zh-CN".into()),
            ..Default::default()
        };
        cfg.set_credential(&Credential::new(
            "AKIDabcdefghijklmnop1234",
            "keykeykeykeykeykeykey",
            None,
        ));
        cfg.extra
            .insert("future_key".into(), toml::Value::Integer(7));
        cfg.save(&path).unwrap();
        let back = TcscaleConfig::load(&path).unwrap().unwrap();
        assert_eq!(back, cfg);
        assert_eq!(back.lang(), Some(Lang::Zh));
        assert_eq!(
            back.credential().unwrap().secret_key.expose(),
            "keykeykeykeykeykeykey"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // saving again replaces the file and leaves no temp file behind
        cfg.region = Some("ap-beijing".into());
        cfg.save(&path).unwrap();
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("config.toml")]);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_readable_config_is_refused_with_the_fix() {
        use std::os::unix::fs::PermissionsExt;
        let dir = temp_dir();
        let path = config_path_in(&dir);
        TcscaleConfig::default().save(&path).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = TcscaleConfig::load(&path).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains(&path.display().to_string()), "{msg}");
        assert!(msg.contains("chmod 600"), "{msg}");
        assert!(err.message(Lang::Zh).contains("chmod 600"));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn missing_file_is_none_and_debug_masks() {
        assert!(
            TcscaleConfig::load(Path::new("/nonexistent/tcscale/config.toml"))
                .unwrap()
                .is_none()
        );
        let cfg = TcscaleConfig::parse(
            "secret_id = \"AKIDabcdefghijklmnop1234\"\nsecret_key = \"supersecretkeyvalue99\"\n",
        )
        .unwrap();
        let shown = format!("{cfg:?}");
        assert!(!shown.contains("supersecretkeyvalue99"), "{shown}");
        assert!(!shown.contains("abcdefghijklmnop"), "{shown}");
    }
}
