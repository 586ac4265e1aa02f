//! Figure 6: process start to first frame in sandbox mode (the simulator
//! started in-process included). The wizard runs under a pty (`script
//! -qfec`, which flushes every write); the clock stops when the first frame
//! arrives on the terminal — the bytes after the switch to the alternate
//! screen that contain the header's "tcscale" — and the process is then
//! stopped. No hook in the TUI is needed: this is what a user sees.

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::report::{failed, quantile, Figure};
use crate::simhost::package_bin;

const NAME: &str = "6. start-up to first frame";
const TARGET: &str = "<= 100 ms";
const SIZE: &str = "stty rows 30 cols 100";
/// The wrapper alone: the same marker as a first frame, printed at once.
const FAKE_FRAME: &str = r"printf '\033[?1049h tcscale'";
const ALT_SCREEN: &[u8] = b"\x1b[?1049h";

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Whether `out` holds the first frame: the header text after the switch
/// to the alternate screen.
pub fn first_frame_in(out: &[u8]) -> bool {
    find(out, ALT_SCREEN).is_some_and(|at| find(&out[at..], b"tcscale").is_some())
}

/// Milliseconds from spawning `inner` under a pty until `done(output)`.
fn time_once(inner: &str, done: fn(&[u8]) -> bool) -> Result<f64, String> {
    let home = std::env::temp_dir().join(format!("tcscale-bench-tui-{}", std::process::id()));
    std::fs::create_dir_all(&home).map_err(|e| e.to_string())?;
    let start = Instant::now();
    let mut child = Command::new("script")
        .args(["-qfec", inner, "/dev/null"])
        .env("HOME", &home)
        .env("XDG_DATA_HOME", &home)
        .env("XDG_CONFIG_HOME", &home)
        .env("TERM", "xterm-256color")
        .env_remove("TENCENTCLOUD_SECRET_ID")
        .env_remove("TENCENTCLOUD_SECRET_KEY")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("script: {e}"))?;
    let mut stdout = child.stdout.take().ok_or("no stdout")?;
    let (tx, rx) = mpsc::channel::<Result<f64, String>>();
    std::thread::spawn(move || {
        let mut seen = Vec::new();
        let mut chunk = [0u8; 8192];
        loop {
            match stdout.read(&mut chunk) {
                Ok(0) | Err(_) => {
                    let tail = String::from_utf8_lossy(&seen[seen.len().saturating_sub(300)..])
                        .to_string();
                    let _ = tx.send(Err(format!("ended before a first frame: {tail:?}")));
                    return;
                }
                Ok(n) => {
                    seen.extend_from_slice(&chunk[..n]);
                    if done(&seen) {
                        let _ = tx.send(Ok(start.elapsed().as_secs_f64() * 1000.0));
                        return;
                    }
                }
            }
        }
    });
    let result = rx
        .recv_timeout(Duration::from_secs(15))
        .unwrap_or_else(|_| Err("no first frame within 15 s".into()));
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&home);
    result
}

/// Median and p90 (ms) of `runs` starts of `tcscale ARGS`, minus the pty
/// wrapper's own start (`script -qfec true`, median).
fn time_starts(args: &str, runs: usize) -> Result<(f64, f64, f64), String> {
    let bin = package_bin("tcscale")?;
    // A new pty is 0×0 (nothing would be drawn): size it first, in both runs.
    let cmd = format!(
        "{SIZE} && exec {} {args}",
        shell_quote(&bin.display().to_string())
    );
    time_once(&cmd, first_frame_in)?; // warm the page cache
    let mut ours = Vec::new();
    let mut bare = Vec::new();
    for _ in 0..runs {
        ours.push(time_once(&cmd, first_frame_in)?);
        bare.push(time_once(
            &format!("{SIZE} && exec {FAKE_FRAME}"),
            first_frame_in,
        )?);
    }
    let wrapper = quantile(&mut bare, 0.5);
    Ok((
        quantile(&mut ours, 0.5) - wrapper,
        quantile(&mut ours, 0.9) - wrapper,
        wrapper,
    ))
}

pub fn run(quick: bool) -> Figure {
    let runs = if quick { 2 } else { 30 };
    match time_starts("--sandbox --lang en", runs) {
        Ok((p50, p90, wrapper)) => Figure::new(
            NAME,
            format!("median {p50:.1} ms (p90 {p90:.1} ms)"),
            TARGET,
            Some(p50 <= 100.0),
        )
        .note(format!(
            "`tcscale --sandbox` under `script -qfec` (a pty), {runs} runs, clock stopped at the first frame's bytes; the wrapper's own {wrapper:.1} ms (`script` + `stty`) subtracted"
        )),
        Err(e) => failed(NAME, TARGET, e),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_first_frame_is_the_header_on_the_alternate_screen() {
        assert!(!super::first_frame_in(b"tcscale: error"));
        assert!(!super::first_frame_in(b"\x1b[?1049h\x1b[1;1H"));
        assert!(super::first_frame_in(
            b"\x1b[?1049h\x1b[1;1H tcscale \xc2\xb7 ap-guangzhou"
        ));
    }
}
