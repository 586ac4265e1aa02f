//! The official Tencent Cloud Node.js SDK, for tests that cross-check the
//! simulator against it: `npm install` of [`PACKAGES`] into
//! `target/nodesdk` on first use (the registry is reachable in CI), guarded
//! by a lock directory so parallel test binaries do not race. Unlike the
//! Python venv, Node.js is optional: without `node` and `npm` on PATH,
//! [`node_dir`] returns `None` and the test says it skipped. Include it with
//! `#[path = "support/node.rs"] mod node;`.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime};

/// The npm packages: the CVM client and the common client (which calls any
/// service); the per-service packages of CLB, VPC, TAT, AS and Tag do not
/// exist on npm, and the whole SDK is far heavier.
pub const PACKAGES: &[&str] = &[
    "tencentcloud-sdk-nodejs-common",
    "tencentcloud-sdk-nodejs-cvm",
];

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
}

fn available(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The directory whose `node_modules` holds the SDK, or `None` when `node`
/// or `npm` is not installed. Panics with npm's output when the install fails.
pub fn node_dir() -> Option<PathBuf> {
    static DIR: OnceLock<Option<PathBuf>> = OnceLock::new();
    DIR.get_or_init(|| (available("node") && available("npm")).then(ensure_install))
        .clone()
}

fn ensure_install() -> PathBuf {
    let dir = target_dir().join("nodesdk");
    let marker = dir.join(".tcscale-ready");
    let wanted = PACKAGES.join("\n");
    let ready = || std::fs::read_to_string(&marker).is_ok_and(|m| m == wanted);
    if ready() {
        return dir;
    }
    std::fs::create_dir_all(target_dir()).expect("cannot create target/");
    let lock = target_dir().join("nodesdk.lock");
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        match std::fs::create_dir(&lock) {
            Ok(()) => break,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                if ready() {
                    return dir;
                }
                let stale = std::fs::metadata(&lock)
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| SystemTime::now().duration_since(t).ok())
                    .is_some_and(|age| age > Duration::from_secs(600));
                if stale {
                    let _ = std::fs::remove_dir(&lock);
                }
                assert!(
                    Instant::now() < deadline,
                    "timed out waiting for another test to install {}",
                    dir.display()
                );
                std::thread::sleep(Duration::from_millis(200));
            }
            Err(e) => panic!("cannot create the lock {}: {e}", lock.display()),
        }
    }
    let result = std::panic::catch_unwind(|| {
        if !ready() {
            install(&dir);
            std::fs::write(&marker, &wanted).expect("cannot write the nodesdk marker");
        }
    });
    let _ = std::fs::remove_dir(&lock);
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
    dir
}

fn install(dir: &Path) {
    std::fs::create_dir_all(dir).expect("cannot create target/nodesdk");
    // a package.json of its own, so npm installs here and not in a parent
    std::fs::write(
        dir.join("package.json"),
        r#"{"name": "tcscale-nodesdk", "private": true}"#,
    )
    .expect("cannot write target/nodesdk/package.json");
    let out = Command::new("npm")
        .args(["install", "--no-audit", "--no-fund", "--loglevel=error"])
        .args(PACKAGES)
        .current_dir(dir)
        .output()
        .expect("cannot run npm");
    assert!(
        out.status.success(),
        "installing the official Tencent Cloud Node.js SDK from npm failed \
         (needs network access to registry.npmjs.org) ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs a script of tests/node with `node`, resolving the SDK from `dir`;
/// returns stdout. Panics with stderr when the script fails.
pub fn run_script(dir: &Path, script: &str, args: &[&str]) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("node")
        .join(script);
    let out = Command::new("node")
        .arg(&path)
        .args(args)
        .env("NODE_PATH", dir.join("node_modules"))
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", path.display()));
    assert!(
        out.status.success(),
        "{} failed ({}):\n{}\n{}",
        path.display(),
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("the script prints UTF-8")
}
