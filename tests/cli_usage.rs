//! The command line's own values, through the real binary: a bad option is
//! a usage error (exit 2) naming the option, at once and with nothing sent;
//! the SecretKey can come from stdin instead of the command line; `tcscale
//! runs` lists a journal it cannot read with the reason.

use crate::e2e_support;

use std::process::Stdio;
use std::time::{Duration, Instant};

use e2e_support::*;
use tokio::io::AsyncWriteExt;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_option_values_are_usage_errors_naming_the_option_with_nothing_sent() {
    let h = sim("").await;
    let home = Home::new("usage");
    let plan = plan_path("session-servers.toml");
    let plan = plan.to_str().unwrap();
    // (arguments, what stderr names)
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["api", "cvm", "DescribeZones", "--endpoint", "notaurl"],
            "--endpoint notaurl",
        ),
        (
            vec!["apply", plan, "--endpoint", "ftp://127.0.0.1:1"],
            "--endpoint ftp://",
        ),
        (vec!["runs", "--lang", "klingon"], "--lang klingon"),
        (vec!["apply", plan, "--region", ""], "--region \"\""),
        (
            vec!["browse", "--region", "Guangzhou"],
            "--region \"Guangzhou\"",
        ),
        (vec!["apply", plan, "--poll-speed", "0"], "--poll-speed"),
        (vec!["resume", "r-1", "--poll-speed", "NaN"], "--poll-speed"),
        (vec!["cleanup", "r-1", "--poll-speed=-3"], "--poll-speed"),
    ];
    let from = h.requests().len();
    for (args, names) in cases {
        let started = Instant::now();
        // `tcscale()` adds the simulator's endpoint last; a bad one given
        // here comes first, and a repeated flag is a clap error: so run it raw.
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_tcscale"));
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &home.dir)
            .env("XDG_DATA_HOME", home.dir.join("data"))
            .env("XDG_CONFIG_HOME", home.dir.join("config"))
            .env("TENCENTCLOUD_SECRET_ID", &h.secret_id)
            .env("TENCENTCLOUD_SECRET_KEY", &h.secret_key)
            .args(&args);
        if !args.contains(&"--endpoint") {
            cmd.args(["--endpoint", &h.endpoint()]);
        }
        let out = cmd.output().await.unwrap();
        let ctx = format!("{args:?}");
        assert_eq!(out.status.code(), Some(2), "{ctx}: {}", text(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(names), "{ctx}: {stderr}");
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{ctx}: at once, not retried"
        );
    }
    assert_eq!(h.requests().len(), from, "nothing was sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_secret_key_can_come_from_stdin_and_is_never_printed() {
    let h = sim("").await;
    let home = Home::new("usage-stdin");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_tcscale"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", &home.dir)
        .env("XDG_DATA_HOME", home.dir.join("data"))
        .env("XDG_CONFIG_HOME", home.dir.join("config"))
        .args(["api", "cvm", "DescribeZones", "--region", REGION])
        .args(["--secret-id", &h.secret_id, "--secret-key-file", "-"])
        .args(["--endpoint", &h.endpoint()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(format!("{}\n", h.secret_key).as_bytes())
        .await
        .unwrap();
    drop(stdin);
    let out = child.wait_with_output().await.unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("ZoneSet"));
    assert!(!text(&out).contains(&h.secret_key));
    for f in home.files() {
        let content = std::fs::read(&f).unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(&content).contains(&h.secret_key),
            "{f:?} holds the key"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_lists_an_unreadable_journal_with_the_reason() {
    let h = sim("").await;
    let home = Home::new("usage-runs");
    let runs = home.dir.join("data/tcscale/runs");
    std::fs::create_dir_all(&runs).unwrap();
    std::fs::write(runs.join("r-broken.json"), "{ not json").unwrap();
    let out = tcscale(&h, &home, &["runs"], &[]).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains("no runs journaled"), "{stdout}");
    assert!(
        stdout.contains("unreadable") && stdout.contains("r-broken.json"),
        "{stdout}"
    );
}
