//! Figure 6: process start to first frame in sandbox mode (the simulator
//! started in-process included). `TCSCALE_EXIT_AFTER_FIRST_FRAME=1` makes
//! the TUI leave right after its first draw; the wizard runs under a pty
//! (`script -qc`), and the whole process is timed over N runs.

use std::process::{Command, Stdio};
use std::time::Instant;

use crate::report::{failed, quantile, Figure};
use crate::simhost::package_bin;

const NAME: &str = "6. start-up to first frame";
const TARGET: &str = "<= 100 ms";

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Median and p90 (ms) of `runs` starts of `tcscale ARGS` under a pty.
/// The pty wrapper (`script`) is timed alone too and subtracted.
fn time_starts(args: &str, runs: usize) -> Result<(f64, f64, f64), String> {
    let bin = package_bin("tcscale")?;
    let home = std::env::temp_dir().join(format!("tcscale-bench-tui-{}", std::process::id()));
    std::fs::create_dir_all(&home).map_err(|e| e.to_string())?;
    let once = |inner: &str| -> Result<f64, String> {
        let t = Instant::now();
        let out = Command::new("script")
            .args(["-qec", inner, "/dev/null"])
            .env("TCSCALE_EXIT_AFTER_FIRST_FRAME", "1")
            .env("HOME", &home)
            .env("XDG_DATA_HOME", &home)
            .env("XDG_CONFIG_HOME", &home)
            .env("TERM", "xterm-256color")
            .env_remove("TENCENTCLOUD_SECRET_ID")
            .env_remove("TENCENTCLOUD_SECRET_KEY")
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("script: {e}"))?;
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        if !out.status.success() {
            return Err(format!(
                "`{inner}` exited {}: {}",
                out.status,
                String::from_utf8_lossy(&out.stdout)
                    .lines()
                    .chain(String::from_utf8_lossy(&out.stderr).lines())
                    .filter(|l| !l.trim().is_empty())
                    .last()
                    .unwrap_or("")
                    .chars()
                    .take(160)
                    .collect::<String>()
            ));
        }
        Ok(ms)
    };
    let cmd = format!("{} {args}", shell_quote(&bin.display().to_string()));
    once(&cmd)?; // warm the page cache
    let mut ours = Vec::new();
    let mut bare = Vec::new();
    for _ in 0..runs {
        ours.push(once(&cmd)?);
        bare.push(once("true")?);
    }
    let _ = std::fs::remove_dir_all(&home);
    let wrapper = quantile(&mut bare, 0.5);
    Ok((
        quantile(&mut ours, 0.5) - wrapper,
        quantile(&mut ours, 0.9) - wrapper,
        wrapper,
    ))
}

pub fn run(quick: bool) -> Figure {
    let runs = if quick { 2 } else { 20 };
    match time_starts("--sandbox --lang en", runs) {
        Ok((p50, p90, wrapper)) => Figure::new(
            NAME,
            format!("median {p50:.1} ms (p90 {p90:.1} ms)"),
            TARGET,
            Some(p50 <= 100.0),
        )
        .note(format!(
            "`tcscale --sandbox` under `script -qec`, {runs} runs; the wrapper's own {wrapper:.1} ms (`script -qec true`) subtracted"
        )),
        Err(e) => {
            let mut f = failed(NAME, TARGET, e);
            // Without the sandbox, the onboarding screen still shows how fast the TUI itself starts.
            if let Ok((p50, _, _)) = time_starts("--lang en", runs) {
                f.notes.push(format!(
                    "without the sandbox (onboarding screen, no simulator): median {p50:.1} ms"
                ));
            }
            f
        }
    }
}
