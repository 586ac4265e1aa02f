//! `tcscale sim` as a process: the two stdout lines, a working server, a clean stop on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn prints_two_lines_serves_and_stops_on_sigterm() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tcscale"))
        .args(["sim", "--speed", "10", "--faults", "throttle=0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tcscale runs");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    let mut second = String::new();
    out.read_line(&mut second).unwrap();
    let endpoint = first
        .trim_end()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("first line: {first:?}"))
        .to_string();
    assert!(endpoint.starts_with("http://127.0.0.1:"), "{endpoint}");
    assert_eq!(second.trim_end(), tcscale::sim::server::SANDBOX_SECRET_ID);
    assert!(!second.contains(tcscale::sim::server::SANDBOX_SECRET_KEY));

    let state = reqwest::blocking_get(&format!("{endpoint}/_sim/state"));
    assert!(state.contains("ins-bizn0de1"));

    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "exit status {status}");
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn bad_faults_are_refused_with_a_clear_message() {
    let out = Command::new(env!("CARGO_BIN_EXE_tcscale"))
        .args(["sim", "--faults", "throttle=2"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("between 0 and 1"), "{err}");
}

mod reqwest {
    /// A GET without pulling reqwest's blocking feature in: a tiny runtime.
    pub fn blocking_get(url: &str) -> String {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(async { ::reqwest::get(url).await.unwrap().text().await.unwrap() })
    }
}
