//! The Python interpreter of a venv with the official Tencent Cloud SDK, for
//! tests that cross-check tcscale against it. Created on first use at
//! `target/pyvenv` (python3 -m venv + pip install from PyPI), guarded by a
//! lock directory so parallel test binaries do not race; a test that needs
//! it FAILS with the reason when it cannot be set up. Include it with
//! `#[path = "support/python.rs"] mod python;`.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime};

/// The PyPI packages of the venv (the per-service SDK packages keep it small).
pub const PACKAGES: &[&str] = &[
    "tencentcloud-sdk-python-common",
    "tencentcloud-sdk-python-cvm",
    "tencentcloud-sdk-python-clb",
    "tencentcloud-sdk-python-vpc",
    "tencentcloud-sdk-python-tat",
    "tencentcloud-sdk-python-tag",
    "tencentcloud-sdk-python-autoscaling",
];

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
}

fn venv_python(venv: &Path) -> PathBuf {
    if cfg!(windows) {
        venv.join("Scripts").join("python.exe")
    } else {
        venv.join("bin").join("python")
    }
}

/// The venv's python, ready to `import tencentcloud`. Panics with the reason
/// (and the command's output) when the venv cannot be made.
pub fn python() -> PathBuf {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(ensure_venv).clone()
}

fn ensure_venv() -> PathBuf {
    let venv = target_dir().join("pyvenv");
    let marker = venv.join(".tcscale-ready");
    let wanted = PACKAGES.join("\n");
    let ready = || std::fs::read_to_string(&marker).is_ok_and(|m| m == wanted);
    if ready() {
        return venv_python(&venv);
    }
    let lock = target_dir().join("pyvenv.lock");
    std::fs::create_dir_all(target_dir()).expect("cannot create target/");
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        match std::fs::create_dir(&lock) {
            Ok(()) => break,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                if ready() {
                    return venv_python(&venv);
                }
                // a lock left by a killed run: older than 10 minutes
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
                    "timed out waiting for another test to set up {} (lock {})",
                    venv.display(),
                    lock.display()
                );
                std::thread::sleep(Duration::from_millis(200));
            }
            Err(e) => panic!("cannot create the lock {}: {e}", lock.display()),
        }
    }
    let result = std::panic::catch_unwind(|| {
        if !ready() {
            build_venv(&venv);
            std::fs::write(&marker, &wanted).expect("cannot write the venv marker");
        }
    });
    let _ = std::fs::remove_dir(&lock);
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
    venv_python(&venv)
}

fn run(cmd: &mut Command, what: &str) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn build_venv(venv: &Path) {
    if venv.exists() {
        std::fs::remove_dir_all(venv)
            .unwrap_or_else(|e| panic!("cannot remove the half-made {}: {e}", venv.display()));
    }
    let python3 = std::env::var("TCSCALE_PYTHON").unwrap_or_else(|_| "python3".into());
    run(
        Command::new(&python3).args(["-m", "venv"]).arg(venv),
        &format!(
            "creating the Python venv {} for the official-SDK cross-checks \
             (needs python3 with the venv module; set TCSCALE_PYTHON to use another python)",
            venv.display()
        ),
    );
    run(
        Command::new(venv_python(venv))
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
            ])
            .args(PACKAGES),
        "installing the official Tencent Cloud SDK from PyPI (needs network access to pypi.org)",
    );
}

/// Runs a script of tests/python with the venv's python; returns stdout.
pub fn run_script(script: &str, args: &[&str]) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("python")
        .join(script);
    let out = Command::new(python())
        .arg(&path)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", path.display()));
    assert!(
        out.status.success(),
        "{} failed ({}):\n{}",
        path.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("the script prints UTF-8")
}
