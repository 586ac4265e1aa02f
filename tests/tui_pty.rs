//! The wizard in a real pseudo-terminal (util-linux `script`), stopped in
//! the middle by SIGTERM, SIGINT, SIGHUP or the `q` key: the terminal's
//! modes (`stty -g`) are the same afterwards as before, and the last
//! escape sequences leave the alternate screen, stop mouse reporting and
//! show the cursor. A SIGKILL (which nothing can catch) is the control
//! that shows the comparison can fail.

use std::path::Path;
use std::process::{Command, Stdio};

fn have_script() -> bool {
    Command::new("script")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

struct Outcome {
    before: String,
    after: String,
    output: Vec<u8>,
    stderr: String,
}

/// Runs the wizard (sandbox) in a pty for `secs`, then `stop` (a shell
/// command with `$pid`), and records the tty modes around it.
fn run(dir: &Path, stop: &str, keys: Option<&str>) -> Outcome {
    let bin = env!("CARGO_BIN_EXE_tcscale");
    let home = dir.join("home");
    std::fs::create_dir_all(&home).unwrap();
    let script = format!(
        r#"stty rows 30 cols 100
stty -g > "{d}/before"
HOME="{home}" XDG_CONFIG_HOME="{home}/.config" XDG_DATA_HOME="{home}/.local/share" "{bin}" --sandbox --lang en </dev/tty >/dev/tty 2>"{d}/stderr" &
pid=$!
sleep 3
{stop}
wait $pid
stty -g > "{d}/after"
"#,
        d = dir.display(),
        home = home.display(),
    );
    std::fs::write(dir.join("run.sh"), script).unwrap();
    let input = match keys {
        // Typed into the pty after the wizard is up.
        Some(k) => format!("sleep 2; printf '{k}'; sleep 3"),
        None => "sleep 6".to_string(),
    };
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "({input}) | script -qec 'sh {}/run.sh' /dev/null",
            dir.display()
        ))
        .output()
        .expect("script runs");
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap_or_default();
    Outcome {
        before: read("before"),
        after: read("after"),
        output: out.stdout,
        stderr: read("stderr"),
    }
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

fn assert_restored(what: &str, o: &Outcome) {
    assert!(!o.before.trim().is_empty(), "{what}: no stty before");
    assert_eq!(
        o.before, o.after,
        "{what}: tty modes changed; stderr: {}",
        o.stderr
    );
    let entered = rfind(&o.output, b"\x1b[?1049h").expect("entered the alternate screen");
    let left = rfind(&o.output, b"\x1b[?1049l")
        .unwrap_or_else(|| panic!("{what}: never left the alternate screen"));
    assert!(left > entered, "{what}: left before entering");
    let mouse_off = rfind(&o.output, b"\x1b[?1000l").unwrap_or(0);
    assert!(mouse_off > entered, "{what}: mouse reporting left on");
    let cursor = rfind(&o.output, b"\x1b[?25h").unwrap_or(0);
    assert!(cursor > entered, "{what}: cursor left hidden");
    assert!(
        !o.stderr.contains("panicked"),
        "{what}: the wizard panicked: {}",
        o.stderr
    );
}

fn tempdir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!(
        "tcscale-pty-{name}-{}-{}",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn terminal_modes_are_restored_after_signals_and_quit() {
    if !have_script() {
        return crate::missing_tool("terminal_modes_are_restored", "script (util-linux)");
    }
    for sig in ["TERM", "INT", "HUP"] {
        let dir = tempdir(sig);
        let o = run(&dir, &format!("kill -{sig} $pid"), None);
        assert_restored(&format!("SIG{sig}"), &o);
        // Something was drawn: the overview's menu.
        assert!(
            String::from_utf8_lossy(&o.output).contains("Scale out"),
            "SIG{sig}: the wizard drew its overview"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
    let dir = tempdir("q");
    let o = run(&dir, "", Some("q"));
    assert_restored("q", &o);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sigkill_is_the_control_it_cannot_restore() {
    if !have_script() {
        return crate::missing_tool("sigkill_is_the_control", "script (util-linux)");
    }
    let dir = tempdir("kill");
    let o = run(&dir, "kill -KILL $pid", None);
    assert_ne!(
        o.before, o.after,
        "after SIGKILL the pty stays raw, so the comparison above can fail"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The terminal goes away under the wizard (its `script` SIGKILLed, as when
/// a window is closed): the wizard ends within seconds instead of running
/// on without a terminal (a crossterm stream on a dead pty could spin a
/// whole core and never take the SIGHUP; the terminal is read on a thread).
#[test]
fn the_wizard_ends_when_its_terminal_goes_away() {
    if !have_script() {
        return crate::missing_tool(
            "the_wizard_ends_when_its_terminal_goes_away",
            "script (util-linux)",
        );
    }
    let dir = tempdir("gone");
    let home = dir.join("home");
    std::fs::create_dir_all(&home).unwrap();
    let bin = env!("CARGO_BIN_EXE_tcscale");
    let inner = format!(
        "stty rows 30 cols 100; echo $$ > '{d}/shell'; HOME='{h}' XDG_DATA_HOME='{h}/data' XDG_CONFIG_HOME='{h}/config' exec '{bin}' --sandbox --lang en",
        d = dir.display(),
        h = home.display(),
    );
    let mut script = Command::new("script")
        .args(["-qfec", &inner, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("script runs");
    std::thread::sleep(std::time::Duration::from_secs(3));
    // `exec`: the shell's pid is the wizard's.
    let pid: i32 = std::fs::read_to_string(dir.join("shell"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let alive = |pid: i32| {
        Path::new(&format!("/proc/{pid}")).exists()
            && !std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .unwrap_or_default()
                .contains(") Z ")
    };
    assert!(alive(pid), "the wizard runs");
    script.kill().unwrap();
    let _ = script.wait();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while alive(pid) && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let still = alive(pid);
    if still {
        let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
    }
    assert!(
        !still,
        "the wizard still ran 10 s after its terminal went away"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
