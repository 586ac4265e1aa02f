//! `apply` end to end against the in-process simulator over loopback: the
//! example plans run unchanged, and the world is then checked through the API.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use tcscale::cli::apply::{apply_plan, load_plan, Session};
use tcscale::cloud::models::{clb, cvm, vpc};
use tcscale::cloud::{Client, ClientConfig};
use tcscale::i18n::Lang;
use tcscale::scaleout::runner::{PollPolicy, Progress};
use tcscale::sim::server::{start, SimConfig, SimHandle};

const SPEED: f64 = 100.0;

async fn sim() -> SimHandle {
    start(SimConfig {
        speed: SPEED,
        ..Default::default()
    })
    .await
    .expect("simulator starts")
}

fn session(h: &SimHandle) -> Session {
    let config =
        ClientConfig::new(h.credential(), "ap-guangzhou").with_endpoint(Some(h.endpoint()));
    Session {
        client: Client::new(config).unwrap(),
        region: "ap-guangzhou".into(),
        lang: Lang::En,
        poll: PollPolicy::with_speed(SPEED),
        sandbox: None,
    }
}

fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("tcscale-e2e-{tag}-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn plan(name: &str) -> tcscale::scaleout::plan::Plan {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/plans")
        .join(name);
    load_plan(&path, Lang::En).expect("example plan is valid")
}

async fn instance(c: &Client, id: &str) -> cvm::Instance {
    c.call(&cvm::DescribeInstancesRequest {
        instance_ids: Some(vec![id.into()]),
        ..Default::default()
    })
    .await
    .unwrap()
    .instance_set
    .unwrap()
    .remove(0)
}

async fn bound(c: &Client, lb: &str, listener: &str) -> BTreeSet<String> {
    let resp = c
        .call(&clb::DescribeTargetsRequest {
            load_balancer_id: Some(lb.into()),
            listener_ids: Some(vec![listener.into()]),
            ..Default::default()
        })
        .await
        .unwrap();
    resp.listeners
        .unwrap_or_default()
        .iter()
        .flat_map(|l| l.targets.clone().unwrap_or_default())
        .filter_map(|t| t.instance_id)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_plan_scales_out_and_points_sdk_config_at_the_vip() {
    let h = sim().await;
    let s = session(&h);
    let spec = plan("session-servers.toml");
    let before = h.with_world(|w| w.cvm.instances.clone());
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let dir = temp_dir("session");
    let (_id, result) = apply_plan(&s, &spec, Some(&dir), tx).await;
    let mut events = Vec::new();
    while let Ok(p) = rx.try_recv() {
        events.push(p);
    }
    let outcome = result.unwrap_or_else(|e| panic!("{}\n{events:#?}", e.explain(Lang::En)));
    let out = outcome.session.unwrap();
    let c = &s.client;

    // Overlapped: the CLB and its listener are made, and the server running
    // today bound, while the image builds (before the copies launch).
    let log = h.requests();
    let first = |a: &str| {
        log.iter()
            .filter(|e| e.action == a && e.outcome == "OK" && !e.dry_run)
            .map(|e| e.time)
            .fold(f64::INFINITY, f64::min)
    };
    let launched = first("RunInstances");
    assert!(
        first("CreateLoadBalancer") < launched,
        "CLB after the launch"
    );
    assert!(
        first("CreateListener") < launched,
        "listener after the launch"
    );
    assert!(first("RegisterTargets") < launched, "nothing bound early");

    // N new RUNNING instances in the source's zone and project, from a NORMAL image.
    let source = instance(c, "ins-auth0001").await;
    assert_eq!(out.instance_ids.len(), 2);
    for id in &out.instance_ids {
        let i = instance(c, id).await;
        assert_eq!(i.instance_state.as_deref(), Some("RUNNING"));
        assert_eq!(
            i.placement.as_ref().unwrap().zone,
            source.placement.as_ref().unwrap().zone
        );
        assert_eq!(
            i.placement.as_ref().unwrap().project_id,
            source.placement.as_ref().unwrap().project_id
        );
        assert_eq!(i.image_id.as_deref(), Some(out.image_id.as_str()));
    }
    let img = c
        .call(&cvm::DescribeImagesRequest {
            image_ids: Some(vec![out.image_id.clone()]),
            ..Default::default()
        })
        .await
        .unwrap()
        .image_set
        .unwrap()
        .remove(0);
    assert_eq!(img.image_state.as_deref(), Some("NORMAL"));

    // The internal CLB with a TCP listener on port 80.
    let lb = c
        .call(&clb::DescribeLoadBalancersRequest {
            load_balancer_ids: Some(vec![out.load_balancer_id.clone()]),
            ..Default::default()
        })
        .await
        .unwrap()
        .load_balancer_set
        .unwrap()
        .remove(0);
    assert_eq!(lb.load_balancer_type.as_deref(), Some("INTERNAL"));
    let listeners = c
        .call(&clb::DescribeListenersRequest {
            load_balancer_id: Some(out.load_balancer_id.clone()),
            ..Default::default()
        })
        .await
        .unwrap()
        .listeners
        .unwrap();
    assert_eq!(listeners.len(), 1);
    assert_eq!(listeners[0].protocol.as_deref(), Some("TCP"));
    assert_eq!(listeners[0].port, Some(80));

    // Exactly the eligible session servers are bound: the source and the new
    // ones; not the expired, zero-bandwidth or other-zone ones.
    let got = bound(c, &out.load_balancer_id, &out.listener_ids[0]).await;
    let want: BTreeSet<String> = out
        .instance_ids
        .iter()
        .cloned()
        .chain(["ins-auth0001".to_string()])
        .collect();
    assert_eq!(got, want);

    // The VIP is allowed into the session servers' security group.
    let rules = c
        .call(&vpc::DescribeSecurityGroupPoliciesRequest {
            security_group_id: Some("sg-auth4c5d".into()),
            ..Default::default()
        })
        .await
        .unwrap()
        .security_group_policy_set
        .unwrap();
    let vip: std::net::Ipv4Addr = out.vip.parse().unwrap();
    assert!(tcscale::scaleout::security_group::vip_allowed(&rules, vip, 80).allows());

    // Every reachable business server's sdk.config points at the VIP, other keys
    // intact, with a backup beside it.
    let url = format!("http://{}/mina_auth/", out.vip);
    let after = h.with_world(|w| w.cvm.instances.clone());
    let mut updated = 0;
    for old in before.iter().filter(|i| i.region == "ap-guangzhou") {
        let Some((path, original)) = old.files.iter().find(|(p, _)| p.ends_with("sdk.config"))
        else {
            continue;
        };
        let now = after
            .iter()
            .find(|i| i.instance.instance_id == old.instance.instance_id)
            .unwrap();
        let id = old.instance.instance_id.clone().unwrap();
        if !old.tat_agent_online {
            assert_eq!(
                &now.files[path], original,
                "{id}: offline agent, file untouched"
            );
            continue;
        }
        let new = &now.files[path];
        assert_eq!(
            tcscale::scaleout::sdk_config::read_auth_server_url(new).as_deref(),
            Some(url.as_str()),
            "{id}"
        );
        assert_eq!(
            &tcscale::scaleout::sdk_config::set_auth_server_url(original, &out.vip).unwrap(),
            new,
            "{id}: only authServerUrl changed"
        );
        let backup = now
            .files
            .iter()
            .find(|(p, _)| p.starts_with(&format!("{path}.bak.")))
            .unwrap_or_else(|| panic!("{id}: no backup"));
        assert_eq!(backup.1, original);
        updated += 1;
    }
    assert!(
        updated >= 2,
        "at least the Node.js and Java servers were updated"
    );
    std::fs::remove_dir_all(dir).ok();
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn business_plan_binds_copies_to_the_public_clb_on_the_same_ports() {
    let h = sim().await;
    let s = session(&h);
    let spec = plan("business-servers.toml");
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel::<Progress>();
    let dir = temp_dir("business");
    let (_id, result) = apply_plan(&s, &spec, Some(&dir), tx).await;
    let outcome = result.unwrap_or_else(|e| panic!("{}", e.explain(Lang::En)));
    let out = outcome.business.unwrap();
    let c = &s.client;
    assert_eq!(out.instance_ids.len(), 2);
    for id in &out.instance_ids {
        assert_eq!(
            instance(c, id).await.instance_state.as_deref(),
            Some("RUNNING")
        );
    }
    for listener in &out.listener_ids {
        let got = bound(c, &out.load_balancer_id, listener).await;
        for id in out
            .instance_ids
            .iter()
            .chain(["ins-bizn0de1".to_string()].iter())
        {
            assert!(got.contains(id), "{id} bound on {listener}");
        }
    }
    std::fs::remove_dir_all(dir).ok();
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_plan_binds_exactly_the_eligible_session_servers() {
    let h = sim().await;
    let s = session(&h);
    let mut spec = plan("session-servers.toml");
    spec.session.as_mut().unwrap().update_sdk_config = Some(false);
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel::<Progress>();
    let dir = temp_dir("bind");
    let (_id, result) = apply_plan(&s, &spec, Some(&dir), tx).await;
    let out = result
        .unwrap_or_else(|e| panic!("{}", e.explain(Lang::En)))
        .session
        .unwrap();
    let got = bound(&s.client, &out.load_balancer_id, &out.listener_ids[0]).await;
    let want: BTreeSet<String> = out
        .instance_ids
        .iter()
        .cloned()
        .chain(["ins-auth0001".to_string()])
        .collect();
    assert_eq!(got, want);
    let skipped: BTreeSet<&str> = out.skipped.iter().map(|(id, _)| id.as_str()).collect();
    for id in ["ins-expired1", "ins-nobw0001", "ins-z4auth01"] {
        assert!(
            skipped.contains(id),
            "{id} skipped with a reason: {:?}",
            out.skipped
        );
    }
    std::fs::remove_dir_all(dir).ok();
    h.shutdown().await;
}

/// The compare-and-swap scripts the simulator recorded, run for real with
/// bash under a temporary root on the original sdk.config, produce the very
/// file the simulator holds (and a backup of the original).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recorded_tat_scripts_run_with_bash_produce_the_simulators_files() {
    use std::os::unix::fs::PermissionsExt;
    let h = sim().await;
    let s = session(&h);
    let spec = plan("session-servers.toml");
    let before = h.with_world(|w| w.cvm.instances.clone());
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel::<Progress>();
    let dir = temp_dir("replay");
    let (_id, result) = apply_plan(&s, &spec, Some(&dir), tx).await;
    result.unwrap_or_else(|e| panic!("{}", e.explain(Lang::En)));
    let (after, invocations) =
        h.with_world(|w| (w.cvm.instances.clone(), w.tat.invocations.clone()));
    let writes: Vec<_> = invocations
        .iter()
        .filter(|i| i.command_name == "tcscale-write" && i.command_type == "SHELL")
        .collect();
    assert!(writes.len() >= 2, "{} writes recorded", writes.len());
    for inv in writes {
        let id = &inv.tasks[0].instance_id;
        let old = before
            .iter()
            .find(|i| i.instance.instance_id.as_ref() == Some(id))
            .unwrap();
        let now = after
            .iter()
            .find(|i| i.instance.instance_id.as_ref() == Some(id))
            .unwrap();
        let (path, original) = old
            .files
            .iter()
            .find(|(p, _)| p.ends_with("sdk.config"))
            .unwrap();
        // A temporary server: the original file, the app dir, fake pm2/systemctl.
        let base = dir.join(format!("server-{id}"));
        let root = base.join("root");
        let bin = base.join("bin");
        let file = root.join(path.trim_start_matches('/'));
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, original).unwrap();
        for (p, content) in &old.files {
            let f = root.join(p.trim_start_matches('/'));
            if !f.exists() {
                std::fs::create_dir_all(f.parent().unwrap()).unwrap();
                std::fs::write(f, content).unwrap();
            }
        }
        std::fs::create_dir_all(root.join("data/release/node-weapp-demo")).unwrap();
        std::fs::create_dir_all(&bin).unwrap();
        for tool in ["pm2", "systemctl"] {
            let p = bin.join(tool);
            std::fs::write(&p, "#!/bin/bash\nexit 0\n").unwrap();
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let out = std::process::Command::new("bash")
            .arg("-c")
            .arg(&inv.decoded_content)
            .env("TCSCALE_ROOT", &root)
            .env(
                "PATH",
                format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()),
            )
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{id}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let written = std::fs::read_to_string(&file).unwrap();
        assert_eq!(
            &written, &now.files[path],
            "{id}: bash and the simulator agree"
        );
        assert_ne!(&written, original, "{id}: changed");
        let backups: Vec<_> = std::fs::read_dir(file.parent().unwrap())
            .unwrap()
            .flatten()
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with("sdk.config.bak.")
            })
            .map(|e| std::fs::read_to_string(e.path()).unwrap())
            .collect();
        assert_eq!(
            backups,
            vec![original.clone()],
            "{id}: one backup, the original"
        );
    }
    std::fs::remove_dir_all(dir).ok();
    h.shutdown().await;
}

/// The business plan against a simulator with the real cloud's quirks:
/// each action held to its documented rate, new instances and images
/// unlisted for 30-60 simulated seconds. It must finish with one image and
/// one launch (never a second creation for "not found yet"), never throttled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn business_plan_copes_with_delayed_visibility_and_the_documented_rates() {
    let h = start(SimConfig {
        speed: SPEED,
        faults: Some(tcscale::sim::faults::FaultSpec::parse("visibility-delay=60").unwrap()),
        rate_limit: tcscale::sim::server::SimRateLimit::Documented,
        seed: 11,
        ..Default::default()
    })
    .await
    .unwrap();
    let s = session(&h);
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel::<Progress>();
    let dir = temp_dir("visibility");
    let (_id, result) = apply_plan(&s, &plan("business-servers.toml"), Some(&dir), tx).await;
    let outcome = result.unwrap_or_else(|e| panic!("{}", e.explain(Lang::En)));
    assert_eq!(outcome.business.unwrap().instance_ids.len(), 2);
    let log = h.requests();
    let ok = |action: &str| {
        log.iter()
            .filter(|r| r.action == action && r.outcome == "OK")
            .count()
    };
    assert_eq!(ok("CreateImage"), 1, "one image");
    // the DryRun and the launch itself
    assert_eq!(ok("RunInstances"), 2, "one launch");
    let (created, launched) = h.with_world(|w| {
        (
            w.cvm
                .images
                .iter()
                .filter(|i| i.created_at.is_some())
                .count(),
            w.cvm
                .instances
                .iter()
                .filter(|i| i.launched_at.is_some())
                .count(),
        )
    });
    assert_eq!((created, launched), (1, 2));
    assert!(
        log.iter().all(|r| r.outcome != "RequestLimitExceeded"),
        "the client's limiter keeps every action under its documented rate"
    );
    std::fs::remove_dir_all(dir).ok();
    h.shutdown().await;
}

/// A region at its custom-image quota: the image step stops before
/// CreateImage, saying so and naming tcscale's own images to reuse or delete.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_image_quota_stops_before_create_image_and_offers_tcscales_images() {
    let h = sim().await;
    h.with_world(|w| {
        // one earlier tcscale image of the session server, and the quota full
        let mut old = w
            .cvm
            .images
            .iter()
            .find(|i| {
                i.region == "ap-guangzhou" && i.image.image_type.as_deref() == Some("PRIVATE_IMAGE")
            })
            .cloned()
            .expect("the sandbox has a private image");
        old.image.image_id = Some("img-tcsold01".into());
        old.image.image_name = Some("mina_auth-earlier".into());
        old.image.tags = Some(vec![cvm::Tag {
            key: Some("tcscale-source".into()),
            value: Some("ins-auth0001".into()),
        }]);
        w.cvm.images.push(old);
        let used = w
            .cvm
            .images
            .iter()
            .filter(|i| {
                i.region == "ap-guangzhou" && i.image.image_type.as_deref() == Some("PRIVATE_IMAGE")
            })
            .count();
        w.cvm.image_quota = used as i64;
    });
    let s = session(&h);
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel::<Progress>();
    let dir = temp_dir("quota");
    let (_id, result) = apply_plan(&s, &plan("business-servers.toml"), Some(&dir), tx).await;
    let Err(e) = result else {
        panic!("the image step must stop at a full quota")
    };
    let text = e.explain(Lang::En);
    assert!(text.contains("ImageQuotaLimitExceeded"), "{text}");
    assert!(text.contains("img-tcsold01 (mina_auth-earlier)"), "{text}");
    assert!(text.contains("reuse_image = \"img-tcsold01\""), "{text}");
    assert!(text.contains("DeleteImages"), "{text}");
    assert!(
        h.requests().iter().all(|r| r.action != "CreateImage"),
        "CreateImage is never sent into a full quota"
    );
    std::fs::remove_dir_all(dir).ok();
    h.shutdown().await;
}
