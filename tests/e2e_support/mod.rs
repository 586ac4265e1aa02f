//! Shared by the end-to-end tests that run the `tcscale` binary against an
//! in-process simulator: a private home per run (so every file tcscale
//! writes lands in one place), the binary with the simulator's keys in its
//! environment, and the world's resources counted and compared.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

use tcscale::scaleout::journal::{Journal, JournalStore, ResourceKind};
use tcscale::sim::faults::FaultSpec;
use tcscale::sim::server::{start, SimConfig, SimHandle};

pub const SPEED: f64 = 100.0;
pub const REGION: &str = "ap-guangzhou";

pub async fn sim(faults: &str) -> SimHandle {
    start(SimConfig {
        speed: SPEED,
        faults: Some(FaultSpec::parse(faults).unwrap()),
        seed: 7,
        ..Default::default()
    })
    .await
    .expect("simulator starts")
}

/// An `apply` session (the library's, in-process) against `h`, polling at
/// the simulator's speed.
pub fn session(h: &SimHandle) -> tcscale::cli::apply::Session {
    let config =
        tcscale::cloud::ClientConfig::new(h.credential(), REGION).with_endpoint(Some(h.endpoint()));
    tcscale::cli::apply::Session {
        client: tcscale::cloud::Client::new(config).unwrap(),
        region: REGION.into(),
        lang: tcscale::i18n::Lang::En,
        poll: tcscale::scaleout::runner::PollPolicy::with_speed(SPEED),
        sandbox: None,
    }
}

pub fn plan_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/plans")
        .join(name)
}

/// A private HOME: config, journals, audit and tracing logs all land below it.
pub struct Home {
    pub dir: PathBuf,
}

impl Home {
    pub fn new(tag: &str) -> Home {
        let dir = std::env::temp_dir().join(format!("tcscale-bin-{tag}-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        Home { dir }
    }

    pub fn store(&self) -> JournalStore {
        JournalStore::new(self.dir.join("data/tcscale/runs"))
    }

    /// The only journal of this home (each test home runs one plan).
    pub fn journal(&self) -> Journal {
        let (mut runs, errors) = self.store().list_runs();
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(runs.len(), 1, "one run journaled");
        runs.remove(0)
    }

    /// Every regular file below the home.
    pub fn files(&self) -> Vec<PathBuf> {
        fn walk(d: &Path, out: &mut Vec<PathBuf>) {
            for e in std::fs::read_dir(d).into_iter().flatten().flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(&p, out);
                } else {
                    out.push(p);
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.dir, &mut out);
        out
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The binary with the simulator's keys (plus `extra_env`) and nothing
/// else from the test's environment, ready to run or spawn.
pub fn command(
    h: &SimHandle,
    home: &Home,
    args: &[&str],
    extra_env: &[(&str, &str)],
) -> tokio::process::Command {
    // The simulator's keys first: `extra_env` may replace them.
    let mut env = vec![
        ("TENCENTCLOUD_SECRET_ID", h.secret_id.as_str()),
        ("TENCENTCLOUD_SECRET_KEY", h.secret_key.as_str()),
    ];
    env.extend_from_slice(extra_env);
    let mut cmd = bare_command(home, args, &env);
    cmd.args(["--endpoint", &h.endpoint()]);
    cmd
}

/// The binary in `home` with no account at all (`--sandbox` runs use the
/// built-in one, whose world is kept under the home's data dir).
pub fn bare_command(
    home: &Home,
    args: &[&str],
    extra_env: &[(&str, &str)],
) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_tcscale"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", &home.dir)
        .env("XDG_DATA_HOME", home.dir.join("data"))
        .env("XDG_CONFIG_HOME", home.dir.join("config"))
        .env("TENCENTCLOUD_REGION", REGION)
        .args(args);
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    let speed = SPEED.to_string();
    if matches!(args.first(), Some(&"apply" | &"resume" | &"cleanup")) {
        cmd.args(["--poll-speed", &speed]);
    }
    cmd.kill_on_drop(true);
    cmd
}

/// Runs the binary (see [`command`]) to its end.
pub async fn tcscale(
    h: &SimHandle,
    home: &Home,
    args: &[&str],
    extra_env: &[(&str, &str)],
) -> Output {
    let mut cmd = command(h, home, args, extra_env);
    tokio::time::timeout(std::time::Duration::from_secs(60), cmd.output())
        .await
        .expect("tcscale finishes within a minute")
        .expect("tcscale runs")
}

pub fn text(o: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A simulator, a home named `tag`, the world before, and `plan` applied
/// to the end by `tcscale apply --yes`.
pub async fn applied(tag: &str, plan: &str) -> (SimHandle, Home, Inventory) {
    let h = sim("").await;
    let home = Home::new(tag);
    let before = h.with_world(|w| inventory(w));
    let plan = plan_path(plan);
    let out = tcscale(&h, &home, &["apply", plan.to_str().unwrap(), "--yes"], &[]).await;
    assert_applied(&out, "apply");
    (h, home, before)
}

/// A finished `apply --yes` or `resume`: exit 0 with nothing left undone,
/// or exit 4 exactly when its last lines name what was (in the sandbox,
/// ins-tatoff01, whose TAT agent is offline, keeps its authServerUrl).
pub fn assert_applied(o: &Output, ctx: &str) {
    let stdout = String::from_utf8_lossy(&o.stdout);
    let partly = stdout.lines().position(|l| l.starts_with("partly done"));
    match (o.status.code(), partly) {
        (Some(0), None) => {}
        (Some(4), Some(i)) => {
            let left: Vec<&str> = stdout.lines().skip(i + 1).collect();
            assert!(
                !left.is_empty() && left.iter().all(|l| l.starts_with("  ! ")),
                "{ctx}: what was left undone, one line each: {}",
                text(o)
            );
        }
        _ => panic!("{ctx}: {}", text(o)),
    }
}

/// A finished `tcscale cleanup --yes`: exit 0 when everything was undone,
/// 3 exactly when something is left to the user (its "Left for you:" list).
pub fn assert_cleanup_finished(o: &Output, ctx: &str) {
    let stdout = String::from_utf8_lossy(&o.stdout);
    let left = stdout.contains("Left for you:") || stdout.contains("需要你手动处理：");
    let want = if left { 3 } else { 0 };
    assert_eq!(o.status.code(), Some(want), "{ctx}: {}", text(o));
}

#[allow(unused_imports)] // each test binary uses its own part
pub use tcscale::audit::{delta, inventory, Delta, Inventory};

/// Every resource that appeared is in the journal: nothing the user would
/// pay for without tcscale knowing it. A creation sent but not yet answered
/// when the process died is journaled as an intent (no id yet, found again
/// by its key): each such intent explains one resource of its kind.
pub fn assert_explained(d: &Delta, j: &Journal, ctx: &str) {
    let orphans = tcscale::audit::orphans(d, j);
    assert!(
        orphans.is_empty(),
        "{ctx}: in the world but not in the journal: {orphans:?}"
    );
    assert!(
        d.sg_rules.len() <= j.created_of(ResourceKind::SecurityGroupRule).count(),
        "{ctx}: rules {:?} added, journal has {:?}",
        d.sg_rules,
        j.created_of(ResourceKind::SecurityGroupRule)
            .collect::<Vec<_>>()
    );
}

/// Every sdk.config either untouched, or rewritten to `http://VIP/mina_auth/`
/// with a backup holding the original beside it: never half-written.
/// Returns how many were rewritten.
pub fn assert_sdk_configs_whole(before: &Inventory, after: &Inventory, ctx: &str) -> usize {
    let mut updated = 0;
    for (id, old) in &before.files {
        let Some(now) = after.files.get(id) else {
            continue;
        };
        for (path, original) in old.iter().filter(|(p, _)| p.ends_with("sdk.config")) {
            let new = &now[path];
            let backups: Vec<&String> = now
                .iter()
                .filter(|(p, _)| p.starts_with(&format!("{path}.bak.")) && !old.contains_key(*p))
                .map(|(_, c)| c)
                .collect();
            if new == original {
                assert!(backups.is_empty(), "{ctx}: {id} untouched but backed up");
                continue;
            }
            let url = tcscale::scaleout::sdk_config::read_auth_server_url(new)
                .unwrap_or_else(|| panic!("{ctx}: {id}: {path} lost authServerUrl:\n{new}"));
            let vip = url
                .trim_start_matches("http://")
                .trim_end_matches("/mina_auth/");
            assert_eq!(
                &tcscale::scaleout::sdk_config::set_auth_server_url(original, vip).unwrap(),
                new,
                "{ctx}: {id}: only authServerUrl changed"
            );
            assert_eq!(
                backups,
                vec![original],
                "{ctx}: {id}: one backup, the original"
            );
            updated += 1;
        }
    }
    updated
}
