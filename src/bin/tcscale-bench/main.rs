//! `tcscale-bench`: the figures of issue 8, each against the cloud's own
//! limits (rate limits, task durations) or a fixed budget, printed one line
//! each with the machine they were measured on.
//!
//! ```text
//! cargo build --release --bins
//! target/release/tcscale-bench all            # every figure (a few minutes)
//! target/release/tcscale-bench all --quick    # each once, small sizes (CI smoke)
//! target/release/tcscale-bench render         # one figure
//! target/release/tcscale-bench random-kill    # figure 10 (TCSCALE_BENCH_KILL_ROUNDS, TCSCALE_BENCH_SEED)
//! ```

mod apply_flow;
mod binding;
mod listing;
mod machine;
mod memory;
mod random_kill;
mod render;
mod report;
mod sandbox_keep;
mod sdk_waves;
mod simhost;
mod startup;
mod tccli;
mod throughput;

use report::Figure;

const USAGE: &str = "usage: tcscale-bench <all|apply|apply-jitter|listing|bind|render|startup|memory|throughput|tccli|random-kill|sdk-waves|sandbox-keep> [--quick] [--strict]";

fn figures(which: &str, quick: bool) -> Option<Vec<Figure>> {
    Some(match which {
        "apply" => apply_flow::run(quick),
        "apply-jitter" => vec![apply_flow::run_jittered(quick)],
        "listing" => vec![listing::run(quick)],
        "bind" => vec![binding::run(quick)],
        "render" => render::run(quick),
        "startup" => vec![startup::run(quick)],
        "memory" => vec![memory::run(quick)],
        "throughput" => vec![throughput::run(quick)],
        "tccli" => vec![tccli::run(quick)],
        "random-kill" => vec![random_kill::run(quick)],
        "sdk-waves" => vec![sdk_waves::run(quick)],
        "sandbox-keep" => vec![sandbox_keep::run(quick)],
        _ => return None,
    })
}

const ALL: &[&str] = &[
    "apply",
    "listing",
    "bind",
    "render",
    "startup",
    "memory",
    "throughput",
    "tccli",
    "random-kill",
    "sdk-waves",
    "sandbox-keep",
];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("memory-child") {
        let (Some(endpoint), Some(id)) = (args.get(1), args.get(2)) else {
            eprintln!("usage: tcscale-bench memory-child ENDPOINT SECRET_ID");
            std::process::exit(2);
        };
        std::process::exit(memory::child(endpoint, id));
    }
    let quick = args.iter().any(|a| a == "--quick");
    let which: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let which: Vec<&str> = match which.as_slice() {
        [] | ["all"] => ALL.to_vec(),
        names => names.to_vec(),
    };
    println!("tcscale-bench · {}", machine::describe());
    if quick {
        println!("(quick: each figure once, on small sizes; not the figures of BENCHMARKS.md)");
    }
    let mut missed = 0;
    for name in which {
        let Some(figs) = figures(name, quick) else {
            eprintln!("{USAGE}");
            std::process::exit(2);
        };
        for f in figs {
            f.print();
            if f.met == Some(false) {
                missed += 1;
            }
        }
    }
    // A benchmark reports; only a broken invocation fails. `--strict` turns
    // missed targets into a non-zero exit for those who want a gate.
    if missed > 0 && args.iter().any(|a| a == "--strict") {
        std::process::exit(1);
    }
}
