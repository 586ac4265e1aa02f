//! `apply` under each fault the simulator injects: transient ones are ridden
//! out, failed asynchronous work stops the step with the reason, and in every
//! case nothing is created twice (counted in the simulator's own state).

use std::path::Path;

use tcscale::cli::apply::{apply_plan, load_plan, Session};
use tcscale::cloud::{Client, ClientConfig};
use tcscale::i18n::Lang;
use tcscale::scaleout::runner::{PollPolicy, Progress};
use tcscale::sim::faults::FaultSpec;
use tcscale::sim::server::{start, SimConfig};

const SPEED: f64 = 100.0;

struct Counts {
    images: usize,
    instances: usize,
    clbs: usize,
}

async fn run_with(faults: &str) -> (Result<(), String>, Counts, Counts) {
    let h = start(SimConfig {
        speed: SPEED,
        faults: Some(FaultSpec::parse(faults).unwrap()),
        seed: 7,
        ..Default::default()
    })
    .await
    .unwrap();
    let count = |h: &tcscale::sim::server::SimHandle| {
        h.with_world(|w| Counts {
            images: w.cvm.images.len(),
            instances: w.cvm.instances.len(),
            clbs: w.clb.load_balancers.len(),
        })
    };
    let before = count(&h);
    let config =
        ClientConfig::new(h.credential(), "ap-guangzhou").with_endpoint(Some(h.endpoint()));
    let s = Session {
        client: Client::new(config).unwrap(),
        region: "ap-guangzhou".into(),
        lang: Lang::En,
        poll: PollPolicy::with_speed(SPEED),
        sandbox: None,
    };
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/plans/session-servers.toml");
    let spec = load_plan(&path, Lang::En).unwrap();
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel::<Progress>();
    let (_id, result) = apply_plan(&s, &spec, None, tx).await;
    let after = count(&h);
    h.shutdown().await;
    (
        result.map(|_| ()).map_err(|e| e.explain(Lang::En)),
        before,
        after,
    )
}

fn assert_never_doubled(kind: &str, before: &Counts, after: &Counts) {
    assert!(
        after.images - before.images <= 1,
        "{kind}: images {}",
        after.images - before.images
    );
    assert!(
        after.instances - before.instances <= 2,
        "{kind}: instances {}",
        after.instances - before.instances
    );
    assert!(
        after.clbs - before.clbs <= 1,
        "{kind}: CLBs {}",
        after.clbs - before.clbs
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_faults_are_ridden_out_without_doubling() {
    for kind in ["throttle=0.2", "internal=0.2", "drop=0.1"] {
        let (result, before, after) = run_with(kind).await;
        result.unwrap_or_else(|e| panic!("{kind}: {e}"));
        assert_eq!(after.images - before.images, 1, "{kind}");
        assert_eq!(after.instances - before.instances, 2, "{kind}");
        assert_eq!(after.clbs - before.clbs, 1, "{kind}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_async_work_stops_with_the_reason_and_creates_nothing_more() {
    for (kind, expect) in [
        ("image-fail=1", "CreateImage"),
        ("launch-fail=1", "RunInstances"),
        ("task-fail=1", "task"),
        ("tat-fail=1", "TAT"),
    ] {
        let (result, before, after) = run_with(kind).await;
        let err = result.expect_err(kind);
        assert!(err.contains(expect), "{kind}: {err}");
        assert_never_doubled(kind, &before, &after);
    }
}
