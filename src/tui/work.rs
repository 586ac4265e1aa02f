//! The wizard's jobs, performed by the scale-out engine: each job runs one
//! engine step with its own progress channel and translates the engine's
//! [`Progress`] into the wizard's [`JobEvent`]s, in order, ending with the
//! job's result. Discovery also turns the engine's architecture into the
//! plain rows the screens draw.

use std::future::Future;

use tokio::sync::mpsc::unbounded_channel;

use crate::cloud::models::cvm;
use crate::i18n::{t, tf, Lang};
use crate::scaleout::account;
use crate::scaleout::discover::{self, Role as EngineRole};
use crate::scaleout::eligibility::eligibility;
use crate::scaleout::overview_checks::account_checks;
use crate::scaleout::plan;
use crate::scaleout::remote_op::Runtime;
use crate::scaleout::runner::bind::{recheck_health, register_targets, target_health, BindInput};
use crate::scaleout::runner::flow;
use crate::scaleout::runner::image::{create_image, SOURCE_TAG};
use crate::scaleout::runner::launch::{describe_instances, run_instances, zone_quota};
use crate::scaleout::runner::load_balancer::{
    describe_lb, ensure_listener, ensure_load_balancer, find_listener, listener_name, ClbChoice,
    ListenerInput, ListenerOutput, DEFAULT_WEIGHT,
};
use crate::scaleout::runner::perform::perform;
use crate::scaleout::runner::record::Phase;
use crate::scaleout::runner::remote_edit::{read_all, Reads};
use crate::scaleout::runner::sdk_config_step::{
    auth_server_url, update_sdk_configs, SdkInput, SdkVerdict,
};
use crate::scaleout::runner::security_group_step::{
    ensure_vip_allowed, SgInput, SgOutput, SgVerdict,
};
use crate::scaleout::runner::{Engine, Progress, Step, StepError};
use crate::scaleout::sdk_config::read_auth_server_url;
use crate::tui::jobs::{Events, Job, JobEvent};
use crate::tui::state::*;

/// Runs `fut` (an engine step on `eng`, whose progress goes to `prx`),
/// forwarding each progress report through `map` as it comes, then the
/// reports still queued when the step ends; returns the step's result.
async fn forward<T>(
    mut prx: tokio::sync::mpsc::UnboundedReceiver<Progress>,
    tx: &Events,
    map: &mut impl FnMut(Progress) -> Option<JobEvent>,
    fut: impl Future<Output = Result<T, StepError>>,
) -> Result<T, StepError> {
    tokio::pin!(fut);
    loop {
        tokio::select! {
            biased;
            Some(p) = prx.recv() => {
                if let Some(ev) = map(p) { let _ = tx.send(ev); }
            }
            res = &mut fut => {
                while let Ok(p) = prx.try_recv() {
                    if let Some(ev) = map(p) { let _ = tx.send(ev); }
                }
                return res;
            }
        }
    }
}

/// The progress every job shares: retries, outages and log lines.
fn common(p: Progress) -> Option<JobEvent> {
    match p {
        Progress::Retrying { reason, .. } => Some(JobEvent::Retrying {
            what: reason,
            attempt: 1,
        }),
        Progress::Reconnecting { seconds_left } => Some(JobEvent::Reconnecting {
            seconds: seconds_left,
        }),
        _ => None,
    }
}

fn phase(role: Role) -> Phase {
    match role {
        Role::Session => Phase::Session,
        Role::Business => Phase::Business,
    }
}

pub fn instance_view(i: &cvm::Instance, now: chrono::DateTime<chrono::Utc>) -> InstanceView {
    let placement = i.placement.clone().unwrap_or_default();
    let vpc = i.virtual_private_cloud.clone().unwrap_or_default();
    let first = |v: &Option<Vec<String>>| {
        v.as_ref()
            .and_then(|v| v.first().cloned())
            .unwrap_or_default()
    };
    InstanceView {
        id: i.instance_id.clone().unwrap_or_default(),
        name: i.instance_name.clone().unwrap_or_default(),
        zone: placement.zone.unwrap_or_default(),
        project_id: placement.project_id.unwrap_or(0),
        state: i.instance_state.clone().unwrap_or_default(),
        private_ip: first(&i.private_ip_addresses),
        public_ip: first(&i.public_ip_addresses),
        bandwidth_out: i
            .internet_accessible
            .as_ref()
            .and_then(|n| n.internet_max_bandwidth_out)
            .unwrap_or(0),
        instance_type: i.instance_type.clone().unwrap_or_default(),
        vpc_id: vpc.vpc_id.unwrap_or_default(),
        subnet_id: vpc.subnet_id.unwrap_or_default(),
        security_group_ids: i.security_group_ids.clone().unwrap_or_default(),
        os_name: i.os_name.clone().unwrap_or_default(),
        ineligible: eligibility(i, now).into_iter().map(Reason::Rule).collect(),
        tat_online: false,
    }
}

fn clb_view(c: &discover::ClbView) -> ClbView {
    let lb = &c.lb;
    ClbView {
        id: c.id().to_string(),
        name: lb.load_balancer_name.clone().unwrap_or_default(),
        kind: lb.load_balancer_type.clone().unwrap_or_default(),
        vip: c.vip().to_string(),
        vpc_id: lb.vpc_id.clone().unwrap_or_default(),
        subnet_id: lb.subnet_id.clone().unwrap_or_default(),
        project_id: lb.project_id.unwrap_or(0) as i64,
        zone: lb
            .master_zone
            .as_ref()
            .and_then(|z| z.zone.clone())
            .unwrap_or_default(),
        listeners: c
            .listeners
            .iter()
            .map(|l| ListenerView {
                id: l.listener_id.clone(),
                protocol: l.protocol.clone(),
                port: l.port,
                targets: l
                    .targets
                    .iter()
                    .map(|t| (t.instance_id.clone(), t.port, None))
                    .collect(),
            })
            .collect(),
    }
}

/// Today's architecture, the images of the account and the overview's checks.
async fn discover_all(eng: &Engine) -> Result<Architecture, StepError> {
    let found = discover::discover(eng).await?;
    let now = chrono::Utc::now();
    let mut arch = Architecture {
        region: eng.client.region().to_string(),
        instances: found
            .instances
            .iter()
            .map(|i| instance_view(i, now))
            .collect(),
        clbs: found.load_balancers.iter().map(clb_view).collect(),
        models: found
            .instances
            .iter()
            .filter_map(|i| Some((i.instance_id.clone()?, i.clone())))
            .collect(),
        ..Default::default()
    };
    for i in &found.instances {
        let id = i.instance_id.clone().unwrap_or_default();
        match found.roles.get(&id) {
            Some(EngineRole::Business) => arch.business_ids.push(id),
            Some(EngineRole::Session) => arch.session_ids.push(id),
            None => {}
        }
    }
    let of = |ids: &[String], public: bool| {
        ids.iter().find_map(|id| {
            if public {
                found.public_clb_of(id)
            } else {
                found.internal_clb_of(id)
            }
        })
    };
    arch.public_clb = of(&arch.business_ids, true).map(clb_view);
    arch.internal_clb = of(&arch.session_ids, false).map(clb_view);
    health_into(eng, &mut arch).await;

    let ineligible = arch
        .instances
        .iter()
        .filter(|i| !i.ineligible.is_empty())
        .count();
    let facts = account_checks(eng, &arch.business_ids, &arch.session_ids, ineligible).await;
    // Images: the ones tcscale made (tagged with their source) can be reused.
    if let Some(private) = &facts.images {
        arch.images = private
            .images
            .iter()
            .map(|img| ImageView {
                id: img.image_id.clone().unwrap_or_default(),
                name: img.image_name.clone().unwrap_or_default(),
                source_instance: img
                    .tags
                    .iter()
                    .flatten()
                    .find(|t| t.key.as_deref() == Some(SOURCE_TAG))
                    .and_then(|t| t.value.clone())
                    .unwrap_or_default(),
                state: img.image_state.clone().unwrap_or_default(),
            })
            .collect();
    }
    if let Some(online) = &facts.agents_online {
        for i in &mut arch.instances {
            i.tat_online = online.contains(&i.id);
        }
    }
    arch.checks = facts.checks;
    Ok(arch)
}

/// Fills in the health of every bound target (best effort: the diagram
/// shows "?" when the call fails).
async fn health_into(eng: &Engine, arch: &mut Architecture) {
    let ids: Vec<String> = arch.clbs.iter().map(|c| c.id.clone()).collect();
    let Ok(health) = account::target_health(eng, &ids).await else {
        return;
    };
    for h in health {
        let views = arch
            .clbs
            .iter_mut()
            .chain(arch.public_clb.iter_mut())
            .chain(arch.internal_clb.iter_mut());
        for c in views.filter(|c| c.id == h.load_balancer) {
            for lv in c.listeners.iter_mut().filter(|x| x.id == h.listener) {
                for tg in lv.targets.iter_mut().filter(|x| x.0 == h.target) {
                    tg.2 = h.healthy;
                }
            }
        }
    }
}

/// Price of the launch as the API quotes it; a refused instance type,
/// zone or project is the event of that field.
async fn price(
    eng: &Engine,
    lang: Lang,
    zone: String,
    instance_type: String,
    image_id: Option<String>,
    count: i64,
) -> JobEvent {
    match account::launch_price(eng, &zone, &instance_type, image_id, count).await {
        Ok(p) => JobEvent::Price(Ok(crate::i18n::Text::per_lang(|l| {
            crate::tui::screens::launch::price_value(l, p.amount, &p.charge_unit)
        }))),
        Err(StepError::Cloud(e)) => match refused_field(e.code().unwrap_or("")) {
            Some(field) => JobEvent::PriceRefused {
                field,
                message: tf(
                    lang,
                    "wizard.launch.refused",
                    &[
                        ("code", &e.code().unwrap_or("")),
                        ("message", &e.message().unwrap_or("")),
                    ],
                ),
            },
            None => JobEvent::Price(Err(StepError::Cloud(e).explain(lang))),
        },
        Err(e) => JobEvent::Price(Err(e.explain(lang))),
    }
}

/// The Launch form's field an InquiryPriceRunInstances error code is about
/// (1 instance type, 2 zone, 3 project).
fn refused_field(code: &str) -> Option<usize> {
    if code.contains("InstanceType") {
        Some(1)
    } else if code.contains("Zone") {
        Some(2)
    } else if code.contains("ProjectId") {
        Some(3)
    } else {
        None
    }
}

/// The pay-as-you-go instance quota of the zone, and whether `count` fits.
async fn quota(eng: &Engine, lang: Lang, zone: &str) -> Result<ZoneQuota, String> {
    let q = zone_quota(eng, zone)
        .await
        .map_err(|e| e.explain(lang))?
        .ok_or_else(|| t(lang, "scaleout.unknown"))?;
    Ok(ZoneQuota::of(&q))
}

/// The wizard's choices for `ph`, noted in the run's plan (what a resume
/// continues with).
fn note_plan(eng: &Engine, ph: Phase, f: impl FnOnce(&mut plan::Phase)) -> Result<(), StepError> {
    eng.journal(|r| r.note_plan(ph, f))
}

/// The launch the user confirmed, noted in the run's plan (at the confirm,
/// even while it waits for the image: a resume launches what was confirmed).
fn note_launch(
    eng: &Engine,
    ph: Phase,
    input: &crate::scaleout::runner::launch::LaunchInput,
    override_consistency: bool,
) -> Result<(), StepError> {
    // An image this run made is the Image step's; only one the user picked
    // from the account is the plan's `reuse_image`.
    let made_here = eng.recorded(|r| {
        r.output(ph.key(), Step::Image)
            .get("image_id")
            .and_then(|v| v.as_str())
            == Some(input.image_id.as_str())
    });
    note_plan(eng, ph, |p| {
        p.source = input.source.instance_id.clone().unwrap_or_default();
        p.count = i64::from(input.count);
        p.reuse_image = (!made_here).then(|| input.image_id.clone());
        p.instance_name = Some(input.instance_name.clone());
        p.instance_type = input.instance_type.clone();
    })?;
    if override_consistency {
        eng.journal(|r| r.note_override())?;
    }
    Ok(())
}

/// Step "Load balancer" for a CLB picked from the account, journaled as
/// `apply`'s flow journals it (nothing is created, the pick is checked and
/// recorded): a session phase's existing internal CLB through
/// `ensure_load_balancer`, a business phase's public CLB with the listeners
/// its source serves. Nothing to do when the step has this CLB already
/// (made by this run, or picked before).
async fn existing_clb_step(eng: &Engine, ph: Phase, clb_id: &str) -> Result<(), StepError> {
    let done = eng.recorded(|r| {
        r.is_done(ph.key(), Step::LoadBalancer)
            && r.output(ph.key(), Step::LoadBalancer)
                .get("load_balancer_id")
                .and_then(|v| v.as_str())
                == Some(clb_id)
    });
    if done {
        return Ok(());
    }
    let p = eng
        .recorded(|r| {
            let plan = r.journal.plan.as_ref()?;
            match ph {
                Phase::Session => plan.session.clone(),
                Phase::Business => plan.business.clone(),
            }
        })
        .ok_or_else(|| {
            StepError::Blocked(crate::i18n::Text::new(
                "engine.plan.missing_phase",
                &[("phase", &ph.key())],
            ))
        })?;
    let arch = discover::discover(eng).await?;
    let source = flow::source_of(&arch, &p)?;
    match ph {
        Phase::Session => {
            let input = flow::session_clb_input(&p, &source);
            perform(
                eng,
                ph,
                Step::LoadBalancer,
                ensure_load_balancer(eng, ph, &input),
            )
            .await?;
        }
        Phase::Business => {
            // Checked before the step, as the flow checks it before anything is made.
            let source_id = source.instance_id.clone().unwrap_or_default();
            let found = flow::public_clb(&arch, &p, &source_id)?;
            perform(eng, ph, Step::LoadBalancer, async { Ok(found) }).await?;
        }
    }
    Ok(())
}

/// Runs one job to its end, reporting through `tx`.
pub async fn run(base: &Engine, role: Role, job: Job, tx: &Events) {
    let lang = base.lang;
    let (ptx, prx) = unbounded_channel();
    let eng = Engine {
        progress: ptx,
        ..base.clone()
    };
    let ph = phase(role);
    match job {
        Job::Discover => {
            let r = forward(prx, tx, &mut common, discover_all(&eng)).await;
            let _ = tx.send(JobEvent::Discovered(r.map_err(|e| e.explain(lang))));
        }
        Job::ReadAuthUrls { instance_ids } => {
            let work = async {
                let servers = describe_instances(&eng, &instance_ids).await?;
                let reads = read_all(&eng, &servers).await?;
                Ok::<_, StepError>(
                    instance_ids
                        .iter()
                        .map(|id| {
                            let url = match reads.of(id) {
                                Some((_, Ok(file))) => read_auth_server_url(&file.content),
                                _ => None,
                            };
                            (id.clone(), url)
                        })
                        .collect(),
                )
            };
            let r = forward(prx, tx, &mut common, work).await;
            let _ = tx.send(JobEvent::AuthUrls(r.map_err(|e| e.explain(lang))));
        }
        Job::Price {
            zone,
            instance_type,
            image_id,
            count,
        } => {
            let q = quota(&eng, lang, &zone).await;
            let _ = tx.send(JobEvent::Quota(q));
            let ev = price(&eng, lang, zone, instance_type, image_id, count).await;
            let _ = tx.send(ev);
        }
        Job::CreateImage { input } => {
            let noted = note_plan(&eng, ph, |p| {
                p.source = input.instance_id.clone();
                p.image_name = Some(input.name.clone());
                p.image_description = input.description.clone();
            });
            let work = async {
                noted?;
                perform(
                    &eng,
                    ph,
                    Step::Image,
                    create_image(&eng, ph, &input, &|| {}),
                )
                .await
            };
            let mut seen = false;
            let mut map = |p: Progress| match p {
                Progress::ImageState { id, state, .. } => {
                    if !seen {
                        seen = true;
                        let _ = tx.send(JobEvent::ImageCreated { image_id: id });
                    }
                    Some(JobEvent::ImageState { state })
                }
                p => common(p),
            };
            match forward(prx, tx, &mut map, work).await {
                Ok(out) => {
                    if !seen {
                        let _ = tx.send(JobEvent::ImageCreated {
                            image_id: out.image_id,
                        });
                    }
                    let _ = tx.send(JobEvent::ImageDone);
                }
                Err(e) => {
                    let _ = tx.send(JobEvent::ImageFailed(e.into()));
                }
            }
        }
        Job::Launch {
            input,
            override_consistency,
        } => {
            let work = async {
                note_launch(&eng, ph, &input, override_consistency)?;
                let out = perform(&eng, ph, Step::Launch, run_instances(&eng, ph, &input)).await?;
                describe_instances(&eng, &out.instance_ids).await
            };
            let mut map = |p: Progress| match p {
                Progress::InstanceState { id, state } => {
                    Some(JobEvent::InstanceState { id, state })
                }
                Progress::DryRunPassed => Some(JobEvent::DryRunPassed),
                p => common(p),
            };
            match forward(prx, tx, &mut map, work).await {
                Ok(list) => {
                    let now = chrono::Utc::now();
                    for i in &list {
                        let v = instance_view(i, now);
                        let _ = tx.send(JobEvent::InstanceState {
                            id: v.id.clone(),
                            state: v.state.clone(),
                        });
                    }
                    let _ = tx.send(JobEvent::Launched(
                        list.iter().map(|i| instance_view(i, now)).collect(),
                    ));
                }
                Err(e) => {
                    let _ = tx.send(JobEvent::LaunchFailed(e.into()));
                }
            }
        }
        Job::CreateClb { input } => {
            let ClbChoice::Create { name } = input.choice.clone() else {
                return;
            };
            let (vpc_id, subnet_id, project_id) = (
                input.vpc_id.clone(),
                input.subnet_id.clone(),
                input.project_id,
            );
            let noted = note_plan(&eng, ph, |p| {
                p.clb = Some("create".into());
                p.clb_name = Some(name.clone());
                p.clb_vpc = Some(vpc_id.clone());
                p.clb_subnet = Some(subnet_id.clone());
            });
            let work = async {
                noted?;
                let out = perform(
                    &eng,
                    ph,
                    Step::LoadBalancer,
                    ensure_load_balancer(&eng, ph, &input),
                )
                .await?;
                let lb = describe_lb(&eng, &out.load_balancer_id).await?;
                Ok::<_, StepError>((out, lb))
            };
            let mut map = |p: Progress| match p {
                Progress::Task {
                    task_id, status, ..
                } => Some(JobEvent::ClbTask {
                    note: task_note(lang, &task_id, status),
                }),
                p => common(p),
            };
            match forward(prx, tx, &mut map, work).await {
                Ok((out, lb)) => {
                    let lb = lb.unwrap_or_default();
                    let _ = tx.send(JobEvent::ClbCreated(ClbView {
                        id: out.load_balancer_id,
                        name,
                        kind: "INTERNAL".into(),
                        vip: out.vip,
                        vpc_id,
                        subnet_id,
                        project_id,
                        zone: lb.master_zone.and_then(|z| z.zone).unwrap_or_default(),
                        listeners: vec![],
                    }));
                }
                Err(e) => {
                    let _ = tx.send(JobEvent::ClbFailed(e.into()));
                }
            }
        }
        Job::NoteLaunch {
            input,
            override_consistency,
        } => {
            // Failing here, the launch job notes it again when it starts.
            let _ = note_launch(&eng, ph, &input, override_consistency);
        }
        Job::PlanPhase { phase, plan } => {
            // The wizard goes on regardless; a journal that cannot be written
            // fails the first step, which writes it again.
            // Only a half with no plan yet: the user's choices stand.
            let _ = note_plan(&eng, phase, |p| {
                if p.source.is_empty() {
                    *p = *plan
                }
            });
        }
        Job::ChooseClb { clb_id } => {
            let noted = note_plan(&eng, ph, |p| {
                p.clb = Some(clb_id);
                p.clb_name = None;
                p.clb_vpc = None;
                p.clb_subnet = None;
            });
            if let Err(e) = noted {
                let _ = tx.send(JobEvent::ClbFailed(e.into()));
            }
        }
        Job::Bind {
            clb_id,
            protocol,
            port,
            backend_port,
            instance_ids,
            ineligible,
        } => {
            // A CLB this run made stays `clb = "create"` (its step has the
            // id); only one picked from the account is named in the plan.
            let made_here = eng.recorded(|r| {
                let out = r.output(ph.key(), Step::LoadBalancer);
                out.get("load_balancer_id").and_then(|v| v.as_str()) == Some(clb_id.as_str())
                    && out.get("created").and_then(|v| v.as_bool()) == Some(true)
            });
            let noted = note_plan(&eng, ph, |p| {
                if !made_here {
                    p.clb = Some(clb_id.clone());
                }
                p.listener_protocol = Some(protocol.clone());
                p.listener_port = Some(port);
                p.backend_port = Some(backend_port);
            });
            let listener_input = ListenerInput {
                load_balancer_id: clb_id.clone(),
                protocol,
                port,
                name: listener_name(&eng.recorded(|r| r.id().to_string())),
            };
            // The session phase journals the listener as its own step, as the
            // flow does; the business phase's listeners are part of its Bind.
            let session = ph == Phase::Session;
            let asked: Vec<String> = instance_ids.iter().chain(&ineligible).cloned().collect();
            let (eng_ref, ids, clb, asked) = (&eng, &instance_ids, &clb_id, &asked);
            let bind = move |listener: ListenerOutput| async move {
                if listener.created {
                    let _ = tx.send(JobEvent::ListenerCreated {
                        listener_id: listener.listener_id.clone(),
                        port,
                    });
                }
                for id in ids {
                    let _ = tx.send(JobEvent::Target {
                        id: id.clone(),
                        status: TargetStatus::Binding,
                    });
                }
                let list = describe_instances(eng_ref, asked).await?;
                register_targets(
                    eng_ref,
                    &BindInput {
                        load_balancer_id: clb.clone(),
                        listener_id: listener.listener_id,
                        instances: list,
                        backend_port,
                        weight: DEFAULT_WEIGHT,
                    },
                )
                .await
            };
            let work = async {
                noted?;
                existing_clb_step(&eng, ph, &clb_id).await?;
                let (listener_id, out) = if session {
                    let listener = perform(
                        &eng,
                        ph,
                        Step::Listener,
                        ensure_listener(&eng, &listener_input),
                    )
                    .await?;
                    let id = listener.listener_id.clone();
                    (id, perform(&eng, ph, Step::Bind, bind(listener)).await?)
                } else {
                    // Journaled as the flow journals a business Bind: a list.
                    let found = std::sync::OnceLock::new();
                    let mut outs = perform(&eng, ph, Step::Bind, async {
                        let listener = ensure_listener(&eng, &listener_input).await?;
                        let _ = found.set(listener.listener_id.clone());
                        Ok(vec![bind(listener).await?])
                    })
                    .await?;
                    (found.get().cloned().unwrap_or_default(), outs.remove(0))
                };
                for id in out.bound.iter().chain(out.already.iter()) {
                    let _ = tx.send(JobEvent::Target {
                        id: id.clone(),
                        status: TargetStatus::Bound,
                    });
                }
                // The ineligible rows keep their own reason on screen.
                for (id, why) in out
                    .skipped
                    .iter()
                    .filter(|(id, _)| instance_ids.contains(id))
                {
                    let _ = tx.send(JobEvent::Target {
                        id: id.clone(),
                        status: TargetStatus::Failed(why.clone()),
                    });
                }
                let bound: Vec<String> = out
                    .bound
                    .iter()
                    .chain(out.already.iter())
                    .cloned()
                    .collect();
                target_health(&eng, &clb_id, &listener_id, &bound).await
            };
            let mut map = |p: Progress| match p {
                Progress::Task {
                    task_id, status, ..
                } => Some(JobEvent::ClbTask {
                    note: task_note(lang, &task_id, status),
                }),
                Progress::TargetBound { instance } => Some(JobEvent::Target {
                    id: instance,
                    status: TargetStatus::Bound,
                }),
                Progress::TargetHealth { instance, status } => {
                    (status != "Unknown").then(|| JobEvent::TargetHealth {
                        id: instance,
                        healthy: status == "Alive",
                    })
                }
                p => common(p),
            };
            match forward(prx, tx, &mut map, work).await {
                Ok(_) => {
                    let _ = tx.send(JobEvent::BindDone);
                }
                Err(e) => {
                    let _ = tx.send(JobEvent::BindFailed(e.into()));
                }
            }
        }
        Job::CheckSecurityGroups {
            vip,
            port,
            instance_ids,
        } => {
            let r = sg_job(&eng, prx, tx, vip, port, instance_ids, ph, false).await;
            match r {
                Ok(rows) => {
                    let _ = tx.send(JobEvent::SecurityGroups(Ok(rows)));
                }
                Err(e) => {
                    let _ = tx.send(JobEvent::SecurityGroups(Err(e.explain(lang))));
                }
            }
        }
        Job::FixSecurityGroups {
            vip,
            port,
            instance_ids,
        } => match sg_job(&eng, prx, tx, vip.clone(), port, instance_ids, ph, true).await {
            Ok(rows) => {
                let mut done: Vec<String> = vec![];
                for r in rows.iter().filter(|r| r.fixed) {
                    if !done.contains(&r.group_id) {
                        done.push(r.group_id.clone());
                        let _ = tx.send(JobEvent::SecurityGroupFixed {
                            group_id: r.group_id.clone(),
                            rule: format!("TCP:{port} ← {vip}"),
                        });
                    }
                }
                let _ = tx.send(JobEvent::SecurityGroupsDone);
            }
            Err(e) => {
                let _ = tx.send(JobEvent::SecurityGroupsFailed(e.into()));
            }
        },
        Job::ReadSdkConfig { vip, instance_ids } => {
            let work = async {
                let servers = describe_instances(&eng, &instance_ids).await?;
                // Every file at once (batched TAT reads), as the edit reads them.
                let reads = read_all(&eng, &servers).await?;
                Ok::<_, StepError>(
                    servers
                        .iter()
                        .map(|i| sdk_row(eng.lang, i, &vip, &reads))
                        .collect::<Vec<_>>(),
                )
            };
            let r = forward(prx, tx, &mut common, work).await;
            let _ = tx.send(JobEvent::SdkConfigs(r.map_err(|e| e.explain(lang))));
        }
        Job::ApplySdkConfig { vip, instance_ids } => {
            // A resume edits the servers the user chose, not every one discovered.
            let noted = note_plan(&eng, ph, |p| {
                p.update_sdk_config = Some(true);
                p.business_servers = Some(instance_ids.clone());
            });
            let work = async {
                noted?;
                perform(&eng, ph, Step::SdkConfig, async {
                    let servers = describe_instances(&eng, &instance_ids).await?;
                    update_sdk_configs(
                        &eng,
                        &SdkInput {
                            servers,
                            vip: vip.clone(),
                        },
                    )
                    .await
                })
                .await
            };
            let mut map = |p: Progress| match p {
                Progress::TatOutput {
                    instance,
                    status,
                    output,
                } => Some(JobEvent::SdkHost {
                    id: instance,
                    status: TargetStatus::Binding,
                    output: output
                        .lines()
                        .map(str::to_string)
                        .chain(std::iter::once(status))
                        .collect(),
                }),
                Progress::SdkWave { wave, of, ids } => Some(JobEvent::SdkWave {
                    label: format!("{wave}/{of}"),
                    ids,
                }),
                p => common(p),
            };
            match forward(prx, tx, &mut map, work).await {
                Ok(out) => {
                    for (id, why) in out.skipped {
                        let _ = tx.send(JobEvent::SdkHost {
                            id,
                            status: TargetStatus::Failed(why),
                            output: vec![],
                        });
                    }
                    for (id, v) in out.per_instance {
                        let line = match v {
                            SdkVerdict::AlreadySet => t(lang, "wizard.sdk.already"),
                            SdkVerdict::Updated { backup, .. } => {
                                tf(lang, "wizard.sdk.backup_at", &[("path", &backup)])
                            }
                        };
                        let _ = tx.send(JobEvent::SdkHost {
                            id,
                            status: TargetStatus::Bound,
                            output: vec![line],
                        });
                    }
                    let _ = tx.send(JobEvent::SdkDone);
                }
                Err(e) => {
                    let _ = tx.send(JobEvent::SdkFailed(e.into()));
                }
            }
        }
        Job::NewRun => {
            let journal_path = {
                let mut rec = base.record.lock().unwrap_or_else(|p| p.into_inner());
                *rec = rec.next_interactive();
                rec.path.as_ref().map(|p| p.display().to_string())
            };
            let _ = tx.send(JobEvent::RunStarted { journal_path });
        }
        Job::FinishPhase {
            clb_id,
            port,
            instance_ids,
        } => {
            // Journaled as the flow's Summary step: the last health verdicts.
            let work = perform(&eng, ph, Step::Summary, async {
                match find_listener(&eng, &clb_id, port)
                    .await?
                    .and_then(|l| l.listener_id)
                {
                    Some(lid) => recheck_health(&eng, &clb_id, &lid, &instance_ids).await,
                    None => Ok(Default::default()),
                }
            });
            let mut map = |p: Progress| match p {
                Progress::TargetHealth { instance, status } => {
                    (status != "Unknown").then(|| JobEvent::TargetHealth {
                        id: instance,
                        healthy: status == "Alive",
                    })
                }
                p => common(p),
            };
            // A health verdict is news, not a failure: the last one shown stands.
            let _ = forward(prx, tx, &mut map, work).await;
            if let Err(e) = eng.journal(|r| r.end_phase(ph)) {
                // The run stays listed as unfinished: said, not hidden.
                let _ = tx.send(JobEvent::Retrying {
                    what: e.explain(lang),
                    attempt: 1,
                });
            }
            let left = eng.recorded(|r| crate::scaleout::run::left_so_far(&r.journal));
            let _ = tx.send(JobEvent::HealthChecked { left });
        }
    }
}

fn task_note(lang: Lang, task_id: &str, status: crate::cloud::status::ClbTask) -> String {
    use crate::cloud::status::ClbTask;
    let key = match status {
        ClbTask::Succeeded => "wizard.task.done",
        ClbTask::Failed => "wizard.task.failed",
        ClbTask::Running => "wizard.task.running",
    };
    let short: String = task_id.chars().take(8).collect();
    tf(lang, key, &[("task", &short)])
}

/// One business server's row of the sdk.config screen from the batched
/// reads: its runtime, file and restart, and the `authServerUrl` it has
/// now. An offline TAT agent is shown, not hidden.
fn sdk_row(lang: Lang, i: &cvm::Instance, vip: &str, reads: &Reads) -> SdkRow {
    let id = i.instance_id.clone().unwrap_or_default();
    let mut row = SdkRow {
        instance_id: id.clone(),
        instance_name: i.instance_name.clone().unwrap_or_default(),
        after: auth_server_url(vip),
        ..SdkRow::default()
    };
    let read = reads.of(&id);
    let runtime = read
        .map(|(r, _)| r)
        .or_else(|| Runtime::detect(&i.os_name.clone().unwrap_or_default(), &[]));
    let runtime_or_default = runtime.unwrap_or(Runtime::NodeJs);
    row.runtime = runtime
        .map(|r| r.label().to_string())
        .unwrap_or_else(|| "?".into());
    row.restart = runtime_or_default.restart_command(None);
    row.path = runtime_or_default.default_config_path().to_string();
    match read {
        None => {
            row.status = TargetStatus::NoAgent;
        }
        Some((_, Ok(r))) => {
            row.before = Some(read_auth_server_url(&r.content).unwrap_or_default());
            if runtime == Some(Runtime::NodeJs) {
                row.warning =
                    crate::tui::screens::sdk_config::node_json_warning(lang, &r.content, vip);
            }
        }
        Some((_, Err(e))) => row.status = TargetStatus::Failed(e.to_string()),
    }
    row
}

/// Step "Security group", journaled as the flow does: one output for
/// session servers, a list (one per backend port) for business.
async fn sg_step(
    eng: &Engine,
    ph: Phase,
    work: impl Future<Output = Result<SgOutput, StepError>>,
) -> Result<SgOutput, StepError> {
    if ph == Phase::Session {
        perform(eng, ph, Step::SecurityGroup, work).await
    } else {
        let step = async { Ok(vec![work.await?]) };
        let mut all = perform(eng, ph, Step::SecurityGroup, step).await?;
        Ok(all.remove(0))
    }
}

#[allow(clippy::too_many_arguments)]
async fn sg_job(
    eng: &Engine,
    prx: tokio::sync::mpsc::UnboundedReceiver<Progress>,
    tx: &Events,
    vip: String,
    port: i64,
    instance_ids: Vec<String>,
    ph: Phase,
    fix: bool,
) -> Result<Vec<SgRow>, StepError> {
    let work = async {
        let list = describe_instances(eng, &instance_ids).await?;
        let input = SgInput {
            instances: list.clone(),
            vip: vip.clone(),
            port,
            fix,
        };
        // The fix is a step of the run; so is a check that finds nothing
        // to fix (the flow's step then adds nothing, and is done). A check
        // that finds rules missing only reads: the fix, or a skip, follows.
        let out = if fix {
            note_plan(eng, ph, |p| p.fix_security_groups = Some(true))?;
            sg_step(eng, ph, ensure_vip_allowed(eng, &input)).await?
        } else {
            let out = ensure_vip_allowed(eng, &input).await?;
            let nothing_missing = !out.per_instance.values().any(|v| *v == SgVerdict::Missing);
            if nothing_missing && !eng.recorded(|r| r.is_done(ph.key(), Step::SecurityGroup)) {
                sg_step(eng, ph, async { Ok(out.clone()) }).await?;
            }
            out
        };
        Ok::<_, StepError>((list, out))
    };
    let (list, out) = forward(prx, tx, &mut common, work).await?;
    Ok(list
        .iter()
        .map(|i| {
            let id = i.instance_id.clone().unwrap_or_default();
            let groups = i.security_group_ids.clone().unwrap_or_default();
            let verdict = out.per_instance.get(&id);
            let (allowed_by, fixed, group) = match verdict {
                Some(SgVerdict::RuleAdded { security_group }) => (
                    Some(format!("TCP:{port} ← {vip}")),
                    true,
                    security_group.clone(),
                ),
                Some(SgVerdict::Missing) => {
                    (None, false, groups.first().cloned().unwrap_or_default())
                }
                _ => (
                    Some(if groups.is_empty() {
                        "—".to_string()
                    } else {
                        groups.join(",")
                    }),
                    false,
                    groups.first().cloned().unwrap_or_default(),
                ),
            };
            SgRow {
                instance_id: id,
                instance_name: i.instance_name.clone().unwrap_or_default(),
                group_id: group,
                allowed_by,
                fix: false,
                fixed,
            }
        })
        .collect())
}
