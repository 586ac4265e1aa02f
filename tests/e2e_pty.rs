//! The TUI (`tcscale --sandbox`) under a real pseudo-terminal, driven by
//! tests/pty/tui_pty.py: it is taken into a flow, then ended by SIGTERM,
//! SIGINT, or the Ctrl-C byte (quit, confirmed if asked). The terminal must
//! be as it was: the same termios (cooked mode back), the alternate screen
//! left, the cursor shown, mouse capture off.

use std::path::Path;

fn drive(mode: &str) -> serde_json::Value {
    let home = std::env::temp_dir().join(format!("tcscale-pty-{mode}-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&home).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pty/tui_pty.py");
    let out = std::process::Command::new("python3")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_tcscale"))
        .arg(mode)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", &home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .output()
        .expect("python3 runs");
    let _ = std::fs::remove_dir_all(&home);
    assert!(
        out.status.success(),
        "{mode}: driver failed\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{mode}: {e}\n{}", String::from_utf8_lossy(&out.stdout)))
}

fn assert_restored(mode: &str) {
    let r = drive(mode);
    assert_eq!(r["entered"], true, "{mode}: the TUI started: {r}");
    assert_eq!(
        r["icanon_during"], false,
        "{mode}: raw mode while running: {r}"
    );
    assert_ne!(r["code"], "hung", "{mode}: the TUI ended: {r}");
    assert_eq!(r["before"], r["after"], "{mode}: termios restored: {r}");
    assert_eq!(r["icanon_after"], true, "{mode}: cooked mode back: {r}");
    for k in ["left_alt_screen", "cursor_shown", "mouse_off"] {
        assert_eq!(r[k], true, "{mode}: {k}: {r}");
    }
}

#[test]
fn sigterm_mid_flow_restores_the_terminal() {
    assert_restored("sigterm");
}

#[test]
fn sigint_mid_flow_restores_the_terminal() {
    assert_restored("sigint");
}

#[test]
fn ctrl_c_quits_after_the_confirm_and_restores_the_terminal() {
    assert_restored("ctrl-c");
}
