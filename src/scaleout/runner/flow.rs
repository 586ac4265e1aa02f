//! The order of the guide's steps per role, and `run_plan`, which performs
//! them: each step is skipped when the journal says it is done (its output
//! is read back), else started, journaled and reported.

use std::future::Future;

use serde::{de::DeserializeOwned, Deserialize, Serialize};

use crate::cloud::models::cvm;
use crate::i18n::tf;
use crate::scaleout::discover::{discover, Architecture, Role};

use super::bind::{register_targets, target_health, BindInput, BindOutput};
use super::image::{create_image, ImageInput, ImageOutput};
use super::launch::{run_instances, LaunchInput, LaunchOutput};
use super::load_balancer::{
    ensure_listener, ensure_load_balancer, ClbChoice, ClbInput, ClbOutput, ListenerInput,
    ListenerOutput,
};
use super::record::{Created, Phase, RunStatus, StepName, StepStatus};
use super::sdk_config_step::{update_sdk_configs, SdkInput, SdkOutput};
use super::security_group_step::{ensure_vip_allowed, SgInput, SgOutput};
use super::{Engine, Progress, StepError};

/// What to scale: the session servers (internal CLB, sdk.config), the
/// business servers (the existing public CLB), or both in the guide's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Flow {
    Session,
    Business,
    Both,
}

/// One half of the guide, typed (the plan file, parsed and validated, becomes this).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhaseSpec {
    pub source_instance: String,
    pub count: u32,
    pub image_name: String,
    pub image_description: Option<String>,
    pub reuse_image: Option<String>,
    /// Name of the new servers (default: the source's name).
    pub instance_name: Option<String>,
    pub instance_type: Option<String>,
    /// Session: create or pick the internal CLB. Business: the public CLB
    /// (None: the one the source is bound to).
    pub clb: Option<ClbChoice>,
    /// Session: listener port (frontend) and backend port.
    pub listener_port: i64,
    pub backend_port: i64,
    pub weight: i64,
    pub fix_security_groups: bool,
    pub update_sdk_config: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSpec {
    pub flow: Flow,
    pub session: Option<PhaseSpec>,
    pub business: Option<PhaseSpec>,
}

/// What a run produced, for the summary and the last lines of `apply`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunOutcome {
    pub run_id: String,
    pub created: Vec<Created>,
    pub session: Option<PhaseOutcome>,
    pub business: Option<PhaseOutcome>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PhaseOutcome {
    pub image_id: String,
    pub instance_ids: Vec<String>,
    pub load_balancer_id: String,
    pub vip: String,
    pub listener_ids: Vec<String>,
    pub bound: Vec<String>,
    pub skipped: Vec<(String, String)>,
}

/// Counts finished steps across phases, for the test hook that kills the
/// process at a step boundary (TCSCALE_TEST_KILL_AFTER_STEP=N).
struct Boundary {
    done: u32,
    kill_after: Option<u32>,
}

impl Boundary {
    fn from_env() -> Boundary {
        Boundary {
            done: 0,
            kill_after: std::env::var("TCSCALE_TEST_KILL_AFTER_STEP")
                .ok()
                .and_then(|v| v.parse().ok()),
        }
    }

    fn passed(&mut self) {
        self.done += 1;
        if self.kill_after == Some(self.done) {
            // A real SIGKILL: no destructor, no flush beyond what is already written.
            let pid = std::process::id().to_string();
            let _ = std::process::Command::new("kill")
                .args(["-KILL", &pid])
                .status();
            std::thread::sleep(std::time::Duration::from_secs(5));
        }
    }
}

/// Runs one step: skipped (output read back) if the journal has it done.
async fn step<T, F, Fut>(
    eng: &Engine,
    b: &mut Boundary,
    phase: Phase,
    name: StepName,
    f: F,
) -> Result<T, StepError>
where
    T: Serialize + DeserializeOwned,
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<T, StepError>>,
{
    if let Some(out) = eng.recorded(|r| {
        r.step(phase, name)
            .filter(|s| s.status == StepStatus::Done)
            .and_then(|s| serde_json::from_value::<T>(s.output.clone()).ok())
    }) {
        eng.report(Progress::StepDone {
            step: name,
            summary: eng.text("engine.step.already_done"),
        });
        b.passed();
        return Ok(out);
    }
    eng.report(Progress::StepStarted { step: name });
    eng.journal(|r| {
        let prior = r.step(phase, name).map(|s| s.output.clone());
        r.set_step(
            phase,
            name,
            StepStatus::Started,
            prior.unwrap_or(serde_json::Value::Null),
            None,
        )
    })?;
    match f().await {
        Ok(out) => {
            let value = serde_json::to_value(&out).unwrap_or(serde_json::Value::Null);
            eng.journal(|r| r.set_step(phase, name, StepStatus::Done, value.clone(), None))?;
            eng.report(Progress::StepDone {
                step: name,
                summary: summarize(&value),
            });
            b.passed();
            Ok(out)
        }
        Err(e) => {
            let explained = e.explain(eng.lang);
            let _ = eng.journal(|r| {
                let prior = r
                    .step(phase, name)
                    .map(|s| s.output.clone())
                    .unwrap_or(serde_json::Value::Null);
                r.set_step(
                    phase,
                    name,
                    StepStatus::Failed,
                    prior,
                    Some(explained.clone()),
                )
            });
            eng.report(Progress::StepFailed {
                step: name,
                error: explained,
            });
            Err(e)
        }
    }
}

/// A one-line summary of a step's output: its ids.
fn summarize(v: &serde_json::Value) -> String {
    fn ids(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::String(s)
                if ["ins-", "img-", "lb-", "lbl-", "sg-"]
                    .iter()
                    .any(|p| s.starts_with(p))
                    && !out.contains(s) =>
            {
                out.push(s.clone())
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| ids(x, out)),
            serde_json::Value::Object(o) => o.values().for_each(|x| ids(x, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    ids(v, &mut out);
    out.join(" ")
}

fn blocked(eng: &Engine, key: &str, args: &[(&str, &dyn std::fmt::Display)]) -> StepError {
    StepError::Blocked(tf(eng.lang, key, args))
}

/// Fresh descriptions of `ids` (state, bandwidth, expiry: what eligibility reads).
async fn describe(eng: &Engine, ids: &[String]) -> Result<Vec<cvm::Instance>, StepError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for chunk in ids.chunks(100) {
        let resp = eng
            .call(&cvm::DescribeInstancesRequest {
                instance_ids: Some(chunk.to_vec()),
                limit: Some(100),
                ..Default::default()
            })
            .await?;
        out.extend(resp.instance_set.unwrap_or_default());
    }
    Ok(out)
}

/// Splits candidates into those placed like the source (zone, project, VPC:
/// what the internal CLB can serve, and what the guide asks) and the others, with why.
fn same_placement(
    eng: &Engine,
    source: &cvm::Instance,
    candidates: Vec<cvm::Instance>,
) -> (Vec<cvm::Instance>, Vec<(String, String)>) {
    let key = |i: &cvm::Instance| {
        let p = i.placement.clone().unwrap_or_default();
        let v = i.virtual_private_cloud.clone().unwrap_or_default();
        (p.zone, p.project_id.unwrap_or(0), v.vpc_id)
    };
    let (zone, project, vpc) = key(source);
    let mut same = Vec::new();
    let mut other = Vec::new();
    for c in candidates {
        let (z, p, v) = key(&c);
        let id = c.instance_id.clone().unwrap_or_default();
        if z != zone {
            other.push((
                id,
                tf(
                    eng.lang,
                    "engine.bind.other_zone",
                    &[("zone", &z.unwrap_or_default())],
                ),
            ));
        } else if p != project {
            other.push((
                id,
                tf(eng.lang, "engine.bind.other_project", &[("project", &p)]),
            ));
        } else if v != vpc {
            other.push((
                id,
                tf(
                    eng.lang,
                    "engine.bind.other_vpc",
                    &[("vpc", &v.unwrap_or_default())],
                ),
            ));
        } else {
            same.push(c);
        }
    }
    (same, other)
}

fn source_of<'a>(
    eng: &Engine,
    arch: &'a Architecture,
    spec: &PhaseSpec,
) -> Result<&'a cvm::Instance, StepError> {
    arch.instance(&spec.source_instance).ok_or_else(|| {
        blocked(
            eng,
            "engine.source.not_found",
            &[("id", &spec.source_instance)],
        )
    })
}

async fn image_and_launch(
    eng: &Engine,
    b: &mut Boundary,
    phase: Phase,
    spec: &PhaseSpec,
    source: &cvm::Instance,
) -> Result<(ImageOutput, LaunchOutput), StepError> {
    let image_input = ImageInput {
        instance_id: spec.source_instance.clone(),
        name: spec.image_name.clone(),
        description: spec.image_description.clone(),
        reuse_image_id: spec.reuse_image.clone(),
    };
    let image: ImageOutput = step(eng, b, phase, StepName::Image, || {
        create_image(eng, phase, &image_input)
    })
    .await?;
    let launch_input = LaunchInput {
        source: source.clone(),
        image_id: image.image_id.clone(),
        count: spec.count,
        instance_name: spec
            .instance_name
            .clone()
            .or_else(|| source.instance_name.clone())
            .unwrap_or_else(|| "tcscale".into()),
        instance_type: spec.instance_type.clone(),
    };
    let launch: LaunchOutput = step(eng, b, phase, StepName::Launch, || {
        run_instances(eng, phase, &launch_input)
    })
    .await?;
    Ok((image, launch))
}

async fn session_phase(
    eng: &Engine,
    b: &mut Boundary,
    spec: &PhaseSpec,
) -> Result<PhaseOutcome, StepError> {
    let phase = Phase::Session;
    let arch = discover(eng).await?;
    let source = source_of(eng, &arch, spec)?.clone();
    let (image, launch) = image_and_launch(eng, b, phase, spec, &source).await?;

    let placement = source.placement.clone().unwrap_or_default();
    let vpc = source.virtual_private_cloud.clone().unwrap_or_default();
    let run_id = eng.recorded(|r| r.id.clone());
    let clb_input = ClbInput {
        choice: spec.clb.clone().unwrap_or(ClbChoice::Create {
            name: format!("mina_auth-{}", &run_id[run_id.len().saturating_sub(6)..]),
        }),
        vpc_id: vpc.vpc_id.unwrap_or_default(),
        subnet_id: vpc.subnet_id.unwrap_or_default(),
        project_id: placement.project_id.unwrap_or(0),
    };
    let lb: ClbOutput = step(eng, b, phase, StepName::LoadBalancer, || {
        ensure_load_balancer(eng, phase, &clb_input)
    })
    .await?;
    let listener_input = ListenerInput {
        load_balancer_id: lb.load_balancer_id.clone(),
        protocol: "TCP".into(),
        port: spec.listener_port,
        name: format!("tcscale-{run_id}"),
    };
    let listener: ListenerOutput = step(eng, b, phase, StepName::Listener, || {
        ensure_listener(eng, &listener_input)
    })
    .await?;

    // The session servers, old and new (fresh descriptions: eligibility reads live state).
    let mut ids: Vec<String> = arch
        .with_role(Role::Session)
        .iter()
        .filter_map(|i| i.instance_id.clone())
        .collect();
    for id in launch.instance_ids.iter().chain([&spec.source_instance]) {
        if !ids.contains(id) {
            ids.push(id.clone());
        }
    }
    let (candidates, elsewhere) = same_placement(eng, &source, describe(eng, &ids).await?);
    for (id, why) in &elsewhere {
        eng.log("engine.bind.skipped", &[("id", id), ("reason", why)]);
    }
    let bind_input = BindInput {
        load_balancer_id: lb.load_balancer_id.clone(),
        listener_id: listener.listener_id.clone(),
        instances: candidates.clone(),
        backend_port: spec.backend_port,
        weight: spec.weight,
    };
    let bind: BindOutput = step(eng, b, phase, StepName::Bind, || {
        register_targets(eng, &bind_input)
    })
    .await?;
    let bound: Vec<String> = bind.bound.iter().chain(&bind.already).cloned().collect();

    let sg_input = SgInput {
        instances: candidates
            .iter()
            .filter(|i| i.instance_id.as_ref().is_some_and(|id| bound.contains(id)))
            .cloned()
            .collect(),
        vip: lb.vip.clone(),
        port: spec.backend_port,
        fix: spec.fix_security_groups,
    };
    let _sg: SgOutput = step(eng, b, phase, StepName::SecurityGroup, || {
        ensure_vip_allowed(eng, &sg_input)
    })
    .await?;

    if spec.update_sdk_config {
        let servers: Vec<cvm::Instance> = arch
            .with_role(Role::Business)
            .into_iter()
            .cloned()
            .collect();
        let sdk_input = SdkInput {
            servers,
            vip: lb.vip.clone(),
        };
        let _sdk: SdkOutput = step(eng, b, phase, StepName::SdkConfig, || {
            update_sdk_configs(eng, &sdk_input)
        })
        .await?;
    }

    let listener_id = listener.listener_id.clone();
    let lb_id = lb.load_balancer_id.clone();
    let _health: std::collections::BTreeMap<String, String> =
        step(eng, b, phase, StepName::Health, || {
            target_health(eng, &lb_id, &listener_id, &bound)
        })
        .await?;

    Ok(PhaseOutcome {
        image_id: image.image_id,
        instance_ids: launch.instance_ids,
        load_balancer_id: lb.load_balancer_id,
        vip: lb.vip,
        listener_ids: vec![listener.listener_id],
        bound,
        skipped: elsewhere.into_iter().chain(bind.skipped).collect(),
    })
}

async fn business_phase(
    eng: &Engine,
    b: &mut Boundary,
    spec: &PhaseSpec,
) -> Result<PhaseOutcome, StepError> {
    let phase = Phase::Business;
    let arch = discover(eng).await?;
    let source = source_of(eng, &arch, spec)?.clone();
    let public = match &spec.clb {
        Some(ClbChoice::Existing(id)) => arch
            .load_balancers
            .iter()
            .find(|c| c.id() == id)
            .ok_or_else(|| blocked(eng, "engine.clb.not_found", &[("id", id)]))?,
        _ => arch.public_clb_of(&spec.source_instance).ok_or_else(|| {
            blocked(
                eng,
                "engine.clb.no_public",
                &[("id", &spec.source_instance)],
            )
        })?,
    }
    .clone();
    // The listeners the source serves, and the backend port it serves them on.
    let listeners: Vec<(String, i64)> = public
        .listeners
        .iter()
        .filter_map(|l| {
            l.targets
                .iter()
                .find(|t| t.instance_id == spec.source_instance)
                .map(|t| (l.listener_id.clone(), t.port))
        })
        .collect();
    if listeners.is_empty() {
        return Err(blocked(
            eng,
            "engine.clb.source_not_bound",
            &[("id", &spec.source_instance), ("clb", &public.id())],
        ));
    }
    let (image, launch) = image_and_launch(eng, b, phase, spec, &source).await?;
    let candidates = describe(eng, &launch.instance_ids).await?;
    let lb_id = public.id().to_string();
    let inputs: Vec<BindInput> = listeners
        .iter()
        .map(|(listener, port)| BindInput {
            load_balancer_id: lb_id.clone(),
            listener_id: listener.clone(),
            instances: candidates.clone(),
            backend_port: *port,
            weight: spec.weight,
        })
        .collect();
    let binds: Vec<BindOutput> = step(eng, b, phase, StepName::Bind, || async {
        let mut all = Vec::new();
        for input in &inputs {
            all.push(register_targets(eng, input).await?);
        }
        Ok(all)
    })
    .await?;
    let mut bound: Vec<String> = Vec::new();
    for id in binds.iter().flat_map(|x| x.bound.iter().chain(&x.already)) {
        if !bound.contains(id) {
            bound.push(id.clone());
        }
    }
    let _health: std::collections::BTreeMap<String, String> =
        step(eng, b, phase, StepName::Health, || async {
            let mut all = std::collections::BTreeMap::new();
            for (listener, _) in &listeners {
                all.extend(target_health(eng, &lb_id, listener, &bound).await?);
            }
            Ok(all)
        })
        .await?;
    Ok(PhaseOutcome {
        image_id: image.image_id,
        instance_ids: launch.instance_ids,
        load_balancer_id: lb_id,
        vip: public.vip().to_string(),
        listener_ids: listeners.into_iter().map(|(l, _)| l).collect(),
        bound,
        skipped: binds.into_iter().flat_map(|x| x.skipped).collect(),
    })
}

/// Performs the plan (or continues it: steps the journal has done are skipped).
pub async fn run_plan(eng: &Engine, spec: &RunSpec) -> Result<RunOutcome, StepError> {
    let mut b = Boundary::from_env();
    let result: Result<RunOutcome, StepError> = async {
        let mut outcome = RunOutcome::default();
        if matches!(spec.flow, Flow::Session | Flow::Both) {
            let s = spec.session.as_ref().ok_or_else(|| {
                blocked(eng, "engine.plan.missing_phase", &[("phase", &"session")])
            })?;
            outcome.session = Some(session_phase(eng, &mut b, s).await?);
        }
        if matches!(spec.flow, Flow::Business | Flow::Both) {
            let s = spec.business.as_ref().ok_or_else(|| {
                blocked(eng, "engine.plan.missing_phase", &[("phase", &"business")])
            })?;
            outcome.business = Some(business_phase(eng, &mut b, s).await?);
        }
        Ok(outcome)
    }
    .await;
    let status = if result.is_ok() {
        RunStatus::Done
    } else {
        RunStatus::Failed
    };
    eng.journal(|r| r.status = status)?;
    let mut outcome = result?;
    eng.recorded(|r| {
        outcome.run_id = r.id.clone();
        outcome.created = r.created.clone();
    });
    Ok(outcome)
}
