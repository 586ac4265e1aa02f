//! Figure 10: the random-kill loop. `tcscale apply` of a plan (session or
//! business, seeded choice) against a simulator with mild faults, SIGKILLed
//! at a random moment; then `tcscale resume` or `tcscale cleanup --yes`
//! (seeded choice) until it ends; then the world is judged against the
//! journal (`tcscale::audit`): duplicates, orphans, lost or
//! half-written sdk.config files must all be zero. A resumed run is then
//! cleaned up and judged again, so every round checks both ways out.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use tcscale::audit::{self, Expected, Finding, Inventory};
use tcscale::scaleout::journal::JournalStore;
use tcscale::sim::faults::FaultSpec;
use tcscale::sim::server::SimConfig;

use crate::report::{failed, Figure};
use crate::simhost::{package_bin, LocalSim, REGION};

const NAME: &str = "10. random kill, then resume/cleanup";
const TARGET: &str = "0 duplicates, 0 orphans, 0 lost";

/// Simulated seconds per wall second, and the engine's poll speed.
const SPEED: f64 = 100.0;
/// Mild faults the client and engine must ride through, the ambiguous one
/// (acted on, then answered InternalError) among them.
const FAULTS: &str = "throttle=0.03,internal=0.02,internal-after=0.02,drop=0.01";

struct Flow {
    plan: &'static str,
    want: Expected,
}

const FLOWS: [Flow; 2] = [
    Flow {
        plan: "session-servers.toml",
        want: Expected {
            images: 1,
            instances: 2,
            clbs: 1,
        },
    },
    Flow {
        plan: "business-servers.toml",
        want: Expected {
            images: 1,
            instances: 2,
            clbs: 0,
        },
    },
];

/// What the loop found, summed over rounds.
#[derive(Default)]
struct Tally {
    rounds: usize,
    killed: usize,
    resumed: usize,
    cleaned: usize,
    duplicates: usize,
    orphans: usize,
    lost: usize,
    stuck: usize,
    problems: Vec<String>,
}

impl Tally {
    fn judge(&mut self, round: usize, what: &str, findings: Vec<Finding>) {
        for f in findings {
            match f {
                Finding::Duplicate { .. } => self.duplicates += 1,
                Finding::Orphan { .. } => self.orphans += 1,
                Finding::LostFile { .. } | Finding::HalfWritten { .. } => self.lost += 1,
            }
            self.problems.push(format!("round {round} ({what}): {f:?}"));
        }
    }
}

/// The binary against the simulator, its data in `home`.
fn tcscale(bin: &Path, sim: &LocalSim, home: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(bin);
    cmd.args(["--endpoint", &sim.handle.endpoint()])
        .args(["--region", REGION, "--lang", "en"])
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("TENCENTCLOUD_SECRET_ID", &sim.handle.secret_id)
        .env("TENCENTCLOUD_SECRET_KEY", &sim.handle.secret_key)
        .env("TCSCALE_DATA_DIR", home)
        .env("XDG_DATA_HOME", home)
        .env("HOME", home)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if matches!(args.first(), Some(&"apply" | &"resume" | &"cleanup")) {
        cmd.args(["--poll-speed", &SPEED.to_string()]);
    }
    cmd
}

/// Runs a resume or cleanup again until it ends well (a fault may stop a
/// step; the user would run it again): the output of the try that ended
/// well, or of the last one.
fn until_done(
    bin: &Path,
    sim: &LocalSim,
    home: &Path,
    args: &[&str],
    ok: &[i32],
) -> Result<Output, Output> {
    let mut last = None;
    for _ in 0..5 {
        let out = tcscale(bin, sim, home, args)
            .output()
            .expect("tcscale runs");
        if out.status.code().is_some_and(|c| ok.contains(&c)) {
            return Ok(out);
        }
        last = Some(out);
    }
    Err(last.expect("tried"))
}

fn summary(o: &Output) -> String {
    let err = String::from_utf8_lossy(&o.stderr);
    let out = String::from_utf8_lossy(&o.stdout);
    let tail: Vec<&str> = err.lines().chain(out.lines()).rev().take(3).collect();
    format!("{:?}: {}", o.status, tail.join(" | "))
}

fn one_round(bin: &Path, plans: &Path, seed: u64, round: usize, tally: &mut Tally) {
    let mut rng = rand::rngs::SmallRng::seed_from_u64(seed.wrapping_add(round as u64));
    let flow = &FLOWS[rng.gen_range(0..FLOWS.len())];
    let sim = match LocalSim::start(SimConfig {
        speed: SPEED,
        faults: Some(FaultSpec::parse(FAULTS).expect("fault spec")),
        seed: seed.wrapping_add(round as u64),
        ..Default::default()
    }) {
        Ok(s) => s,
        Err(e) => {
            tally
                .problems
                .push(format!("round {round}: simulator: {e}"));
            tally.stuck += 1;
            return;
        }
    };
    let home: PathBuf = std::env::temp_dir().join(format!(
        "tcscale-random-kill-{}-{seed}-{round}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&home);
    std::fs::create_dir_all(&home).expect("a temporary home");
    let before: Inventory = sim.handle.with_world(|w| audit::inventory(w));
    let plan = plans.join(flow.plan);
    let plan = plan.to_string_lossy().into_owned();

    // The whole flow takes about 1.5-3 s at this speed: kill anywhere in it.
    let kill_at = Duration::from_millis(rng.gen_range(30..2500));
    let mut child = tcscale(bin, &sim, &home, &["apply", &plan, "--yes"])
        .spawn()
        .expect("tcscale apply starts");
    let started = Instant::now();
    let mut finished = false;
    while started.elapsed() < kill_at {
        if child.try_wait().ok().flatten().is_some() {
            finished = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    if !finished {
        let _ = child.kill(); // SIGKILL
        tally.killed += 1;
    }
    let _ = child.wait();
    let store = JournalStore::new(home.join("runs"));
    let run_id = store.list_runs().0.into_iter().next().map(|j| j.run_id);
    let Some(run_id) = run_id else {
        // Killed before its journal was written: nothing may exist.
        let after = sim.handle.with_world(|w| audit::inventory(w));
        tally.judge(
            round,
            "killed before the journal",
            audit::after_cleanup(&before, &after),
        );
        tally.rounds += 1;
        let _ = std::fs::remove_dir_all(&home);
        return;
    };

    let resume_first = rng.gen_bool(0.5);
    if resume_first {
        match until_done(bin, &sim, &home, &["resume", &run_id, "--yes"], &[0, 4]) {
            Ok(_) => {
                tally.resumed += 1;
                let after = sim.handle.with_world(|w| audit::inventory(w));
                let j = store.load(&run_id).expect("the journal reads");
                tally.judge(
                    round,
                    &format!("{} resumed", flow.plan),
                    audit::after_finished_run(&before, &after, &j, flow.want),
                );
            }
            Err(o) => {
                // A finished apply says "nothing to resume" only when done:
                // that is not a failure of the run.
                let done = store.load(&run_id).is_ok_and(|j| !j.is_unfinished());
                if !done {
                    tally.stuck += 1;
                    tally
                        .problems
                        .push(format!("round {round}: resume: {}", summary(&o)));
                }
            }
        }
    }
    match until_done(bin, &sim, &home, &["cleanup", &run_id, "--yes"], &[0, 3]) {
        Ok(_) => {
            tally.cleaned += 1;
            let after = sim.handle.with_world(|w| audit::inventory(w));
            tally.judge(
                round,
                &format!("{} cleaned up", flow.plan),
                audit::after_cleanup(&before, &after),
            );
        }
        Err(o) => {
            tally.stuck += 1;
            tally
                .problems
                .push(format!("round {round}: cleanup: {}", summary(&o)));
        }
    }
    tally.rounds += 1;
    let _ = std::fs::remove_dir_all(&home);
}

pub fn run(quick: bool) -> Figure {
    let bin = match package_bin("tcscale") {
        Ok(b) => b,
        Err(e) => return failed(NAME, TARGET, e),
    };
    let plans = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/plans");
    let rounds = std::env::var("TCSCALE_BENCH_KILL_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if quick { 4 } else { 40 });
    let seed = std::env::var("TCSCALE_BENCH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(17);
    let started = Instant::now();
    let mut tally = Tally::default();
    for round in 0..rounds {
        one_round(&bin, &plans, seed, round, &mut tally);
    }
    let clean = tally.duplicates == 0 && tally.orphans == 0 && tally.lost == 0 && tally.stuck == 0;
    let mut fig = Figure::new(
        NAME,
        format!(
            "{} dup, {} orphan, {} lost, {} stuck / {} rounds",
            tally.duplicates, tally.orphans, tally.lost, tally.stuck, tally.rounds
        ),
        TARGET,
        Some(clean),
    )
    .note(format!(
        "{} killed mid-run, {} resumed to the end, {} cleaned up; faults {FAULTS}; seed {seed}; {:.0} s",
        tally.killed,
        tally.resumed,
        tally.cleaned,
        started.elapsed().as_secs_f64()
    ));
    for p in tally.problems.iter().take(10) {
        fig = fig.note(p.clone());
    }
    fig
}
