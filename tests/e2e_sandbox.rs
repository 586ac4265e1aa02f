//! The sandbox keeps its world per data dir, as an account keeps its
//! resources: `tcscale apply --sandbox` SIGKILLed mid-run, then `tcscale
//! resume --sandbox` in a new process, finds what the first one made and
//! finishes with exactly the planned resources. When the world was reset
//! (its file gone), the resume is refused before any call and says why.
//! The world is read from the file the sandbox keeps.

use crate::e2e_support;

use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;

use e2e_support::*;
use tcscale::audit::{delta, inventory, Inventory};
use tcscale::scaleout::journal::RunStatus;
use tcscale::sim::persist::Saved;

fn world_file(home: &Home) -> PathBuf {
    home.dir.join("data/tcscale/sandbox/world.json")
}

fn saved(home: &Home) -> Saved {
    let bytes = std::fs::read(world_file(home)).expect("the sandbox world is kept");
    serde_json::from_slice(&bytes).expect("the kept world reads back")
}

fn seeded() -> Inventory {
    inventory(&tcscale::sim::seed::sandbox_world())
}

async fn run(home: &Home, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = bare_command(home, args, env);
    tokio::time::timeout(std::time::Duration::from_secs(120), cmd.output())
        .await
        .expect("tcscale finishes within two minutes")
        .expect("tcscale runs")
}

/// `apply --sandbox` killed after its third step (the image, the CLB and
/// the copies are under way or made): the run's id.
async fn killed_mid_run(home: &Home) -> String {
    let plan = plan_path("session-servers.toml");
    let out = run(
        home,
        &["apply", plan.to_str().unwrap(), "--yes", "--sandbox"],
        &[("TCSCALE_TEST_KILL_AFTER_STEP", "3")],
    )
    .await;
    assert_eq!(out.status.signal(), Some(9), "{}", text(&out));
    let j = home.journal();
    assert_eq!(j.status(), RunStatus::Running);
    assert!(j.sandbox.is_some(), "the journal names its world");
    assert_eq!(j.sandbox.as_deref(), Some(saved(home).world_id.as_str()));
    j.run_id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_killed_in_the_sandbox_resumes_in_the_same_world() {
    let home = Home::new("sandbox-resume");
    let id = killed_mid_run(&home).await;
    let first = saved(&home);
    let made = delta(&seeded(), &inventory(&first.world));
    assert_eq!(made.images.len(), 1, "{made:?}");

    // Without --yes: what it would do, and nothing done.
    let preview = run(&home, &["resume", &id, "--sandbox", "--lang", "en"], &[]).await;
    let p = text(&preview);
    assert!(preview.status.success(), "{p}");
    assert!(
        p.contains("checked first, redone if gone") && p.contains("--yes"),
        "{p}"
    );
    assert_eq!(saved(&home).world_id, first.world_id);
    assert_eq!(
        delta(&seeded(), &inventory(&saved(&home).world)),
        made,
        "a preview changes nothing"
    );

    let out = run(&home, &["resume", &id, "--sandbox", "--yes"], &[]).await;
    assert_applied(&out, "resume in the kept world");
    let after = saved(&home);
    assert_eq!(after.world_id, first.world_id, "the same world");
    let d = delta(&seeded(), &inventory(&after.world));
    assert_eq!(
        (d.images.len(), d.instances.len(), d.clbs.len()),
        (1, 2, 1),
        "exactly the planned resources, the first process's reused: {d:?}"
    );
    // What the first process made is what the run uses: nothing made twice.
    for (kind, before, now) in [
        ("image", &made.images, &d.images),
        ("instance", &made.instances, &d.instances),
        ("clb", &made.clbs, &d.clbs),
    ] {
        assert!(before.is_subset(now), "{kind}: {before:?} kept in {now:?}");
    }
    let j = home.journal();
    assert_eq!(j.status(), RunStatus::Done);
    assert_explained(&d, &j, "sandbox resume");
    // The world's clock went on: it never runs backwards across a restart.
    assert!(after.now >= first.now, "{} < {}", after.now, first.now);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_sandbox_refuses_to_resume_and_says_why() {
    let home = Home::new("sandbox-reset");
    let id = killed_mid_run(&home).await;
    let old = saved(&home).world_id;
    std::fs::remove_file(world_file(&home)).unwrap();

    let out = run(
        &home,
        &["resume", &id, "--sandbox", "--yes", "--lang", "en"],
        &[],
    )
    .await;
    let t = text(&out);
    assert!(!out.status.success(), "{t}");
    assert!(t.contains(&id) && t.contains("no longer exists"), "{t}");
    let now = saved(&home);
    assert_ne!(now.world_id, old, "a new world");
    let d = delta(&seeded(), &inventory(&now.world));
    assert!(
        d.images.is_empty() && d.instances.is_empty() && d.clbs.is_empty(),
        "nothing made in the new world: {d:?}"
    );
    // The journal is left as it was, for the user to read.
    assert_eq!(home.journal().status(), RunStatus::Running);

    // Cleanup is refused the same way: there is nothing of it here to delete.
    let out = run(
        &home,
        &["cleanup", &id, "--sandbox", "--yes", "--lang", "zh"],
        &[],
    )
    .await;
    let t = text(&out);
    assert!(!out.status.success(), "{t}");
    assert!(t.contains("已不存在"), "{t}");
}
