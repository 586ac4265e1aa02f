//! Every bad plan value is refused before the first paid resource: `tcscale
//! apply` (with and without `--yes`) checks the plan against the simulated
//! account and exits 2 naming the field, and the simulator's request log
//! then holds no creating call at all (a RunInstances DryRun creates nothing
//! and is flagged as such). A good plan passes with its price shown; an
//! image of another OS than the role's, and a business server without a TAT
//! agent, are warned about, not refused.

use crate::e2e_support;

use e2e_support::*;

const SESSION: &str = "role = \"session\"\n\n[session]\nsource = \"ins-auth0001\"\ncount = 2\nimage_name = \"mina_auth-checked\"\n";
const BUSINESS: &str =
    "role = \"business\"\n\n[business]\nsource = \"ins-bizn0de1\"\ncount = 1\nimage_name = \"biz-checked\"\n";

/// (what is wrong, plan text, field named, line it is on)
fn cases() -> Vec<(&'static str, String, &'static str, usize)> {
    let with = |base: &str, extra: &str| format!("{base}{extra}\n");
    vec![
        (
            "a CLB that does not exist",
            with(SESSION, "clb = \"lb-nothere1\""),
            "session.clb",
            7,
        ),
        (
            "a public CLB for session servers",
            with(SESSION, "clb = \"lb-8xk2pub1\""),
            "session.clb",
            7,
        ),
        (
            "a VPC that does not exist",
            with(SESSION, "clb_vpc = \"vpc-nothere1\""),
            "session.clb_vpc",
            7,
        ),
        (
            "a subnet that does not exist",
            with(SESSION, "clb_subnet = \"subnet-nothere1\""),
            "session.clb_subnet",
            7,
        ),
        (
            "an invalid instance type",
            with(SESSION, "instance_type = \"S5.HUGE4\""),
            "session.instance_type",
            7,
        ),
        (
            "a count over the zone's quota",
            SESSION.replace("count = 2", "count = 60"),
            "session.count",
            5,
        ),
        (
            "a reused image that does not exist",
            SESSION.replace(
                "image_name = \"mina_auth-checked\"",
                "reuse_image = \"img-nothere1\"",
            ),
            "session.reuse_image",
            6,
        ),
        (
            "a business server that does not exist",
            with(SESSION, "business_servers = [\"ins-nothere1\"]"),
            "session.business_servers[0]",
            7,
        ),
        (
            "a source that does not exist",
            SESSION.replace("ins-auth0001", "ins-nothere1"),
            "session.source",
            4,
        ),
        (
            "a business CLB that does not exist",
            with(BUSINESS, "clb = \"lb-nothere1\""),
            "business.clb",
            7,
        ),
        (
            "an Auto Scaling MaxSize over the quota left after the launch",
            with(
                SESSION,
                "\n[autoscaling]\nphase = \"session\"\nmin_size = 1\nmax_size = 49",
            ),
            "autoscaling.max_size",
            11,
        ),
    ]
}

/// Calls that create or change something (a DryRun does neither).
fn creating(h: &tcscale::sim::server::SimHandle, from: usize) -> Vec<String> {
    h.requests()[from..]
        .iter()
        .filter(|r| {
            !(r.dry_run || r.action.starts_with("Describe") || r.action.starts_with("Inquiry"))
        })
        .map(|r| format!("{}:{}", r.service, r.action))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_bad_plan_value_is_refused_naming_the_field_with_zero_creating_calls() {
    let h = sim("").await;
    let home = Home::new("plan-check");
    let before = h.with_world(|w| inventory(w));
    let from = h.requests().len();
    for (what, plan_text, field, line) in cases() {
        let path = home.dir.join("plan.toml");
        std::fs::write(&path, &plan_text).unwrap();
        for yes in [false, true] {
            let mut args = vec!["apply", path.to_str().unwrap()];
            if yes {
                args.push("--yes");
            }
            let out = tcscale(&h, &home, &args, &[]).await;
            let ctx = format!("{what} (--yes: {yes})");
            assert_eq!(out.status.code(), Some(2), "{ctx}: {}", text(&out));
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                stderr.contains(&format!("line {line}: {field}: ")),
                "{ctx}: names {field} on line {line}: {}",
                text(&out)
            );
            assert!(
                stderr.contains("refused before anything was created"),
                "{ctx}: {stderr}"
            );
        }
    }
    assert_eq!(creating(&h, from), Vec::<String>::new(), "no creating call");
    assert!(
        h.requests()[from..]
            .iter()
            .any(|r| r.action == "RunInstances" && r.dry_run),
        "the launch was checked with a DryRun"
    );
    assert_eq!(
        h.with_world(|w| inventory(w)),
        before,
        "the world is unchanged"
    );
    assert!(
        home.store().list_runs().0.is_empty(),
        "no run was journaled"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_good_plan_passes_with_its_price_and_a_foreign_os_image_is_a_warning() {
    let h = sim("").await;
    let home = Home::new("plan-check-ok");
    let path = home.dir.join("plan.toml");
    std::fs::write(&path, SESSION).unwrap();
    let out = tcscale(&h, &home, &["apply", path.to_str().unwrap()], &[]).await;
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("price: session: 2 × S5.MEDIUM4 ≈") && stdout.contains("yuan/hour"),
        "{stdout}"
    );
    // The one warning: a business server whose sdk.config cannot be edited
    // (no TAT agent), named as the wizard's Overview names it.
    let warnings: Vec<&str> = stdout.lines().filter(|l| l.contains("warning")).collect();
    assert_eq!(warnings.len(), 1, "{stdout}");
    assert!(
        warnings[0].contains("no TAT agent on ins-tatoff01") && warnings[0].contains("Install it"),
        "{stdout}"
    );
    // With its agent online, nothing to warn about.
    h.with_world(|w| w.cvm.instance_mut("ins-tatoff01").unwrap().tat_agent_online = true);
    let out = tcscale(&h, &home, &["apply", path.to_str().unwrap()], &[]).await;
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains("warning"), "{stdout}");

    // The Windows public image for a (Linux) session server: said, not refused.
    let text2 = SESSION.replace(
        "image_name = \"mina_auth-checked\"",
        "reuse_image = \"img-9qabwvbn\"",
    );
    std::fs::write(&path, text2).unwrap();
    let out = tcscale(
        &h,
        &home,
        &["apply", path.to_str().unwrap(), "--lang", "zh-CN"],
        &[],
    )
    .await;
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("注意：镜像 img-9qabwvbn 的系统是 Windows"),
        "{stdout}"
    );
    assert_eq!(creating(&h, 0), Vec::<String>::new());
}

/// The engine itself (the wizard, a resumed run) does not wait on a reused
/// image that is not there as if it were still CREATING: it stops at once,
/// before the launch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_engine_stops_at_once_on_a_reused_image_that_does_not_exist() {
    use tcscale::cli::apply::{apply_plan, Session};
    use tcscale::cloud::{Client, ClientConfig};
    use tcscale::i18n::Lang;
    use tcscale::scaleout::runner::PollPolicy;

    let h = sim("").await;
    let config = ClientConfig::new(h.credential(), REGION).with_endpoint(Some(h.endpoint()));
    let s = Session {
        client: Client::new(config).unwrap(),
        region: REGION.into(),
        lang: Lang::En,
        // Speed 1: a wait on the image would take minutes, not milliseconds.
        poll: PollPolicy::with_speed(1.0),
        sandbox: None,
    };
    let text = SESSION.replace(
        "image_name = \"mina_auth-checked\"",
        "reuse_image = \"img-nothere1\"",
    );
    let plan = tcscale::scaleout::plan::parse(&text).unwrap();
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let started = std::time::Instant::now();
    let (_id, result) = apply_plan(&s, &plan, None, tx).await;
    let e = result.unwrap_err().explain(Lang::En);
    assert!(e.contains("no image img-nothere1"), "{e}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    assert_eq!(creating(&h, 0), Vec::<String>::new());
}
