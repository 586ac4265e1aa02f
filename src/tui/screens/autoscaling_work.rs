//! The Auto Scaling step's async work, done by the engine: setup (with the
//! engine's log lines forwarded as they come), one read of the live group,
//! and "test this policy now".

use std::time::Duration;

use tokio::sync::mpsc::unbounded_channel;

use crate::scaleout::runner::autoscaling_step::{
    execute_policy, recorded, setup_auto_scaling, snapshot,
};
use crate::scaleout::runner::launch::describe_instances;
use crate::scaleout::runner::launch::zone_quota;
use crate::scaleout::runner::{Engine, Progress, StepError};
use crate::tui::screens::autoscaling::{AsEvent, AsJob, SetupRequest, ZoneQuota};

/// Runs `job` on `eng`, reporting through `send`.
pub async fn run_job(eng: Engine, job: AsJob, send: impl Fn(AsEvent) + Send + Sync + 'static) {
    match job {
        AsJob::Setup(req) => {
            let (tx, mut rx) = unbounded_channel();
            let mut own = eng.clone();
            own.progress = tx;
            let fut = setup(&own, &req);
            tokio::pin!(fut);
            let result = loop {
                tokio::select! {
                    biased;
                    Some(p) = rx.recv() => forward(&send, p),
                    r = &mut fut => break r,
                }
            };
            while let Ok(p) = rx.try_recv() {
                forward(&send, p);
            }
            send(match result {
                Ok(out) => AsEvent::Created(out),
                Err(e) => {
                    // What was made before the failure (the journal has it):
                    // the live view follows its group.
                    if let Some(out) = recorded(&own).filter(|o| !o.group_id.is_empty()) {
                        send(AsEvent::Partial(out));
                    }
                    AsEvent::Failed(e.explain(eng.lang))
                }
            });
        }
        AsJob::Watch {
            group_id,
            target,
            delay_ms,
        } => {
            if delay_ms > 0 {
                tokio::time::sleep(
                    eng.poll
                        .scaled(Duration::from_millis(delay_ms))
                        .max(Duration::from_millis(200)),
                )
                .await;
            }
            let r = snapshot(&eng, &group_id, target.as_ref()).await;
            send(AsEvent::Snapshot(r.map_err(|e| e.explain(eng.lang))));
        }
        AsJob::Execute { policy_id } => {
            let r = execute_policy(&eng, &policy_id).await;
            send(AsEvent::Executed(r.map_err(|e| e.explain(eng.lang))));
        }
        AsJob::Quota { zone } => {
            // The same read the engine's check_quota makes before creating the group.
            let r = zone_quota(&eng, &zone)
                .await
                .map(|q| q.as_ref().map(ZoneQuota::of));
            send(AsEvent::Quota(r.map_err(|e| e.explain(eng.lang))));
        }
    }
}

fn forward(send: &impl Fn(AsEvent), p: Progress) {
    if let Progress::Log(l) = p {
        send(AsEvent::Log(l));
    }
}

async fn setup(
    eng: &Engine,
    req: &SetupRequest,
) -> Result<crate::scaleout::runner::autoscaling_step::AsOutput, StepError> {
    // The launch configuration copies the full instance (disks, billing), not the table's row.
    let source = describe_instances(eng, std::slice::from_ref(&req.source_id))
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| StepError::Blocked(req.source_id.clone().into()))?;
    setup_auto_scaling(eng, &req.input(source)).await
}
