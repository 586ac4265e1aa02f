//! The `tcscale` binary end to end, against an in-process simulator whose
//! keys are in its environment: `apply` with and without `--yes`, bad plan
//! files in both languages, and what every file tcscale writes (and its
//! output) may not contain: the secret key and the session token.

use crate::e2e_support;

use e2e_support::*;
use tcscale::scaleout::journal::RunStatus;
use tcscale::sim::server::{start, SimConfig};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_yes_scales_out_and_no_secret_reaches_any_file_or_output() {
    let key = format!("SCANsecretKEY{}", uuid::Uuid::new_v4().simple());
    let h = start(SimConfig {
        speed: SPEED,
        secret_key: key.clone(),
        seed: 7,
        ..Default::default()
    })
    .await
    .unwrap();
    // temporary credentials, so the session token really is used (and checked)
    let tmp = h.issue_temporary(30.0 * 86_400.0);
    let tmp_id = tmp.secret_id.expose().to_string();
    let tmp_key = tmp.secret_key.expose().to_string();
    let token = tmp.token.as_ref().unwrap().expose().to_string();
    let home = Home::new("secrets");
    let env = [
        ("TENCENTCLOUD_SECRET_ID", tmp_id.as_str()),
        ("TENCENTCLOUD_SECRET_KEY", tmp_key.as_str()),
        ("TENCENTCLOUD_SESSION_TOKEN", token.as_str()),
        ("RUST_LOG", "debug"),
    ];
    let before = h.with_world(|w| inventory(w));
    let mut outputs = vec![tcscale(&h, &home, &["config", "set", "region", REGION], &env).await];
    let plan = plan_path("session-servers.toml");
    let out = tcscale(&h, &home, &["apply", plan.to_str().unwrap(), "--yes"], &env).await;
    // The sandbox's ins-tatoff01 has no TAT agent: the run is partly done,
    // said on its last lines, with a distinct exit code.
    assert_applied(&out, "apply");
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().unwrap_or("");
    assert!(
        last.contains("ins-tatoff01 still uses the old authServerUrl")
            && last.contains("TAT agent is offline"),
        "{last}"
    );
    assert!(stdout.contains("done: run"), "{}", text(&out));
    outputs.push(out);
    outputs.push(tcscale(&h, &home, &["runs"], &env).await);

    // The world: exactly what the plan asked for, all of it journaled.
    let after = h.with_world(|w| inventory(w));
    let d = delta(&before, &after);
    assert_eq!((d.images.len(), d.instances.len(), d.clbs.len()), (1, 2, 1));
    let j = home.journal();
    assert_eq!(j.status(), RunStatus::Done);
    assert_explained(&d, &j, "apply --yes");
    assert!(assert_sdk_configs_whole(&before, &after, "apply --yes") >= 2);

    // Every file tcscale wrote, and everything it printed: no key, no token.
    let files = home.files();
    let kinds = |part: &str| files.iter().any(|f| f.to_string_lossy().contains(part));
    assert!(kinds("/runs/"), "journal written: {files:?}");
    assert!(kinds("/audit/"), "audit log written: {files:?}");
    assert!(kinds("/logs/"), "tracing log written: {files:?}");
    assert!(kinds("/config/"), "config written: {files:?}");
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(&key), "secret key in {}", f.display());
        assert!(
            !text.contains(&tmp_key),
            "temporary secret key in {}",
            f.display()
        );
        assert!(!text.contains(&token), "session token in {}", f.display());
        if f.to_string_lossy().contains("/runs/") {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(f).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{}", f.display());
        }
    }
    for o in &outputs {
        let all = text(o);
        assert!(!all.contains(&key), "secret key in output:\n{all}");
        assert!(
            !all.contains(&tmp_key),
            "temporary secret key in output:\n{all}"
        );
        assert!(!all.contains(&token), "session token in output:\n{all}");
    }
    h.shutdown().await;
}

/// The calls of a run are audited in `<audit dir>/<run id>.jsonl`, named
/// like its journal, so a user finds them from the id `tcscale runs` lists.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_audits_the_runs_calls_in_a_file_named_by_its_run_id() {
    let (h, home, _before) = applied("audit-name", "session-servers.toml").await;
    let run_id = home.journal().run_id;
    let audit = home.dir.join("data/tcscale/audit");
    let file = audit.join(format!("{run_id}.jsonl"));
    let text = std::fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("{}: {e}; audit dir: {:?}", file.display(), home.files()));
    let actions: Vec<String> = text
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("one JSON record a line");
            v["action"].as_str().unwrap_or_default().to_string()
        })
        .collect();
    for action in ["CreateImage", "RunInstances", "CreateLoadBalancer"] {
        assert!(actions.iter().any(|a| a == action), "{action}: {actions:?}");
    }
    // Every call of the apply, the plan check's included, is the run's.
    let others: Vec<_> = std::fs::read_dir(&audit)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p != &file)
        .collect();
    assert!(others.is_empty(), "{others:?}");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{}", file.display());
    h.shutdown().await;
}

async fn sim_state(h: &tcscale::sim::server::SimHandle) -> serde_json::Value {
    reqwest::get(format!("{}/_sim/state", h.endpoint()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn counts(state: &serde_json::Value) -> Vec<usize> {
    let len = |p: &str| {
        state
            .pointer(p)
            .and_then(|v| v.as_array())
            .map_or(0, Vec::len)
    };
    vec![
        len("/cvm/images"),
        len("/cvm/instances"),
        len("/clb/load_balancers"),
        len("/tat/invocations"),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_without_yes_prints_every_changing_call_and_creates_nothing() {
    let h = sim("").await;
    let home = Home::new("preview");
    let before = sim_state(&h).await;
    for (plan, calls) in [
        (
            "session-servers.toml",
            &[
                "cvm.CreateImage",
                "cvm.RunInstances",
                "clb.CreateLoadBalancer",
                "clb.CreateListener",
                "clb.RegisterTargets",
                "vpc.CreateSecurityGroupPolicies",
                "tat.RunCommand",
            ][..],
        ),
        (
            "business-servers.toml",
            &["cvm.CreateImage", "cvm.RunInstances", "clb.RegisterTargets"][..],
        ),
    ] {
        let path = plan_path(plan);
        let out = tcscale(&h, &home, &["apply", path.to_str().unwrap()], &[]).await;
        assert!(out.status.success(), "{}", text(&out));
        let stdout = String::from_utf8_lossy(&out.stdout);
        for c in calls {
            assert!(stdout.contains(c), "{plan}: {c} listed:\n{stdout}");
        }
        assert!(stdout.contains("--yes"), "{stdout}");
        assert!(stdout.contains("dry run"), "{stdout}");
        // What the wizard's Overview says about the account, from the same checks.
        for line in [
            "✓ custom image quota",
            "! TAT agent online on 3/4 business servers",
            "ins-tatoff01",
        ] {
            assert!(stdout.contains(line), "{plan}: {line}:\n{stdout}");
        }
    }
    let after = sim_state(&h).await;
    assert_eq!(counts(&before), counts(&after), "nothing created");
    assert!(counts(&after)[0] > 0, "the state was read");
    assert!(home.store().list_runs().0.is_empty(), "no run journaled");
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_plans_name_the_field_the_allowed_values_and_the_line_in_both_languages() {
    let h = sim("").await;
    let home = Home::new("bad");
    let good = std::fs::read_to_string(plan_path("session-servers.toml")).unwrap();
    let cases: Vec<(&str, String, &[&str], &[&str])> = vec![
        (
            "port",
            good.replace("listener_port = 80", "listener_port = 70000"),
            &["session.listener_port", "1 and 65535", "70000"],
            &["session.listener_port", "1–65535", "70000"],
        ),
        (
            "count",
            good.replace("count = 2", "count = 0"),
            &["session.count", "between 1 and 500"],
            &["session.count", "1–500"],
        ),
        (
            "unknown key",
            good.replace("listener_port = 80", "listner_port = 80"),
            &["listner_port"],
            &["listner_port"],
        ),
        (
            "role",
            good.replace("role = \"session\"", "role = \"everything\""),
            &["everything", "session"],
            &["everything", "session"],
        ),
        (
            "protocol",
            good.replace(
                "listener_port = 80",
                "listener_protocol = \"HTTP\"\nlistener_port = 80",
            ),
            &["session.listener_protocol", "TCP", "UDP"],
            &["session.listener_protocol", "TCP", "UDP"],
        ),
    ];
    for (name, text_of_plan, en, zh) in cases {
        assert_ne!(text_of_plan, good, "{name}: the case changes the plan");
        let path = home.dir.join(format!("{}.toml", name.replace(' ', "-")));
        std::fs::write(&path, &text_of_plan).unwrap();
        let changed_line = text_of_plan
            .lines()
            .zip(good.lines())
            .position(|(a, b)| a != b)
            .unwrap()
            + 1;
        for (lang, words, line_word) in [
            ("en", en, format!("line {changed_line}")),
            ("zh-CN", zh, format!("第 {changed_line} 行")),
        ] {
            let out = tcscale(
                &h,
                &home,
                &["--lang", lang, "apply", path.to_str().unwrap(), "--yes"],
                &[],
            )
            .await;
            assert_eq!(out.status.code(), Some(2), "{name} {lang}: {}", text(&out));
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(
                err.contains(&line_word),
                "{name} {lang}: {line_word} in\n{err}"
            );
            for w in words {
                assert!(err.contains(w), "{name} {lang}: {w} in\n{err}");
            }
        }
    }
    assert!(home.store().list_runs().0.is_empty(), "nothing run");
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_step_offers_retry_skip_and_cleanup_and_skip_goes_on() {
    let h = sim("tat-fail=1").await;
    let home = Home::new("recovery");
    let before = h.with_world(|w| inventory(w));
    let plan = plan_path("session-servers.toml");
    let out = tcscale(&h, &home, &["apply", plan.to_str().unwrap(), "--yes"], &[]).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let j = home.journal();
    assert_eq!(j.status(), RunStatus::Failed);
    let err = String::from_utf8_lossy(&out.stderr);
    for cmd in [
        format!("tcscale resume {} --yes", j.run_id),
        format!("tcscale resume {} --skip-failed --yes", j.run_id),
        format!("tcscale cleanup {} --yes", j.run_id),
    ] {
        assert!(err.contains(&cmd), "{cmd} offered:\n{err}");
    }
    // The sdk.config step may be skipped: nothing later needs it.
    let out = tcscale(
        &h,
        &home,
        &["resume", &j.run_id, "--skip-failed", "--yes"],
        &[],
    )
    .await;
    assert_applied(&out, "resume --skip-failed");
    assert_eq!(out.status.code(), Some(4), "a skipped step: {}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("\"sdk.config\" was skipped"),
        "{}",
        text(&out)
    );
    let j = home.journal();
    assert_eq!(j.status(), RunStatus::Done);
    let after = h.with_world(|w| inventory(w));
    let d = delta(&before, &after);
    assert_eq!((d.images.len(), d.instances.len(), d.clbs.len()), (1, 2, 1));
    assert_explained(&d, &j, "skip");
    assert_eq!(assert_sdk_configs_whole(&before, &after, "skip"), 0);
    h.shutdown().await;

    // A failed image cannot be skipped: the launch needs it.
    let h = sim("image-fail=1").await;
    let home = Home::new("recovery-image");
    let out = tcscale(&h, &home, &["apply", plan.to_str().unwrap(), "--yes"], &[]).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let id = home.journal().run_id;
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("tcscale resume {id}")), "{err}");
    assert!(!err.contains("--skip-failed"), "{err}");
    let out = tcscale(&h, &home, &["resume", &id, "--skip-failed", "--yes"], &[]).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cannot be skipped"),
        "{}",
        text(&out)
    );
    h.shutdown().await;
}

/// A Node.js server whose sdk.config has `//` comments: the demo reads it
/// with `JSON.parse`, so tcscale refuses to write it (naming the line), and
/// the file stays as it was, without a backup.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_refuses_to_write_an_sdk_config_node_js_could_not_parse() {
    let h = sim("").await;
    let commented = include_str!("../assets/samples/sdk.config.node.hand-edited");
    let path = "/etc/qcloud/sdk.config";
    h.with_world(|w| {
        let i = w.cvm.instance_mut("ins-bizn0de1").unwrap();
        i.files.insert(path.into(), commented.into());
    });
    let home = Home::new("not-strict");
    let plan = plan_path("session-servers.toml");
    let out = tcscale(&h, &home, &["apply", plan.to_str().unwrap(), "--yes"], &[]).await;
    let all = text(&out);
    assert!(!out.status.success(), "{all}");
    assert!(
        all.contains("JSON.parse") && all.contains("line 2"),
        "{all}"
    );
    let files = h.with_world(|w| w.cvm.instance("ins-bizn0de1").unwrap().files.clone());
    assert_eq!(files[path], commented, "the file is untouched");
    assert!(
        !files.keys().any(|p| p.starts_with(&format!("{path}.bak."))),
        "no backup of an unwritten file: {:?}",
        files.keys().collect::<Vec<_>>()
    );
    h.shutdown().await;
}
