//! `tcscale config path|show|set KEY VALUE`: tcscale's settings file from
//! the command line. `show` masks secrets; `set secret_key -` reads the
//! value from stdin so it does not end up in the shell history.

use std::io::Read;
use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::GlobalOpts;
use crate::cloud::config_file::TcscaleConfig;
use crate::cloud::credentials::{mask, CredentialEnv};
use crate::cloud::Secret;
use crate::i18n::{t, tf, Lang};

#[derive(Debug, Args)]
pub struct ConfigArgs {
    #[command(subcommand)]
    pub command: ConfigCommand,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print where the config file is (whether or not it exists).
    Path,
    /// Print the settings, secrets masked.
    Show,
    /// Set one setting: secret_id, secret_key, token, region, lang, profile ("-" reads stdin).
    Set { key: String, value: String },
    /// Remove one setting.
    Unset { key: String },
}

/// The keys `set` accepts, in the order `show` prints them.
pub const KEYS: [&str; 6] = [
    "secret_id",
    "secret_key",
    "token",
    "region",
    "lang",
    "profile",
];

/// The settings as `key = value` lines, secrets masked.
pub fn show_lines(cfg: &TcscaleConfig) -> Vec<String> {
    let secret = |s: &Option<Secret>| s.as_ref().map(|s| mask(s.expose()));
    let mut out = Vec::new();
    let values = [
        ("secret_id", secret(&cfg.secret_id)),
        ("secret_key", secret(&cfg.secret_key)),
        ("token", secret(&cfg.token)),
        ("region", cfg.region.clone()),
        ("lang", cfg.lang.clone()),
        ("profile", cfg.profile.clone()),
    ];
    for (k, v) in values {
        if let Some(v) = v {
            out.push(format!("{k} = {v}"));
        }
    }
    for k in cfg.extra.keys() {
        out.push(format!("{k} = …"));
    }
    out
}

/// Applies `set KEY VALUE` (checked) to a config; `Err` is a message.
pub fn set_value(
    cfg: &mut TcscaleConfig,
    key: &str,
    value: &str,
    lang: Lang,
) -> Result<(), String> {
    let value = value.trim();
    let non_empty = || {
        if value.is_empty() {
            Err(tf(lang, "onboarding.config.empty", &[("key", &key)]))
        } else {
            Ok(value.to_string())
        }
    };
    match key {
        "secret_id" => cfg.secret_id = Some(Secret::new(non_empty()?)),
        "secret_key" => cfg.secret_key = Some(Secret::new(non_empty()?)),
        "token" => cfg.token = Some(Secret::new(non_empty()?)),
        "region" => {
            let v = non_empty()?;
            if !is_region_name(&v) {
                return Err(tf(lang, "onboarding.config.bad_region", &[("value", &v)]));
            }
            cfg.region = Some(v)
        }
        "lang" => {
            let l = Lang::parse(value)
                .ok_or_else(|| tf(lang, "onboarding.config.bad_lang", &[("value", &value)]))?;
            cfg.lang = Some(l.code().to_string());
        }
        "profile" => cfg.profile = Some(non_empty()?),
        _ => {
            return Err(tf(
                lang,
                "onboarding.config.bad_key",
                &[("key", &key), ("keys", &KEYS.join(", "))],
            ))
        }
    }
    Ok(())
}

/// Removes a setting; `Err` for an unknown key.
pub fn unset_value(cfg: &mut TcscaleConfig, key: &str, lang: Lang) -> Result<(), String> {
    match key {
        "secret_id" => cfg.secret_id = None,
        "secret_key" => cfg.secret_key = None,
        "token" => cfg.token = None,
        "region" => cfg.region = None,
        "lang" => cfg.lang = None,
        "profile" => cfg.profile = None,
        _ => {
            return Err(tf(
                lang,
                "onboarding.config.bad_key",
                &[("key", &key), ("keys", &KEYS.join(", "))],
            ))
        }
    }
    Ok(())
}

/// `ap-guangzhou`, `na-siliconvalley`, `ap-shanghai-fsi`: lower-case words joined by `-`.
pub fn is_region_name(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 2
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

fn config_path() -> Option<PathBuf> {
    CredentialEnv::from_process().config_path()
}

fn lang_of(global: &GlobalOpts) -> Lang {
    global
        .lang
        .as_deref()
        .and_then(Lang::parse)
        .unwrap_or_else(Lang::from_env)
}

pub fn run(global: &GlobalOpts, args: ConfigArgs) -> i32 {
    let lang = lang_of(global);
    let Some(path) = config_path() else {
        eprintln!("{}", t(lang, "onboarding.config.no_dir"));
        return 2;
    };
    let load = || TcscaleConfig::load(&path).map(Option::unwrap_or_default);
    match args.command {
        ConfigCommand::Path => {
            println!("{}", path.display());
            0
        }
        ConfigCommand::Show => match load() {
            Ok(cfg) => {
                println!("# {}", path.display());
                for line in show_lines(&cfg) {
                    println!("{line}");
                }
                0
            }
            Err(e) => {
                eprintln!("{}", e.message(lang));
                1
            }
        },
        ConfigCommand::Set { key, value } => {
            let value = if value == "-" {
                let mut s = String::new();
                if let Err(e) = std::io::stdin().read_to_string(&mut s) {
                    eprintln!("{e}");
                    return 2;
                }
                s
            } else {
                value
            };
            let mut cfg = match load() {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("{}", e.message(lang));
                    return 1;
                }
            };
            if let Err(m) = set_value(&mut cfg, &key, &value, lang) {
                eprintln!("{m}");
                return 2;
            }
            save(&cfg, &path, &key, lang)
        }
        ConfigCommand::Unset { key } => {
            let mut cfg = match load() {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("{}", e.message(lang));
                    return 1;
                }
            };
            if let Err(m) = unset_value(&mut cfg, &key, lang) {
                eprintln!("{m}");
                return 2;
            }
            save(&cfg, &path, &key, lang)
        }
    }
}

fn save(cfg: &TcscaleConfig, path: &std::path::Path, key: &str, lang: Lang) -> i32 {
    match cfg.save(path) {
        Ok(()) => {
            eprintln!(
                "{}",
                tf(
                    lang,
                    "onboarding.config.saved",
                    &[("key", &key), ("path", &path.display())]
                )
            );
            0
        }
        Err(e) => {
            eprintln!("{}", e.message(lang));
            1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn show_masks_every_secret() {
        let mut cfg = TcscaleConfig::default();
        set_value(&mut cfg, "secret_id", "AKIDabcdefghijklmnop1234", Lang::En).unwrap();
        set_value(
            &mut cfg,
            "secret_key",
            "TopSecretKeyValue0123456789",
            Lang::En,
        )
        .unwrap();
        set_value(&mut cfg, "region", "ap-shanghai", Lang::En).unwrap();
        set_value(&mut cfg, "lang", "zh", Lang::En).unwrap();
        let shown = show_lines(&cfg).join("\n");
        assert!(shown.contains("secret_id = AKID****1234"), "{shown}");
        assert!(!shown.contains("TopSecretKeyValue"), "{shown}");
        assert!(shown.contains("lang = zh-CN"));
        assert!(shown.contains("region = ap-shanghai"));
    }

    #[test]
    fn bad_values_are_refused_with_a_message() {
        let mut cfg = TcscaleConfig::default();
        assert!(set_value(&mut cfg, "region", "Guangzhou", Lang::En).is_err());
        assert!(set_value(&mut cfg, "lang", "fr", Lang::Zh).is_err());
        let e = set_value(&mut cfg, "colour", "x", Lang::En).unwrap_err();
        assert!(e.contains("secret_key"), "{e}");
        assert!(set_value(&mut cfg, "secret_key", "  ", Lang::En).is_err());
        assert!(is_region_name("ap-shanghai-fsi"));
        assert!(!is_region_name("ap-"));
    }
}
