//! Nothing lost, for real (issue 17): one process per run (a second apply
//! of the same plan, and a cleanup of a run that is still being applied,
//! are refused naming the holder's pid, and nothing of theirs reaches the
//! cloud); a process killed while an sdk.config write runs leaves an
//! intent that resume turns into the journaled change and cleanup restores
//! from; a resumed cleaned-up run says so; cleanup deregisters the
//! instances it terminates from every CLB first, and retries a transient
//! TAT failure before holding deletions back.

use crate::e2e_support;

use std::os::unix::process::ExitStatusExt;
use std::time::Duration;

use e2e_support::*;
use tcscale::audit::configs;
use tcscale::scaleout::journal::{ResourceKind, RunStatus};
use tcscale::sim::server::{start, SimConfig, SimHandle};

/// A simulator slow enough (relative to the binary's polling) that a run
/// lasts a few seconds, long enough to start a second process beside it.
async fn slow_sim() -> SimHandle {
    start(SimConfig {
        speed: 20.0,
        seed: 7,
        ..Default::default()
    })
    .await
    .expect("simulator starts")
}

/// Waits until the home's first journal exists (the run has started, and
/// holds its lock), returning its id.
async fn started_run(home: &Home) -> String {
    for _ in 0..400 {
        if let Some(j) = home.store().list_runs().0.into_iter().next() {
            return j.run_id;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the run never started");
}

fn creating_calls(h: &SimHandle, from: usize) -> Vec<String> {
    h.requests()[from..]
        .iter()
        .map(|e| e.action.clone())
        .filter(|a| {
            a.starts_with("Create")
                || a.starts_with("Run")
                || a.starts_with("Register")
                || a.starts_with("Deregister")
                || a.starts_with("Delete")
                || a.starts_with("Terminate")
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_apply_of_the_same_plan_and_a_cleanup_of_a_running_apply_are_refused() {
    let h = slow_sim().await;
    let home = Home::new("lock");
    let before = h.with_world(|w| inventory(w));
    let plan = plan_path("session-servers.toml");
    let plan = plan.to_str().unwrap();
    let first = command(&h, &home, &["apply", plan, "--yes", "--lang", "en"], &[])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let first_pid = first.id().unwrap();
    let id = started_run(&home).await;

    // The same plan again, while the first works on it.
    let from = h.requests().len();
    let second = tcscale(&h, &home, &["apply", plan, "--yes", "--lang", "en"], &[]).await;
    let err = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(2), "{}", text(&second));
    assert!(
        err.contains(&id) && err.contains(&format!("pid {first_pid}")),
        "names the run and its holder: {err}"
    );
    // The cleanup of the running run.
    let cleanup = tcscale(&h, &home, &["cleanup", &id, "--yes", "--lang", "en"], &[]).await;
    let err = String::from_utf8_lossy(&cleanup.stderr);
    assert_eq!(cleanup.status.code(), Some(2), "{}", text(&cleanup));
    assert!(
        err.contains("in use by another tcscale process") && err.contains(&first_pid.to_string()),
        "{err}"
    );
    // The resume of the running run.
    let resume = tcscale(&h, &home, &["resume", &id, "--lang", "en", "--yes"], &[]).await;
    assert_eq!(resume.status.code(), Some(2), "{}", text(&resume));
    // Neither of them sent a creating call, nor a second journal.
    let first_calls: Vec<String> = h.requests()[from..]
        .iter()
        .map(|e| e.action.clone())
        .collect();
    let out = first.wait_with_output().await.unwrap();
    assert_applied(&out, "the first apply ends well");
    assert_eq!(home.store().list_runs().0.len(), 1, "one run journaled");
    let j = home.journal();
    assert_eq!(j.status(), RunStatus::Done);
    let d = delta(&before, &h.with_world(|w| inventory(w)));
    assert_eq!(
        (d.images.len(), d.instances.len(), d.clbs.len()),
        (1, 2, 1),
        "exactly the plan, nothing deleted under it (calls meanwhile: {first_calls:?})"
    );
    assert_explained(&d, &j, "two processes");

    // Once the apply is over, its cleanup goes ahead.
    let from = h.requests().len();
    let out = tcscale(&h, &home, &["cleanup", &id, "--yes", "--lang", "en"], &[]).await;
    assert_cleanup_finished(&out, "cleanup after the apply");
    assert!(creating_calls(&h, from).contains(&"DeleteLoadBalancer".to_string()));
    let d = delta(&before, &h.with_world(|w| inventory(w)));
    assert!(d.images.is_empty() && d.instances.is_empty() && d.clbs.is_empty());
    h.shutdown().await;
}

/// SIGKILL right after the first sdk.config write was sent (the TAT task
/// runs on, the answer never reaches the journal): the write intent is
/// all that says a file changed.
async fn killed_during_an_sdk_config_write(tag: &str) -> (SimHandle, Home, Inventory, String) {
    let h = sim("").await;
    let home = Home::new(tag);
    let before = h.with_world(|w| inventory(w));
    let plan = plan_path("session-servers.toml");
    let out = tcscale(
        &h,
        &home,
        &["apply", plan.to_str().unwrap(), "--yes"],
        &[("TCSCALE_TEST_KILL_AFTER_CALL", "RunCommand:tcscale-write")],
    )
    .await;
    assert_eq!(out.status.signal(), Some(9), "{}", text(&out));
    let j = home.journal();
    let intents: Vec<_> = j
        .created_resources
        .iter()
        .filter(|c| c.kind == ResourceKind::SdkConfigChange && c.is_intent())
        .collect();
    assert_eq!(intents.len(), 1, "the write's intent: {intents:?}");
    assert!(
        intents[0].sha256.as_deref().is_some_and(|s| s.len() == 64),
        "with the original's sha256"
    );
    // Let the simulated task finish the write the dead process sent (the
    // world moves on at the next request).
    h.advance(60.0);
    let out = tcscale(&h, &home, &["api", "cvm", "DescribeRegions"], &[]).await;
    assert!(out.status.success(), "{}", text(&out));
    (h, home, before, j.run_id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_during_an_sdk_config_write_then_cleanup_leaves_every_file_original() {
    let (h, home, before, id) = killed_during_an_sdk_config_write("kill-write-cleanup").await;
    let mid = h.with_world(|w| inventory(w));
    assert_eq!(
        assert_sdk_configs_whole(&before, &mid, "at the kill"),
        1,
        "the one write sent went through"
    );
    let out = tcscale(&h, &home, &["cleanup", &id, "--yes", "--lang", "en"], &[]).await;
    assert_cleanup_finished(&out, "cleanup");
    let after = h.with_world(|w| inventory(w));
    assert_eq!(
        configs(&after),
        configs(&before),
        "every sdk.config is the original: {}",
        text(&out)
    );
    let d = delta(&before, &after);
    assert!(d.clbs.is_empty() && d.instances.is_empty() && d.images.is_empty());
    assert_eq!(home.journal().status(), RunStatus::CleanedUp);
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_during_an_sdk_config_write_then_resume_journals_the_change_and_cleanup_restores_it()
{
    let (h, home, before, id) = killed_during_an_sdk_config_write("kill-write-resume").await;
    let out = tcscale(&h, &home, &["resume", &id, "--lang", "en", "--yes"], &[]).await;
    assert_applied(&out, "resume");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("the write of an earlier attempt did happen"),
        "{stdout}"
    );
    let j = home.journal();
    assert!(
        j.created_resources.iter().all(|c| !c.is_intent()),
        "no intent left: {:?}",
        j.created_resources
    );
    let applied = h.with_world(|w| inventory(w));
    let updated = assert_sdk_configs_whole(&before, &applied, "after resume");
    let changes: Vec<_> = j.created_of(ResourceKind::SdkConfigChange).collect();
    assert_eq!(changes.len(), updated, "every changed file is journaled");
    for c in &changes {
        assert!(c.sha256.is_some(), "backup sha256 journaled: {c:?}");
        assert!(c.detail.contains(&j.run_id), "backup named by run: {c:?}");
    }
    let out = tcscale(&h, &home, &["cleanup", &id, "--yes", "--lang", "en"], &[]).await;
    assert_cleanup_finished(&out, "cleanup");
    let after = h.with_world(|w| inventory(w));
    assert_eq!(configs(&after), configs(&before), "{}", text(&out));
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cleaned_up_run_is_not_resumed_and_cleanup_deregisters_before_terminating() {
    let (h, home, before) = applied("business-cleanup", "business-servers.toml").await;
    let j = home.journal();
    let launched: Vec<String> = j
        .created_of(ResourceKind::Instance)
        .map(|c| c.id.clone())
        .collect();
    assert_eq!(launched.len(), 2);
    let bound = |h: &SimHandle| {
        h.with_world(|w| {
            w.clb
                .load_balancers
                .iter()
                .flat_map(|lb| lb.listeners.iter())
                .flat_map(|l| l.targets.iter())
                .filter(|t| launched.contains(&t.instance_id))
                .count()
        })
    };
    assert!(
        bound(&h) >= 2,
        "the new servers are bound to the public CLB"
    );

    let from = h.requests().len();
    let out = tcscale(
        &h,
        &home,
        &["cleanup", &j.run_id, "--yes", "--lang", "en"],
        &[],
    )
    .await;
    assert_cleanup_finished(&out, "cleanup");
    assert_eq!(out.status.code(), Some(0), "nothing left: {}", text(&out));
    let calls = creating_calls(&h, from);
    let dereg = calls.iter().position(|a| a == "DeregisterTargets");
    let term = calls.iter().position(|a| a == "TerminateInstances");
    assert!(
        dereg.is_some() && dereg < term,
        "deregistered, then terminated: {:?}",
        h.requests()[from..]
            .iter()
            .map(|e| (e.action.clone(), e.outcome.clone()))
            .collect::<Vec<_>>()
    );
    assert_eq!(bound(&h), 0, "no target left on the public CLB");
    let d = delta(&before, &h.with_world(|w| inventory(w)));
    assert!(d.instances.is_empty() && d.images.is_empty());

    let out = tcscale(
        &h,
        &home,
        &["resume", &j.run_id, "--lang", "en", "--yes"],
        &[],
    )
    .await;
    assert_ne!(out.status.code(), Some(0), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("was cleaned up") && err.contains("nothing to resume"),
        "{err}"
    );
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transient_tat_failure_is_retried_before_cleanup_holds_anything_back() {
    use tcscale::cloud::{Client, ClientConfig};
    use tcscale::i18n::Lang;
    use tcscale::scaleout::runner::cleanup::{cleanup, CleanupAction};
    use tcscale::scaleout::runner::record::RunRecord;
    use tcscale::scaleout::runner::{Engine, PollPolicy, Progress};

    let (h, home, before) = applied("tat-transient", "session-servers.toml").await;
    let id = home.journal().run_id;

    let client =
        Client::new(ClientConfig::new(h.credential(), REGION).with_endpoint(Some(h.endpoint())))
            .unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let record = RunRecord::load(&home.store(), &id, Lang::En).unwrap();
    let eng = Engine::new(client, tx, PollPolicy::with_speed(SPEED), Lang::En, record);
    // Every TAT task fails until the first retry is announced.
    h.with_world(|w| w.faults.tat_fail = 1.0);
    let work = tokio::spawn(async move { cleanup(&eng, false).await });
    let mut retried = false;
    while let Some(p) = rx.recv().await {
        if let Progress::Log(line) = &p {
            if line.in_lang(Lang::En).contains("trying again") && !retried {
                retried = true;
                h.with_world(|w| w.faults.tat_fail = 0.0);
            }
        }
    }
    let items = work.await.unwrap().unwrap();
    assert!(retried, "a retry was announced");
    for (c, a) in items
        .iter()
        .filter(|(c, _)| c.kind == ResourceKind::SdkConfigChange)
    {
        assert!(matches!(a, CleanupAction::Restored { .. }), "{c:?}: {a:?}");
    }
    let after = h.with_world(|w| inventory(w));
    assert_eq!(configs(&after), configs(&before));
    let d = delta(&before, &after);
    assert!(
        d.clbs.is_empty() && d.instances.is_empty(),
        "nothing held back"
    );
    h.shutdown().await;
}

/// A run on a source server or CLB another live run works on (stopped with
/// SIGSTOP after it chose the public CLB) is refused before it sends
/// anything, naming that run's process and the shared resource (issue 26);
/// once the first has ended, the second goes ahead, and both end with
/// exactly what they planned.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_on_a_server_or_clb_another_live_run_works_on_is_refused() {
    let h = sim("").await;
    let home = Home::new("two-runs-one-clb");
    let plan = plan_path("business-servers.toml");
    // The second plan: the same public CLB, its own image (another run).
    let other = home.dir.join("business-2.toml");
    let original = std::fs::read_to_string(&plan).unwrap();
    let renamed = original.replacen("image_name = \"", "image_name = \"second-", 1);
    assert_ne!(renamed, original, "the plan names its image");
    std::fs::write(&other, renamed).unwrap();

    // Business steps: Image, Launch, Load balancer (the CLB is journaled).
    let first = command(
        &h,
        &home,
        &["apply", plan.to_str().unwrap(), "--yes", "--lang", "en"],
        &[("TCSCALE_TEST_STOP_AFTER_STEP", "3")],
    )
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::piped())
    .spawn()
    .unwrap();
    let pid = first.id().unwrap();
    let stopped = || {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .map(|s| {
                s.rsplit(')')
                    .next()
                    .unwrap_or("")
                    .trim_start()
                    .starts_with('T')
            })
            .unwrap_or(false)
    };
    for _ in 0..600 {
        if stopped() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(stopped(), "the first run stops after choosing the CLB");

    // A plan on the same source server is not started beside it (issue 26).
    let from = h.requests().len();
    let same_source = tcscale(
        &h,
        &home,
        &["apply", other.to_str().unwrap(), "--yes", "--lang", "en"],
        &[],
    )
    .await;
    assert_eq!(same_source.status.code(), Some(2), "{}", text(&same_source));
    let err = String::from_utf8_lossy(&same_source.stderr);
    assert!(
        err.contains("ins-bizn0de1") && err.contains(&format!("pid {pid}")),
        "{err}"
    );
    assert_eq!(h.requests().len(), from, "the refused run sent nothing");

    // Another business server's plan on the same public CLB: refused too,
    // naming the CLB.
    let renamed = std::fs::read_to_string(&other).unwrap().replacen(
        "source = \"ins-bizn0de1\"",
        "source = \"ins-bizdnet1\"\nclb = \"lb-8xk2pub1\"",
        1,
    );
    assert!(renamed.contains("ins-bizdnet1"));
    std::fs::write(&other, renamed).unwrap();
    let from = h.requests().len();
    let same_clb = tcscale(
        &h,
        &home,
        &["apply", other.to_str().unwrap(), "--yes", "--lang", "zh"],
        &[],
    )
    .await;
    assert_eq!(same_clb.status.code(), Some(2), "{}", text(&same_clb));
    let err = String::from_utf8_lossy(&same_clb.stderr);
    assert!(
        err.contains("lb-8xk2pub1")
            && err.contains(&format!("pid {pid}"))
            && err.contains("没有发出任何请求"),
        "{err}"
    );
    assert_eq!(h.requests().len(), from, "the refused run sent nothing");

    let _ = std::process::Command::new("kill")
        .args(["-CONT", &pid.to_string()])
        .status();
    let out = tokio::time::timeout(Duration::from_secs(60), first.wait_with_output())
        .await
        .expect("the first run ends")
        .unwrap();
    assert_applied(&out, "the first run");
    // Once the first has ended, the second plan (same source) goes ahead.
    std::fs::write(
        &other,
        original.replacen("image_name = \"", "image_name = \"second-", 1),
    )
    .unwrap();
    let second = tcscale(
        &h,
        &home,
        &["apply", other.to_str().unwrap(), "--yes", "--lang", "en"],
        &[],
    )
    .await;
    assert_applied(&second, "the second run, after the first");
    // Each run launched its own two copies, nothing more.
    let runs = home.store().list_runs().0;
    assert_eq!(runs.len(), 2);
    for j in &runs {
        assert_eq!(
            j.created_of(ResourceKind::Instance).count(),
            2,
            "{}",
            j.run_id
        );
    }
    h.shutdown().await;
}

/// Two applies of one plan started at the same instant (issue 26): the
/// start of a run is one atomic step under the data dir's start lock, so
/// every time exactly one goes ahead and the other exits 2 naming it,
/// having sent nothing. Half the rounds use a byte-identical copy of the
/// plan at another path (a plan is the same by content). The one that goes
/// ahead is killed right after its CreateImage, which is all a round needs
/// to show that nothing was made twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_applies_started_together_never_both_go_ahead() {
    const ROUNDS: usize = 20;
    let plan = plan_path("session-servers.toml");
    for round in 0..ROUNDS {
        let h = sim("").await;
        let home = Home::new("race");
        let copy = home.dir.join("copy-of-session-servers.toml");
        std::fs::copy(&plan, &copy).unwrap();
        let second_plan = if round % 2 == 0 { &plan } else { &copy };
        let before = h.with_world(|w| inventory(w));
        let spawn = |p: &std::path::Path| {
            command(
                &h,
                &home,
                &["apply", p.to_str().unwrap(), "--yes", "--lang", "en"],
                &[("TCSCALE_TEST_KILL_AFTER_CALL", "CreateImage")],
            )
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
        };
        let (a, b) = (spawn(&plan), spawn(second_plan));
        let pids = [a.id().unwrap(), b.id().unwrap()];
        let (a, b) = tokio::join!(a.wait_with_output(), b.wait_with_output());
        let outs = [a.unwrap(), b.unwrap()];
        let refused: Vec<usize> = (0..2)
            .filter(|&i| outs[i].status.code() == Some(2))
            .collect();
        let ctx = format!("round {round}:\n{}\n{}", text(&outs[0]), text(&outs[1]));
        assert_eq!(refused.len(), 1, "exactly one is refused; {ctx}");
        let (loser, winner) = (refused[0], 1 - refused[0]);
        assert_eq!(
            outs[winner].status.signal(),
            Some(9),
            "the other went ahead to its CreateImage; {ctx}"
        );
        let runs = home.store().list_runs().0;
        assert_eq!(runs.len(), 1, "one run journaled; {ctx}");
        let err = String::from_utf8_lossy(&outs[loser].stderr);
        assert!(
            err.contains(&runs[0].run_id)
                && err.contains(&format!("pid {}", pids[winner]))
                && err.contains("nothing was sent"),
            "the refusal names the run going ahead and its pid; {ctx}"
        );
        let images = h
            .requests()
            .iter()
            .filter(|e| e.action == "CreateImage")
            .count();
        assert_eq!(images, 1, "one CreateImage in the simulator's log; {ctx}");
        let d = delta(&before, &h.with_world(|w| inventory(w)));
        assert_eq!(d.images.len(), 1, "one run's image in the world; {ctx}");
        h.shutdown().await;
    }
}
