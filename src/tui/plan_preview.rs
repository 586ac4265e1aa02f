//! The confirm dialogs: exactly the API calls a step will make, built from
//! the step's inputs, shown before anything is created.

use crate::i18n::{t, tf};
use crate::tui::app::App;
use crate::tui::state::{Confirm, ConfirmWhat, PlannedCall, TargetStatus};

fn call(service: &'static str, action: &'static str, detail: String) -> PlannedCall {
    PlannedCall {
        service,
        action,
        detail,
    }
}

pub fn create_image(app: &App) -> Confirm {
    use crate::scaleout::runner::image::create_image_request;
    let req = create_image_request(&app.image_input(), JOURNAL_VALUE);
    Confirm {
        title: t(app.lang, "wizard.confirm.create_image"),
        body: None,
        calls: vec![
            call("cvm", "CreateImage", request_json(&req)),
            call(
                "cvm",
                "DescribeImages",
                tf(
                    app.lang,
                    "wizard.confirm.poll_until",
                    &[("state", &"NORMAL")],
                ),
            ),
        ],
        what: ConfirmWhat::CreateImage,
    }
}

/// The request as the API gets it, one line of JSON. The ClientToken and
/// the run's tag are the journal's, fixed when the step starts: shown as `…`.
fn request_json<T: serde::Serialize>(req: &T) -> String {
    serde_json::to_string(req).unwrap_or_default()
}

pub fn run_instances(app: &App) -> Confirm {
    use crate::scaleout::runner::launch::run_instances_request;
    let calls = match app.launch_input() {
        Some(input) => {
            let req = run_instances_request(&input, JOURNAL_VALUE, JOURNAL_VALUE);
            // The DryRun is the launch itself, checked (`dry_run_request`):
            // said, not repeated.
            vec![
                call(
                    "cvm",
                    "RunInstances",
                    t(app.lang, "wizard.confirm.dry_run_of_next"),
                ),
                call("cvm", "RunInstances", request_json(&req)),
            ]
        }
        // Nothing to launch from yet (no image, the source not described).
        None => vec![call("cvm", "RunInstances", "?".into())],
    };
    Confirm {
        title: t(app.lang, "wizard.confirm.run_instances"),
        body: None,
        calls: calls
            .into_iter()
            .chain([call(
                "cvm",
                "DescribeInstances",
                tf(
                    app.lang,
                    "wizard.confirm.poll_until",
                    &[("state", &"RUNNING")],
                ),
            )])
            .collect(),
        what: ConfirmWhat::RunInstances,
    }
}

/// What the preview shows for a value the run journal fixes when the step
/// starts (a ClientToken, the run's id in its tag).
pub const JOURNAL_VALUE: &str = "…";

pub fn create_clb(app: &App) -> Confirm {
    use crate::scaleout::runner::load_balancer::{create_load_balancer_request, ClbChoice};
    let detail = match app.clb_input() {
        Some(input) => {
            let name = match &input.choice {
                ClbChoice::Create { name } => name.clone(),
                ClbChoice::Existing(id) => id.clone(),
            };
            request_json(&create_load_balancer_request(
                &input,
                &name,
                JOURNAL_VALUE,
                JOURNAL_VALUE,
            ))
        }
        None => "?".into(),
    };
    Confirm {
        title: t(app.lang, "wizard.confirm.create_clb"),
        body: None,
        calls: vec![
            call("clb", "CreateLoadBalancer", detail),
            call(
                "clb",
                "DescribeTaskStatus",
                tf(app.lang, "wizard.confirm.poll_until", &[("state", &"0")]),
            ),
        ],
        what: ConfirmWhat::CreateClb,
    }
}

pub fn bind(app: &App) -> Confirm {
    use crate::scaleout::runner::bind::{register_targets_request, BATCH};
    use crate::scaleout::runner::load_balancer::{
        create_listener_request, listener_name, ListenerInput, DEFAULT_WEIGHT,
    };
    let clb = app.chosen_clb();
    let clb_id = clb.map(|c| c.id.clone()).unwrap_or_default();
    let port: i64 = app.bind.port.value.trim().parse().unwrap_or(80);
    let backend = app.backend_port();
    let mut calls = Vec::new();
    let listener = clb.and_then(|c| {
        c.listeners
            .iter()
            .find(|l| l.port == port && l.protocol == "TCP")
            .map(|l| l.id.clone())
    });
    if listener.is_none() {
        // Named after the run, as the engine names it (when journaled).
        let run = crate::tui::recovery::run_id(app.ctx.journal_path.as_deref());
        let req = create_listener_request(&ListenerInput {
            load_balancer_id: clb_id.clone(),
            protocol: "TCP".into(),
            port,
            name: run
                .map(|r| listener_name(&r))
                .unwrap_or_else(|| JOURNAL_VALUE.into()),
        });
        calls.push(call("clb", "CreateListener", request_json(&req)));
    }
    let targets: Vec<String> = app
        .bind
        .rows
        .iter()
        .filter(|r| r.checked && r.status != TargetStatus::Bound)
        .map(|r| r.instance.id.clone())
        .collect();
    // The listener made by the call above has no id yet: shown as `…`.
    let listener_id = listener.unwrap_or_else(|| JOURNAL_VALUE.into());
    for batch in targets.chunks(BATCH) {
        let req = register_targets_request(
            &clb_id,
            &listener_id,
            batch.iter().cloned(),
            backend,
            DEFAULT_WEIGHT,
        );
        calls.push(call("clb", "RegisterTargets", request_json(&req)));
    }
    calls.push(call(
        "clb",
        "DescribeTaskStatus",
        tf(app.lang, "wizard.confirm.poll_until", &[("state", &"0")]),
    ));
    calls.push(call("clb", "DescribeTargetHealth", String::new()));
    Confirm {
        title: tf(app.lang, "wizard.confirm.bind", &[("clb", &clb_id)]),
        body: None,
        calls,
        what: ConfirmWhat::Bind,
    }
}

pub fn fix_security_groups(app: &App) -> Confirm {
    use crate::scaleout::runner::security_group_step::add_rule_request;
    let vip = app.chosen_clb().map(|c| c.vip.clone()).unwrap_or_default();
    let port = u16::try_from(app.backend_port()).unwrap_or(0);
    // One request per group, as the engine adds one rule to a group
    // however many of the ticked servers are in it.
    let groups = app.sg_rule_groups();
    Confirm {
        title: t(app.lang, "wizard.confirm.fix_sg"),
        body: None,
        calls: groups
            .iter()
            .map(|g| {
                call(
                    "vpc",
                    "CreateSecurityGroupPolicies",
                    request_json(&add_rule_request(g, &vip, port)),
                )
            })
            .collect(),
        what: ConfirmWhat::FixSecurityGroups,
    }
}

pub fn apply_sdk_config(app: &App) -> Confirm {
    let vip = app.chosen_clb().map(|c| c.vip.clone()).unwrap_or_default();
    // Those done by hand are left out, as the job leaves them out.
    let ids = app.sdk_tat_ids();
    // The engine's rolling update, wave by wave, with these very servers.
    let waves = crate::scaleout::runner::sdk_config_step::waves_of(&ids);
    let mut calls = vec![call(
        "tat",
        "RunCommand",
        tf(
            app.lang,
            "wizard.confirm.sdk_read",
            &[("ids", &ids.join(","))],
        ),
    )];
    for (n, wave) in waves.iter().enumerate() {
        let label = format!("{}/{}", n + 1, waves.len());
        calls.push(call(
            "tat",
            "RunCommand",
            tf(
                app.lang,
                "wizard.confirm.sdk_write",
                &[
                    ("wave", &label),
                    ("ids", &wave.join(",")),
                    ("url", &crate::scaleout::sdk_config::auth_server_url(&vip)),
                ],
            ),
        ));
        calls.push(call(
            "clb",
            "DescribeTargetHealth",
            tf(app.lang, "wizard.confirm.sdk_healthy", &[("wave", &label)]),
        ));
    }
    Confirm {
        title: t(app.lang, "wizard.confirm.sdk_config"),
        body: None,
        calls,
        what: ConfirmWhat::ApplySdkConfig,
    }
}

/// The whole sdk.config step by hand: no call is made; the dialog names
/// every server TAT then leaves alone.
pub fn sdk_all_by_hand(app: &App) -> Confirm {
    let ids: Vec<String> = app
        .sdk
        .rows
        .ready()
        .map(|rows| {
            rows.iter()
                .filter(|r| crate::tui::app::sdk_left_to_change(r))
                .map(|r| r.instance_id.clone())
                .collect()
        })
        .unwrap_or_default();
    Confirm {
        title: t(app.lang, "wizard.confirm.sdk_by_hand"),
        body: Some(tf(
            app.lang,
            "wizard.confirm.sdk_by_hand_body",
            &[("ids", &ids.join(", "))],
        )),
        calls: vec![],
        what: ConfirmWhat::SdkAllByHand,
    }
}
