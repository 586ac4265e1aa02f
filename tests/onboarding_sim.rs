//! Onboarding against the simulator over real HTTP with real signatures:
//! wrong keys, an unknown SecretId and a skewed clock are explained; a world
//! that denies actions makes the preflight name the missing action per
//! guide step; saving writes a 0600 config atomically; detection in a temp
//! HOME shows every source masked and which one the chain uses.

use std::collections::HashMap;
use std::path::PathBuf;

use tcscale::cloud::config_file::{config_path_in, TcscaleConfig};
use tcscale::cloud::credentials::{CredentialEnv, CredentialSource, ExplicitCredentials};
use tcscale::cloud::transport::decode_envelope;
use tcscale::cloud::{sign, Client, ClientConfig, Credential, RetryPolicy, Service};
use tcscale::i18n::Lang;
use tcscale::scaleout::preflight::{self, GuideStep};
use tcscale::sim::seed::sandbox_world;
use tcscale::sim::server::{start, SimConfig};
use tcscale::tui::screens::onboarding::{self, OnboardingEvent, OnboardingJob, SaveWhat};

fn temp(name: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!(
        "tcscale-ob-{name}-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&p).unwrap();
    p
}

#[tokio::test]
async fn wrong_keys_are_explained_and_good_keys_list_regions() {
    let sim = start(SimConfig::default()).await.unwrap();
    let ep = Some(sim.endpoint());
    // the right keys: regions from DescribeRegions
    let (regions, fallback) =
        onboarding::validate(sim.credential(), "ap-guangzhou", ep.clone(), Lang::En)
            .await
            .unwrap();
    assert!(!fallback);
    assert!(
        regions.iter().any(|(r, _)| r == "ap-shanghai"),
        "{regions:?}"
    );
    // a wrong SecretKey
    let wrong = Credential::new(&sim.secret_id, "not-the-key-0000000000000000", None);
    let e = onboarding::validate(wrong, "ap-guangzhou", ep.clone(), Lang::En)
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("AuthFailure.SignatureFailure"));
    assert!(
        e.explain(Lang::En)
            .summary
            .to_lowercase()
            .contains("secretkey"),
        "{:?}",
        e.explain(Lang::En)
    );
    // an unknown SecretId
    let unknown = Credential::new(
        "AKIDnobodyHasThisId00000000000000",
        "x-key-000000000000",
        None,
    );
    let e = onboarding::validate(unknown, "ap-guangzhou", ep.clone(), Lang::Zh)
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("AuthFailure.SecretIdNotFound"));
    assert!(!e.explain(Lang::Zh).summary.is_empty());
    // through the job: the event carries the failure
    let (tx, rx) = std::sync::mpsc::channel();
    onboarding::run_job(
        OnboardingJob::Validate {
            credential: Credential::new(&sim.secret_id, "wrong-again-00000000000000", None),
            region: "ap-guangzhou".into(),
            endpoint: ep,
        },
        Lang::En,
        move |e| tx.send(e).unwrap(),
    )
    .await;
    assert!(matches!(
        rx.recv().unwrap(),
        OnboardingEvent::Validated(Err(_))
    ));
}

#[tokio::test]
async fn a_skewed_clock_is_explained() {
    let sim = start(SimConfig::default()).await.unwrap();
    // Signed ten minutes in the past, as a machine with a wrong clock would.
    let ts = chrono::Utc::now().timestamp() - 600;
    let host = sim.addr.to_string();
    let headers = sign::sign(&sign::RequestToSign {
        secret_id: &sim.secret_id,
        secret_key: &sim.secret_key,
        session_token: None,
        service: "cvm",
        host: &host,
        action: "DescribeRegions",
        version: "2017-03-12",
        region: Some("ap-guangzhou"),
        timestamp: ts,
        payload: b"{}",
        language: None,
    });
    let mut rb = reqwest::Client::new()
        .post(format!("{}/", sim.endpoint()))
        .body("{}");
    for (k, v) in headers {
        rb = rb.header(k, v);
    }
    let resp = rb.send().await.unwrap();
    let status = resp.status().as_u16();
    let body = resp.bytes().await.unwrap();
    let e = decode_envelope(Service::Cvm, "DescribeRegions", status, &body).unwrap_err();
    assert_eq!(e.code(), Some("AuthFailure.SignatureExpire"));
    assert!(e.explain(Lang::En).summary.contains("clock"));
    assert!(e.explain(Lang::Zh).summary.contains("时间"));
}

#[tokio::test]
async fn denied_actions_are_named_per_guide_step() {
    let mut world = sandbox_world();
    world.denied_actions = vec!["clb:DescribeLoadBalancers".into(), "DescribeRegions".into()];
    let sim = start(SimConfig {
        world,
        ..Default::default()
    })
    .await
    .unwrap();
    // DescribeRegions denied: the keys still work, the built-in list is offered
    let (regions, fallback) = onboarding::validate(
        sim.credential(),
        "ap-guangzhou",
        Some(sim.endpoint()),
        Lang::En,
    )
    .await
    .unwrap();
    assert!(fallback);
    assert!(regions.iter().any(|(r, _)| r == "ap-guangzhou"));
    let client = Client::new(
        ClientConfig::new(sim.credential(), "ap-guangzhou")
            .with_endpoint(Some(sim.endpoint()))
            .with_retry(RetryPolicy::none())
            .with_audit_path(None),
    )
    .unwrap();
    let reports = preflight::run(&client, Lang::En).await;
    for r in &reports {
        let needs = r.step.actions().contains(&"clb:DescribeLoadBalancers");
        assert_eq!(
            r.denied,
            if needs {
                vec!["clb:DescribeLoadBalancers".to_string()]
            } else {
                vec![]
            },
            "{:?}",
            r.step
        );
        assert!(r.unknown.is_empty(), "{r:?}");
    }
    let lb = reports
        .iter()
        .find(|r| r.step == GuideStep::LoadBalancer)
        .unwrap();
    assert!(lb.summary(Lang::En).contains("clb:DescribeLoadBalancers"));
    assert!(lb.summary(Lang::Zh).contains("clb:DescribeLoadBalancers"));
    assert!(preflight::cam_policy().contains("\"clb:DescribeLoadBalancers\""));
}

#[tokio::test]
async fn saving_writes_a_private_config_atomically() {
    let dir = temp("save");
    let path = config_path_in(&dir.join("tcscale"));
    // an existing file with another setting: kept
    let mut before = TcscaleConfig::default();
    before
        .extra
        .insert("future".into(), toml::Value::Boolean(true));
    before.save(&path).unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    onboarding::run_job(
        OnboardingJob::Save {
            path: path.clone(),
            config: Box::new(SaveWhat {
                credential: Some(Credential::new(
                    "AKIDsaved0000000000000000001234",
                    "SavedSecretKey000000000000",
                    None,
                )),
                profile: None,
                region: "ap-shanghai".into(),
                lang: Lang::Zh,
            }),
        },
        Lang::En,
        move |e| tx.send(e).unwrap(),
    )
    .await;
    assert_eq!(rx.recv().unwrap(), OnboardingEvent::Saved(Ok(())));
    let cfg = TcscaleConfig::load(&path).unwrap().unwrap();
    assert_eq!(cfg.region.as_deref(), Some("ap-shanghai"));
    assert_eq!(cfg.lang.as_deref(), Some("zh-CN"));
    assert_eq!(
        cfg.credential().unwrap().secret_key.expose(),
        "SavedSecretKey000000000000"
    );
    assert!(cfg.extra.contains_key("future"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "no temp file left: {names:?}");
    // the language switch keeps the rest
    onboarding::save_language(&path, Lang::En).unwrap();
    let cfg = TcscaleConfig::load(&path).unwrap().unwrap();
    assert_eq!(cfg.lang(), Some(Lang::En));
    assert_eq!(cfg.region.as_deref(), Some("ap-shanghai"));
    // --lang, then a LANG that names a language, then the saved choice.
    assert_eq!(onboarding::startup_lang(None, Some(&cfg), None), Lang::En);
    assert_eq!(
        onboarding::startup_lang(None, Some(&cfg), Some(Lang::Zh)),
        Lang::Zh
    );
    assert_eq!(
        onboarding::startup_lang(Some("zh"), Some(&cfg), Some(Lang::En)),
        Lang::Zh
    );
    assert_eq!(
        onboarding::startup_lang(None, None, Some(Lang::Zh)),
        Lang::Zh
    );
    assert_eq!(onboarding::startup_lang(None, None, None), Lang::En);
    assert_eq!(Lang::explicit_locale("zh_CN.UTF-8"), Some(Lang::Zh));
    assert_eq!(Lang::explicit_locale("en_US.UTF-8"), Some(Lang::En));
    assert_eq!(Lang::explicit_locale("C.UTF-8"), None);
    assert_eq!(Lang::explicit_locale("POSIX"), None);
    std::fs::remove_dir_all(dir).unwrap();
}

struct Home {
    root: PathBuf,
    vars: HashMap<String, String>,
}

impl Home {
    fn new() -> Home {
        Home {
            root: temp("home"),
            vars: HashMap::new(),
        }
    }
    fn env(&self) -> CredentialEnv {
        CredentialEnv {
            vars: self.vars.clone(),
            home: Some(self.root.join("home")),
            config_dir: Some(self.root.join("config")),
        }
    }
    fn write(&self, rel: &str, text: &str) {
        let p = self.root.join("home").join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

fn shown(home: &Home) -> Vec<(String, bool)> {
    onboarding::detect(&ExplicitCredentials::default(), &home.env())
        .iter()
        .map(|s| (s.label(Lang::En), s.in_use))
        .collect()
}

#[test]
fn detection_in_a_temp_home_for_each_source_and_precedence() {
    let mut h = Home::new();
    assert!(shown(&h).is_empty());
    // own config
    let mut cfg = TcscaleConfig::default();
    cfg.set_credential(&Credential::new(
        "AKIDconfig000000000000000000cfg1",
        "k-config-000000000000",
        None,
    ));
    cfg.save(&config_path_in(&h.root.join("config"))).unwrap();
    let s = shown(&h);
    assert_eq!(s.len(), 1);
    assert!(s[0].0.contains("AKID****cfg1") && s[0].1, "{s:?}");
    // the SDKs' INI file beats it
    h.write(
        ".tencentcloud/credentials",
        "[default]\nsecret_id = AKIDini00000000000000000000ini1\nsecret_key = k-ini-000000000000\n",
    );
    let s = shown(&h);
    assert_eq!(s.iter().filter(|x| x.1).count(), 1);
    assert!(
        s.iter().find(|x| x.1).unwrap().0.contains("****ini1"),
        "{s:?}"
    );
    // two tccli profiles, no default: both listed, neither used → the user picks
    h.write(
        ".tccli/prod.credential",
        r#"{"secretId": "AKIDprod0000000000000000000prd1", "secretKey": "k-prod-0000000000"}"#,
    );
    h.write(
        ".tccli/test.credential",
        r#"{"secretId": "AKIDtest0000000000000000000tst1", "secretKey": "k-test-0000000000"}"#,
    );
    let s = shown(&h);
    assert!(
        s.iter()
            .any(|x| x.0.contains("prod") && x.0.contains("****prd1")),
        "{s:?}"
    );
    assert!(
        s.iter()
            .any(|x| x.0.contains("test") && x.0.contains("****tst1")),
        "{s:?}"
    );
    // a default profile beats the INI file
    h.write(
        ".tccli/default.credential",
        r#"{"secretId": "AKIDdflt0000000000000000000dfl1", "secretKey": "k-dflt-0000000000"}"#,
    );
    assert!(shown(&h)
        .iter()
        .find(|x| x.1)
        .unwrap()
        .0
        .contains("****dfl1"));
    // the environment beats the profile
    h.vars.insert(
        "TENCENTCLOUD_SECRET_ID".into(),
        "AKIDenv00000000000000000000env1".into(),
    );
    h.vars.insert(
        "TENCENTCLOUD_SECRET_KEY".into(),
        "k-env-00000000000000".into(),
    );
    let d = onboarding::detect(&ExplicitCredentials::default(), &h.env());
    let used: Vec<_> = d.iter().filter(|x| x.in_use).collect();
    assert_eq!(used.len(), 1);
    assert_eq!(used[0].source, CredentialSource::Env);
    // flags beat everything
    let flags = ExplicitCredentials {
        secret_id: Some("AKIDflag0000000000000000000flg1".into()),
        secret_key: Some(tcscale::cloud::Secret::new("k-flag-000000000000")),
        ..Default::default()
    };
    let d = onboarding::detect(&flags, &h.env());
    assert_eq!(
        d.iter().find(|x| x.in_use).unwrap().source,
        CredentialSource::Flags
    );
    // no secret shows in any label
    for x in &d {
        let l = x.label(Lang::Zh);
        assert!(!l.contains("k-"), "{l}");
        assert!(!l.contains("0000000000000000"), "{l}");
    }
    std::fs::remove_dir_all(&h.root).unwrap();
}

#[test]
fn config_command_sets_shows_masked_and_keeps_mode() {
    let home = temp("cli");
    let bin = env!("CARGO_BIN_EXE_tcscale");
    let run = |args: &[&str]| {
        std::process::Command::new(bin)
            .args(args)
            .env("HOME", &home)
            .env_remove("XDG_CONFIG_HOME")
            .env("LANG", "C")
            .output()
            .unwrap()
    };
    let out = run(&["config", "path"]);
    let path = PathBuf::from(String::from_utf8(out.stdout).unwrap().trim());
    assert!(path.starts_with(&home), "{path:?}");
    assert!(run(&[
        "config",
        "set",
        "secret_id",
        "AKIDcli00000000000000000000cli1"
    ])
    .status
    .success());
    assert!(
        run(&["config", "set", "secret_key", "CliSecretKey0000000000000"])
            .status
            .success()
    );
    assert!(run(&["config", "set", "region", "ap-shanghai"])
        .status
        .success());
    let bad = run(&["config", "set", "lang", "klingon"]);
    assert_eq!(bad.status.code(), Some(2));
    let out = run(&["config", "show"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("secret_id = AKID****cli1"), "{text}");
    assert!(!text.contains("CliSecretKey"), "{text}");
    assert!(text.contains("region = ap-shanghai"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    std::fs::remove_dir_all(home).unwrap();
}
