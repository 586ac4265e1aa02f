//! The benchmark binary compiles and runs every figure once on small sizes
//! (`tcscale-bench all --quick`). Figures are not checked against their
//! targets here (a debug build on a shared CI machine says nothing about
//! them); what must hold is that each benchmark actually measured something.

use std::process::Command;

#[test]
fn every_benchmark_runs_once_on_a_small_size() {
    let out = Command::new(env!("CARGO_BIN_EXE_tcscale-bench"))
        .args(["all", "--quick"])
        .env("TCSCALE_BIN", env!("CARGO_BIN_EXE_tcscale"))
        .output()
        .expect("tcscale-bench runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains(" cores (nproc), "),
        "machine line: {stdout}"
    );
    // Every figure prints a line; these must have been measured (the
    // start-up one needs a pty and the sandbox, the tccli one Python).
    for n in [
        "1.", "2.", "3.", "4.", "5a.", "5b.", "6.", "7.", "8.", "9.", "10.", "11.", "12.",
    ] {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(n))
            .unwrap_or_else(|| panic!("no figure {n} in:\n{stdout}"));
        if !["6.", "9."].contains(&n) {
            assert!(!line.contains("not measured"), "{line}\n{stdout}\n{stderr}");
        }
    }
    // Figure 10 is a correctness figure: the random-kill loop (a few
    // rounds here, 40 in BENCHMARKS.md) finds nothing doubled, orphaned or lost.
    let kill = stdout.lines().find(|l| l.starts_with("10.")).unwrap();
    assert!(
        kill.contains("0 dup, 0 orphan, 0 lost, 0 stuck") && kill.trim_end().ends_with("met"),
        "{stdout}"
    );
}
