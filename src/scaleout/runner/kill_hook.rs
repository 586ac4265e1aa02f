//! Test hooks that SIGKILL the process at the moments a crash hurts most,
//! so the end-to-end tests can prove that `resume` neither loses nor doubles
//! anything. Both are read from the environment once and do nothing unless set:
//!
//! - `TCSCALE_TEST_KILL_AFTER_STEP=N`: after the Nth finished step;
//! - `TCSCALE_TEST_KILL_AFTER_CALL=Action`: right after the first successful
//!   answer to `Action`, before the step has journaled what it returned;
//! - `TCSCALE_TEST_STOP_AFTER_STEP=N`: SIGSTOP (not kill) after the Nth
//!   finished step, so a test can run a second tcscale beside a live one.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

/// A real SIGKILL: no destructor runs, nothing is flushed beyond what is
/// already written.
fn kill_self() {
    let pid = std::process::id().to_string();
    let _ = std::process::Command::new("kill")
        .args(["-KILL", &pid])
        .status();
    std::thread::sleep(std::time::Duration::from_secs(5));
}

/// Called after every successful API answer.
pub fn after_call(action: &str) {
    static WANTED: OnceLock<Option<String>> = OnceLock::new();
    static FIRED: AtomicBool = AtomicBool::new(false);
    let wanted = WANTED.get_or_init(|| std::env::var("TCSCALE_TEST_KILL_AFTER_CALL").ok());
    if wanted.as_deref() == Some(action) && !FIRED.swap(true, Ordering::SeqCst) {
        kill_self();
    }
}

/// Stops (SIGSTOP) the process where it stands, its run lock held: a
/// test can then act as a second tcscale working beside it, and SIGCONT it.
fn stop_self() {
    let pid = std::process::id().to_string();
    let _ = std::process::Command::new("kill")
        .args(["-STOP", &pid])
        .status();
}

/// Counts finished steps across phases (TCSCALE_TEST_KILL_AFTER_STEP,
/// TCSCALE_TEST_STOP_AFTER_STEP).
/// Shared by the branches of an overlapped phase.
pub struct Boundary {
    done: std::sync::atomic::AtomicU32,
    kill_after: Option<u32>,
    stop_after: Option<u32>,
}

impl Boundary {
    pub fn from_env() -> Boundary {
        Boundary {
            done: std::sync::atomic::AtomicU32::new(0),
            kill_after: std::env::var("TCSCALE_TEST_KILL_AFTER_STEP")
                .ok()
                .and_then(|v| v.parse().ok()),
            stop_after: std::env::var("TCSCALE_TEST_STOP_AFTER_STEP")
                .ok()
                .and_then(|v| v.parse().ok()),
        }
    }

    pub fn passed(&self) {
        let done = self.done.fetch_add(1, Ordering::SeqCst) + 1;
        if self.kill_after == Some(done) {
            kill_self();
        }
        if self.stop_after == Some(done) {
            stop_self();
        }
    }
}
