//! The credential chain in temporary homes: each source, their precedence,
//! the region's own chain, the config file's permissions, and that secrets
//! never show in Debug/Display, errors, logs or panic messages.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use tcscale::cloud::config_file::{config_path_in, TcscaleConfig};
use tcscale::cloud::credentials::{
    detect_all, list_tccli_profiles, resolve, CredentialEnv, CredentialError, CredentialSource,
    ExplicitCredentials, RegionSource, DEFAULT_REGION,
};
use tcscale::cloud::{Credential, Secret};
use tcscale::i18n::Lang;

const KEY: &str = "SecretKeyThatMustNeverPrint0001";

struct Home {
    root: PathBuf,
    vars: HashMap<String, String>,
}

impl Home {
    fn new() -> Home {
        let root =
            std::env::temp_dir().join(format!("tcscale-home-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(root.join("home")).unwrap();
        Home {
            root,
            vars: HashMap::new(),
        }
    }
    fn home(&self) -> PathBuf {
        self.root.join("home")
    }
    fn config_dir(&self) -> PathBuf {
        self.root.join("config")
    }
    fn env(&self) -> CredentialEnv {
        CredentialEnv {
            vars: self.vars.clone(),
            home: Some(self.home()),
            config_dir: Some(self.config_dir()),
        }
    }
    fn set(&mut self, k: &str, v: &str) {
        self.vars.insert(k.into(), v.into());
    }
    fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.home().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p
    }
    fn tccli(&self, profile: &str, id: &str, region: Option<&str>) {
        self.write(
            &format!(".tccli/{profile}.credential"),
            &format!(r#"{{"secretId": "{id}", "secretKey": "{KEY}"}}"#),
        );
        if let Some(r) = region {
            self.write(
                &format!(".tccli/{profile}.configure"),
                &format!(r#"{{"_sys_param": {{"region": "{r}", "output": "json"}}, "cvm": {{"endpoint": "cvm.tencentcloudapi.com"}}}}"#),
            );
        }
    }
    fn config(&self, id: Option<&str>, region: Option<&str>) -> PathBuf {
        let mut cfg = TcscaleConfig {
            region: region.map(str::to_string),
            ..Default::default()
        };
        if let Some(id) = id {
            cfg.set_credential(&Credential::new(id, KEY, None));
        }
        let path = config_path_in(&self.config_dir());
        cfg.save(&path).unwrap();
        path
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn id_of(r: &tcscale::cloud::credentials::Resolved) -> &str {
    r.credential.secret_id.expose()
}

fn flags(id: &str) -> ExplicitCredentials {
    ExplicitCredentials {
        secret_id: Some(id.into()),
        secret_key: Some(Secret::new(KEY)),
        ..Default::default()
    }
}

#[test]
fn each_source_in_precedence_order() {
    let mut h = Home::new();
    let none = ExplicitCredentials::default();
    // nothing anywhere
    let err = resolve(&none, &h.env()).unwrap_err();
    assert!(matches!(err, CredentialError::NotFound { .. }), "{err}");
    let msg = err.message(Lang::En);
    assert!(
        msg.contains("TENCENTCLOUD_SECRET_ID") && msg.contains(".tccli"),
        "{msg}"
    );

    let cfg_path = h.config(Some("AKID-config"), None);
    let r = resolve(&none, &h.env()).unwrap();
    assert_eq!(id_of(&r), "AKID-config");
    assert_eq!(
        r.source,
        CredentialSource::ConfigFile {
            path: cfg_path.clone()
        }
    );
    assert!(r.source.to_string().contains("config.toml"));

    let ini = h.write(
        ".tencentcloud/credentials",
        &format!("# sdk profile\n[other]\nsecret_id = AKID-other\nsecret_key = x\n\n[default]\nsecret_id = AKID-ini\nsecret_key = {KEY}\n"),
    );
    let r = resolve(&none, &h.env()).unwrap();
    assert_eq!(id_of(&r), "AKID-ini");
    assert_eq!(r.source, CredentialSource::IniFile { path: ini });

    let named_ini = h.write(
        "elsewhere.ini",
        &format!("[default]\nsecret_id=AKID-ini2\nsecret_key={KEY}\n"),
    );
    h.set("TENCENTCLOUD_CREDENTIALS_FILE", named_ini.to_str().unwrap());
    assert_eq!(id_of(&resolve(&none, &h.env()).unwrap()), "AKID-ini2");

    h.tccli("default", "AKID-tccli-default", Some("ap-chengdu"));
    let r = resolve(&none, &h.env()).unwrap();
    assert_eq!(id_of(&r), "AKID-tccli-default");
    assert_eq!(r.source.to_string(), "tccli profile default");
    assert_eq!(r.region, "ap-chengdu");

    h.tccli("other", "AKID-tccli-other", None);
    h.set("TCCLI_PROFILE", "other");
    assert_eq!(
        id_of(&resolve(&none, &h.env()).unwrap()),
        "AKID-tccli-other"
    );

    h.set("TENCENTCLOUD_SECRET_ID", "AKID-env");
    h.set("TENCENTCLOUD_SECRET_KEY", KEY);
    h.set("TENCENTCLOUD_SESSION_TOKEN", "env-token-value");
    let r = resolve(&none, &h.env()).unwrap();
    assert_eq!(id_of(&r), "AKID-env");
    assert_eq!(r.source, CredentialSource::Env);
    assert_eq!(r.source.to_string(), "env TENCENTCLOUD_*");
    assert_eq!(
        r.credential.token.as_ref().unwrap().expose(),
        "env-token-value"
    );

    // --profile is an explicit choice: it beats the environment
    h.tccli("work", "AKID-tccli-work", Some("ap-nanjing"));
    let with_profile = ExplicitCredentials {
        profile: Some("work".into()),
        ..Default::default()
    };
    let r = resolve(&with_profile, &h.env()).unwrap();
    assert_eq!(id_of(&r), "AKID-tccli-work");
    assert_eq!(r.region, "ap-nanjing");

    let r = resolve(&flags("AKID-flags"), &h.env()).unwrap();
    assert_eq!(id_of(&r), "AKID-flags");
    assert_eq!(r.source, CredentialSource::Flags);
}

#[test]
fn the_region_has_its_own_chain() {
    let mut h = Home::new();
    let cfg = h.config(Some("AKID-config"), Some("ap-beijing"));
    let none = ExplicitCredentials::default();
    let r = resolve(&none, &h.env()).unwrap();
    assert_eq!(
        (r.region.as_str(), &r.region_source),
        ("ap-beijing", &RegionSource::ConfigFile { path: cfg })
    );

    h.tccli("default", "AKID-t", Some("ap-chengdu"));
    let r = resolve(&none, &h.env()).unwrap();
    assert_eq!(r.region, "ap-chengdu");
    assert_eq!(
        r.region_source,
        RegionSource::TccliProfile {
            name: "default".into()
        }
    );

    h.set("TENCENTCLOUD_REGION", "ap-shanghai");
    let r = resolve(&none, &h.env()).unwrap();
    assert_eq!(
        (r.region.as_str(), &r.region_source),
        ("ap-shanghai", &RegionSource::Env)
    );

    let explicit = ExplicitCredentials {
        region: Some("ap-hongkong".into()),
        ..Default::default()
    };
    let r = resolve(&explicit, &h.env()).unwrap();
    assert_eq!(
        (r.region.as_str(), &r.region_source),
        ("ap-hongkong", &RegionSource::Flag)
    );

    let h2 = Home::new();
    let r = resolve(&flags("AKID-f"), &h2.env()).unwrap();
    assert_eq!(
        (r.region.as_str(), &r.region_source),
        (DEFAULT_REGION, &RegionSource::Default)
    );
}

#[cfg(unix)]
#[test]
fn a_config_readable_by_others_is_refused_naming_the_path_and_the_fix() {
    use std::os::unix::fs::PermissionsExt;
    let h = Home::new();
    let path = h.config(Some("AKID-config"), Some("ap-beijing"));
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "written 0600");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let err = resolve(&ExplicitCredentials::default(), &h.env()).unwrap_err();
    for lang in [Lang::En, Lang::Zh] {
        let msg = err.message(lang);
        assert!(msg.contains(&path.display().to_string()), "{msg}");
        assert!(msg.contains("chmod 600"), "{msg}");
        assert!(!msg.contains(KEY));
    }
    // credentials from elsewhere plus a region from elsewhere never touch it
    let mut explicit = flags("AKID-f");
    explicit.region = Some("ap-shanghai".into());
    assert!(resolve(&explicit, &h.env()).is_ok());
    // and the onboarding list shows the problem
    let found = detect_all(&ExplicitCredentials::default(), &h.env());
    assert!(found
        .iter()
        .any(|d| d.problem.is_some() && matches!(d.source, CredentialSource::ConfigFile { .. })));
}

#[test]
fn broken_sources_stop_the_chain_with_a_clear_error() {
    let mut h = Home::new();
    let half = ExplicitCredentials {
        secret_id: Some("AKID-x".into()),
        ..Default::default()
    };
    let err = resolve(&half, &h.env()).unwrap_err();
    assert!(err.message(Lang::En).contains("--secret-key"), "{err}");

    let named = ExplicitCredentials {
        profile: Some("nope".into()),
        ..Default::default()
    };
    let err = resolve(&named, &h.env()).unwrap_err();
    assert!(
        matches!(err, CredentialError::ProfileNotFound { .. }),
        "{err}"
    );
    assert!(err.message(Lang::En).contains("nope.credential"), "{err}");

    h.write(
        ".tccli/default.credential",
        &format!("{{\"secretId\": \"AKID\", \"secretKey\": \"{KEY}\""),
    );
    let err = resolve(&ExplicitCredentials::default(), &h.env()).unwrap_err();
    assert!(matches!(err, CredentialError::Malformed { .. }), "{err}");
    assert!(!err.to_string().contains(KEY), "{err}");

    h.set("TENCENTCLOUD_CREDENTIALS_FILE", "/nonexistent/credentials");
    h.set("TENCENTCLOUD_SECRET_ID", "AKID-env");
    // env still wins over the broken files after it
    h.set("TENCENTCLOUD_SECRET_KEY", KEY);
    assert_eq!(
        id_of(&resolve(&ExplicitCredentials::default(), &h.env()).unwrap()),
        "AKID-env"
    );
}

#[test]
fn profiles_and_all_sources_are_listed() {
    let mut h = Home::new();
    h.tccli("default", "AKID-d", Some("ap-guangzhou"));
    h.tccli("prod", "AKID-p", Some("ap-shanghai"));
    h.write(".tccli/prod.configure", "{}");
    h.write(".tccli/readme.txt", "not a profile");
    assert_eq!(list_tccli_profiles(&h.env()), vec!["default", "prod"]);
    h.set("TENCENTCLOUD_SECRET_ID", "AKID-env");
    h.set("TENCENTCLOUD_SECRET_KEY", KEY);
    h.config(Some("AKID-cfg"), None);
    let found = detect_all(&ExplicitCredentials::default(), &h.env());
    let names: Vec<String> = found.iter().map(|d| d.source.describe(Lang::En)).collect();
    assert_eq!(names[0], "env TENCENTCLOUD_*");
    assert_eq!(names[1], "tccli profile default");
    assert_eq!(names[2], "tccli profile prod");
    assert!(names[3].starts_with("tcscale config"), "{names:?}");
    assert_eq!(found.len(), 4);
    assert_eq!(found[1].region.as_deref(), Some("ap-guangzhou"));
    assert_eq!(found[2].source.describe(Lang::Zh), "tccli 配置 prod");
}

#[test]
fn secrets_never_show_in_debug_display_errors_logs_or_panics() {
    let cred = Credential::new(
        "AKIDabcdefghijklmnopqrstuvwxyz123456",
        KEY,
        Some("TokenThatMustNeverPrint"),
    );
    let leaks = |text: &str| {
        text.contains(KEY)
            || text.contains("TokenThatMustNeverPrint")
            || text.contains("abcdefghijklmnopqrstuvwxyz")
    };
    let h = Home::new();
    let resolved = resolve(
        &ExplicitCredentials {
            secret_id: Some("AKIDabcdefghijklmnopqrstuvwxyz123456".into()),
            secret_key: Some(Secret::new(KEY)),
            token: Some(Secret::new("TokenThatMustNeverPrint")),
            ..Default::default()
        },
        &h.env(),
    )
    .unwrap();
    let config = tcscale::cloud::ClientConfig::new(cred.clone(), "ap-guangzhou");
    let client = tcscale::cloud::Client::new(config.clone()).unwrap();
    for text in [
        format!("{cred:?}"),
        format!("{cred}"),
        format!("{:?} {}", cred.secret_key, cred.secret_key),
        format!("{resolved:?}"),
        format!("{config:?}"),
        format!("{client:?}"),
        format!(
            "{:?}",
            detect_all(
                &ExplicitCredentials {
                    secret_id: Some("AKIDabcdefghijklmnopqrstuvwxyz123456".into()),
                    secret_key: Some(Secret::new(KEY)),
                    ..Default::default()
                },
                &h.env()
            )
        ),
    ] {
        assert!(!leaks(&text), "leak: {text}");
    }
    assert!(format!("{cred}").contains("AKID****3456"));

    // a panic whose message formats the credential
    let c2 = cred.clone();
    let payload = std::panic::catch_unwind(move || {
        panic!("call failed with {c2:?} / {}", c2.secret_key);
    })
    .unwrap_err();
    let message = payload
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(message.contains("call failed"), "{message}");
    assert!(!leaks(&message), "panic leaks: {message}");

    // a log line that records the credential
    let log = h.root.join("log.txt");
    let file = std::fs::File::create(&log).unwrap();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(std::sync::Mutex::new(file))
        .with_ansi(false)
        .finish();
    tracing::subscriber::with_default(subscriber, || {
        tracing::warn!(credential = ?cred, "using {}", cred.secret_key);
    });
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.contains("using ****") || text.contains("using Secr"),
        "{text}"
    );
    assert!(!leaks(&text), "log leaks: {text}");
}

#[test]
fn config_file_path_is_under_the_config_dir() {
    let p = config_path_in(Path::new("/x/y"));
    assert_eq!(p, Path::new("/x/y/config.toml"));
}
