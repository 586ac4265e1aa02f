//! `tcscale cleanup ID --yes` after runs that changed sdk.config, against
//! the in-process simulator: every changed file is byte for byte its
//! original again (restored through TAT before the CLB is deleted), a file
//! someone changed in between is left alone and reported with instance,
//! path and backup, a second cleanup is harmless, and a run killed right
//! after the sdk.config step is cleaned up the same way. While a file could
//! not be restored and still points at the VIP, nothing is deleted (its
//! server's login would break) unless `--force`.

use crate::e2e_support;

use std::collections::BTreeMap;
use std::os::unix::process::ExitStatusExt;

use e2e_support::*;
use tcscale::scaleout::journal::{Journal, ResourceKind, RunStatus};
use tcscale::scaleout::sdk_config::{read_auth_server_url, set_auth_server_url};
use tcscale::sim::server::SimHandle;

/// instance → (path → content) of every `sdk.config` itself (not backups).
fn configs(inv: &Inventory) -> BTreeMap<String, BTreeMap<String, String>> {
    inv.files
        .iter()
        .map(|(id, files)| {
            let own = files
                .iter()
                .filter(|(p, _)| p.ends_with("sdk.config"))
                .map(|(p, c)| (p.clone(), c.clone()))
                .collect();
            (id.clone(), own)
        })
        .collect()
}

/// (instance, path, backup) of every sdk.config change the run journaled.
fn changes(j: &Journal) -> Vec<(String, String, String)> {
    j.created_of(ResourceKind::SdkConfigChange)
        .map(|c| {
            let (instance, path) = c.id.split_once(':').unwrap();
            (instance.to_string(), path.to_string(), c.detail.clone())
        })
        .collect()
}

/// The line `tcscale cleanup` printed for one resource.
fn line_of<'a>(stdout: &'a str, kind: &str, id: &str) -> &'a str {
    let head = format!("  {kind} {id}: ");
    stdout
        .lines()
        .find(|l| l.starts_with(&head))
        .unwrap_or_else(|| panic!("no line for {kind} {id} in:\n{stdout}"))
}

async fn cleanup(h: &SimHandle, home: &Home, id: &str) -> String {
    cleanup_with(h, home, id, &[]).await
}

async fn cleanup_with(h: &SimHandle, home: &Home, id: &str, extra: &[&str]) -> String {
    let mut args = vec!["cleanup", id, "--yes", "--lang", "en"];
    args.extend_from_slice(extra);
    let out = tcscale(h, home, &args, &[]).await;
    assert_cleanup_finished(&out, "cleanup");
    // Shown with the failing test's output.
    println!("{}", text(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Every TAT command of the cleanup ran before the CLB was deleted.
fn restores_before_clb_deletion(h: &SimHandle, from: usize) {
    let log = h.requests();
    let actions: Vec<&str> = log[from..].iter().map(|e| e.action.as_str()).collect();
    let last_tat = actions.iter().rposition(|a| *a == "RunCommand");
    let delete = actions.iter().position(|a| *a == "DeleteLoadBalancer");
    assert!(last_tat.is_some(), "restores ran through TAT: {actions:?}");
    assert!(delete.is_some(), "the CLB was deleted: {actions:?}");
    assert!(
        last_tat < delete,
        "sdk.config restored before the CLB was deleted: {actions:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cleanup_restores_every_changed_sdk_config_byte_for_byte_and_twice_is_harmless() {
    let (h, home, before) = applied("cleanup-sdk", "session-servers.toml").await;
    let applied = h.with_world(|w| inventory(w));
    let updated = assert_sdk_configs_whole(&before, &applied, "after apply");
    let j = home.journal();
    let changed = changes(&j);
    assert_eq!(changed.len(), updated, "every change journaled");
    assert!(updated >= 3, "Node.js, Java and .NET servers changed");
    assert_ne!(configs(&before), configs(&applied));

    let from = h.requests().len();
    let stdout = cleanup(&h, &home, &j.run_id).await;
    restores_before_clb_deletion(&h, from);
    let after = h.with_world(|w| inventory(w));
    assert_eq!(
        configs(&after),
        configs(&before),
        "every sdk.config is its original again"
    );
    for (instance, path, backup) in &changed {
        let id = format!("{instance}:{path}");
        let line = line_of(&stdout, "sdk-config", &id);
        assert!(
            line.contains("restored from") && line.contains(backup.as_str()),
            "{line}"
        );
        // What tcscale had written is kept beside it, not thrown away.
        let files = &after.files[instance];
        let saved: Vec<&String> = files
            .iter()
            .filter(|(p, _)| p.starts_with(path.as_str()) && p.ends_with(".before-restore"))
            .map(|(_, c)| c)
            .collect();
        assert_eq!(saved, vec![&applied.files[instance][path]], "{id}");
        // The original backup is untouched.
        assert_eq!(files[backup], before.files[instance][path], "{id}");
    }
    let d = delta(&before, &after);
    assert!(d.clbs.is_empty() && d.instances.is_empty() && d.images.is_empty());
    assert_eq!(home.journal().status(), RunStatus::CleanedUp);
    // The rules tcscale added are named precisely for the console.
    for rule in j.created_of(ResourceKind::SecurityGroupRule) {
        let line = line_of(&stdout, "sg-rule", &rule.id);
        let sg = rule.parent.as_deref().unwrap();
        assert!(
            line.contains(&format!("inbound rule of {sg}: TCP port 80 from "))
                && line.contains("/32")
                && line.contains("Inbound rules"),
            "{line}"
        );
    }

    // A second cleanup: nothing written, each file reported already restored.
    let stdout = cleanup(&h, &home, &j.run_id).await;
    for (instance, path, _) in &changed {
        let line = line_of(&stdout, "sdk-config", &format!("{instance}:{path}"));
        assert!(line.contains("already restored"), "{line}");
    }
    assert_eq!(h.with_world(|w| inventory(w)).files, after.files);
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_changed_after_the_run_is_left_alone_and_reported() {
    let h = sim("").await;
    let home = Home::new("cleanup-changed");
    let before = h.with_world(|w| inventory(w));
    // Both halves of the guide in one plan.
    let session = std::fs::read_to_string(plan_path("session-servers.toml")).unwrap();
    let business = std::fs::read_to_string(plan_path("business-servers.toml")).unwrap();
    let strip_role = |s: &str| {
        s.lines()
            .filter(|l| !l.starts_with("role"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let both = format!(
        "role = \"both\"\n{}\n{}\n",
        strip_role(&session),
        strip_role(&business)
    );
    let plan = home.dir.join("both.toml");
    std::fs::write(&plan, both).unwrap();
    let out = tcscale(&h, &home, &["apply", plan.to_str().unwrap(), "--yes"], &[]).await;
    assert_applied(&out, "apply");
    let j = home.journal();
    let changed = changes(&j);
    assert!(changed.len() >= 2, "{changed:?}");

    // Someone points one server elsewhere after the run.
    let (victim, path, backup) = changed[0].clone();
    let theirs = h.with_world(|w| {
        let inst = w.cvm.instance_mut(&victim).unwrap();
        let ours = inst.files[&path].clone();
        let theirs = set_auth_server_url(&ours, "10.0.1.99").unwrap();
        inst.files.insert(path.clone(), theirs.clone());
        theirs
    });

    let stdout = cleanup(&h, &home, &j.run_id).await;
    let after = h.with_world(|w| inventory(w));
    assert_eq!(after.files[&victim][&path], theirs, "their change kept");
    let line = line_of(&stdout, "sdk-config", &format!("{victim}:{path}"));
    for must in [
        victim.as_str(),
        path.as_str(),
        backup.as_str(),
        "left it",
        "http://10.0.1.99/mina_auth/",
    ] {
        assert!(line.contains(must), "{must:?} in {line}");
    }
    for (instance, path, _) in &changed[1..] {
        assert_eq!(
            after.files[instance][path], before.files[instance][path],
            "{instance} restored"
        );
        assert_eq!(
            read_auth_server_url(&after.files[instance][path]),
            read_auth_server_url(&before.files[instance][path])
        );
    }
    let d = delta(&before, &after);
    assert!(
        d.clbs.is_empty() && d.instances.is_empty(),
        "all else deleted"
    );
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_killed_after_the_sdk_config_step_is_cleaned_up_and_restored() {
    // Session steps: image, launch, CLB, listener, bind, security group, sdk.config (7), summary.
    let h = sim("").await;
    let home = Home::new("cleanup-kill");
    let before = h.with_world(|w| inventory(w));
    let plan = plan_path("session-servers.toml");
    let out = tcscale(
        &h,
        &home,
        &["apply", plan.to_str().unwrap(), "--yes"],
        &[("TCSCALE_TEST_KILL_AFTER_STEP", "7")],
    )
    .await;
    assert_eq!(out.status.signal(), Some(9), "{}", text(&out));
    let j = home.journal();
    assert_eq!(j.status(), RunStatus::Running);
    let mid = h.with_world(|w| inventory(w));
    assert!(assert_sdk_configs_whole(&before, &mid, "at the kill") >= 3);

    let from = h.requests().len();
    let stdout = cleanup(&h, &home, &j.run_id).await;
    restores_before_clb_deletion(&h, from);
    let after = h.with_world(|w| inventory(w));
    assert_eq!(configs(&after), configs(&before), "{stdout}");
    let d = delta(&before, &after);
    assert!(
        d.clbs.is_empty() && d.instances.is_empty() && d.images.is_empty(),
        "{stdout}"
    );
    assert_eq!(home.journal().status(), RunStatus::CleanedUp);
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offline_agent_holds_the_clb_back_unless_forced_and_a_gone_server_is_skipped() {
    let (h, home, before) = applied("cleanup-offline", "session-servers.toml").await;
    let j = home.journal();
    let changed = changes(&j);
    assert!(changed.len() >= 3, "{changed:?}");
    let (offline, offline_path, offline_backup) = changed[0].clone();
    let (gone, gone_path, _) = changed[1].clone();
    // One of the run's own new servers is gone too (terminated by hand).
    let launched: Vec<String> = j
        .created_of(ResourceKind::Instance)
        .map(|c| c.id.clone())
        .collect();
    let vanished = launched[0].clone();
    let edited = h.with_world(|w| {
        w.cvm
            .instances
            .retain(|i| i.instance.instance_id.as_deref() != Some(vanished.as_str()));
        let inst = w.cvm.instance_mut(&offline).unwrap();
        inst.tat_agent_online = false;
        let edited = inst.files[&offline_path].clone();
        w.cvm
            .instances
            .retain(|i| i.instance.instance_id.as_deref() != Some(gone.as_str()));
        edited
    });

    let stdout = cleanup(&h, &home, &j.run_id).await;
    let line = line_of(&stdout, "sdk-config", &format!("{offline}:{offline_path}"));
    for must in [
        offline.as_str(),
        offline_path.as_str(),
        offline_backup.as_str(),
        "TAT agent is offline",
    ] {
        assert!(line.contains(must), "{must:?} in {line}");
    }
    let line = line_of(&stdout, "sdk-config", &format!("{gone}:{gone_path}"));
    assert!(line.ends_with(": already gone"), "{line}");
    let after = h.with_world(|w| inventory(w));
    assert_eq!(after.files[&offline][&offline_path], edited, "not touched");
    for (instance, path, _) in &changed[2..] {
        assert_eq!(after.files[instance][path], before.files[instance][path]);
    }
    // The offline server still points at the VIP: its CLB and servers are
    // kept, said so, and the run stays open for a second cleanup.
    let d = delta(&before, &after);
    assert_eq!((d.clbs.len(), d.instances.len()), (1, 1), "held back");
    // What is gone is said to be gone, not "kept".
    let line = line_of(&stdout, "instance", &vanished);
    assert!(line.ends_with(": already gone"), "{line}");
    let kept = &launched[1];
    assert!(line_of(&stdout, "instance", kept).contains("still point at"));
    let clb = d.clbs.iter().next().unwrap().clone();
    let line = line_of(&stdout, "clb", &clb);
    assert!(line.contains("still point at"), "{line}");
    assert_ne!(home.journal().status(), RunStatus::CleanedUp);

    // --force deletes anyway.
    let stdout = cleanup_with(&h, &home, &j.run_id, &["--force"]).await;
    assert!(
        line_of(&stdout, "clb", &clb).ends_with(": deleted"),
        "{stdout}"
    );
    let d = delta(&before, &h.with_world(|w| inventory(w)));
    assert!(d.clbs.is_empty() && d.instances.is_empty() && d.images.is_empty());
    assert_eq!(home.journal().status(), RunStatus::CleanedUp);
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_tat_runs_hold_the_deletions_back_until_a_second_cleanup_restores_them() {
    let (h, home, before) = applied("cleanup-tatfail", "session-servers.toml").await;
    let applied = h.with_world(|w| inventory(w));
    let j = home.journal();
    h.with_world(|w| w.faults.tat_fail = 1.0);

    let stdout = cleanup(&h, &home, &j.run_id).await;
    for (instance, path, backup) in changes(&j) {
        let line = line_of(&stdout, "sdk-config", &format!("{instance}:{path}"));
        assert!(
            line.contains("could not be restored") && line.contains(backup.as_str()),
            "{line}"
        );
    }
    let after = h.with_world(|w| inventory(w));
    assert_eq!(configs(&after), configs(&applied), "nothing half-written");
    // Nothing the unrestored servers depend on was deleted.
    let d = delta(&before, &after);
    assert_eq!((d.clbs.len(), d.instances.len()), (1, 2), "held back");
    assert_ne!(home.journal().status(), RunStatus::CleanedUp);

    // TAT works again: the second cleanup restores and deletes.
    h.with_world(|w| w.faults.tat_fail = 0.0);
    cleanup(&h, &home, &j.run_id).await;
    let after = h.with_world(|w| inventory(w));
    assert_eq!(configs(&after), configs(&before), "every file restored");
    let d = delta(&before, &after);
    assert!(d.clbs.is_empty() && d.instances.is_empty() && d.images.is_empty());
    assert_eq!(home.journal().status(), RunStatus::CleanedUp);
    h.shutdown().await;
}

/// A resource two runs both record (the second found the first's image by
/// its name, before starts were serialized): cleaning up the second keeps
/// it, in the preview and in the result, saying which run uses it and how
/// it goes; the first run's cleanup then deletes it.
#[tokio::test]
async fn cleanup_keeps_what_another_run_records_too_and_says_why() {
    let (h, home, before) = applied("shared-image", "session-servers.toml").await;
    let first = home.journal();
    let image = first
        .created_of(ResourceKind::Image)
        .next()
        .expect("the run made an image")
        .clone();
    // The second run: done, and all it records is the first run's image.
    let mut second = first.clone();
    second.run_id = format!("{}-2", first.run_id);
    second.created_resources = vec![image.clone()];
    home.store().save(&second).unwrap();

    let preview = tcscale(&h, &home, &["cleanup", &second.run_id, "--lang", "en"], &[]).await;
    let said = String::from_utf8_lossy(&preview.stdout);
    let kept_at = said
        .find("kept, because another run uses them too:")
        .unwrap_or_else(|| panic!("{said}"));
    assert!(
        said[kept_at..].contains(&image.id) && said[kept_at..].contains(&first.run_id),
        "{said}"
    );
    assert!(
        !said.contains("then deleted:"),
        "nothing of it is deleted: {said}"
    );

    let out = cleanup(&h, &home, &second.run_id).await;
    let line = line_of(&out, "image", &image.id);
    assert!(
        line.contains("kept") && line.contains(&first.run_id),
        "{line}"
    );
    assert!(
        h.with_world(|w| inventory(w)).images.contains(&image.id),
        "the first run's image is still there"
    );
    let out = cleanup(&h, &home, &first.run_id).await;
    assert!(
        line_of(&out, "image", &image.id).contains("deleted"),
        "{out}"
    );
    let d = delta(&before, &h.with_world(|w| inventory(w)));
    assert!(d.images.is_empty() && d.instances.is_empty(), "{d:?}");
    h.shutdown().await;
}
