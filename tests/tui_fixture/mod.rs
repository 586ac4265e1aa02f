//! A constructed wizard state shaped like the sandbox's starting layout
//! (the guide's one business server, one session server, a public CLB, and
//! instances each ineligible for a different reason), and a renderer to text.

#![allow(dead_code)]

use crate::screen_support;

use tcscale::i18n::Lang;
use tcscale::scaleout::eligibility::Ineligible;
use tcscale::scaleout::overview_checks::AccountCheck;
use tcscale::tui::app::{App, Context};
use tcscale::tui::state::*;
use tcscale::tui::widgets::input::TextInput;

pub fn inst(id: &str, name: &str, ip: &str, zone: &str) -> InstanceView {
    InstanceView {
        id: id.into(),
        name: name.into(),
        zone: zone.into(),
        project_id: 0,
        state: "RUNNING".into(),
        private_ip: ip.into(),
        public_ip: String::new(),
        bandwidth_out: 5,
        instance_type: "S5.MEDIUM4".into(),
        vpc_id: "vpc-2x8k".into(),
        subnet_id: "subnet-gz3".into(),
        security_group_ids: vec!["sg-web".into()],
        os_name: "CentOS 7.9 64位".into(),
        ineligible: vec![],
        tat_online: true,
    }
}

pub fn architecture() -> Architecture {
    let mut b1 = inst("ins-b1", "node-weapp", "10.0.1.4", "ap-guangzhou-3");
    b1.public_ip = "119.29.10.4".into();
    let s1 = inst("ins-s1", "mina_auth", "10.0.1.9", "ap-guangzhou-3");
    let mut old = inst("ins-old", "mina_auth-old", "10.0.1.7", "ap-guangzhou-3");
    old.ineligible = vec![Reason::Rule(Ineligible::Expired {
        at: "2026-10-01T00:00:00Z".into(),
    })];
    let mut iso = inst("ins-iso", "test", "10.0.1.8", "ap-guangzhou-3");
    iso.ineligible = vec![Reason::Rule(Ineligible::Isolated {
        restrict_state: Some("PROTECTIVELY_ISOLATED".into()),
        isolated_source: Some("ARREAR".into()),
    })];
    let mut nobw = inst("ins-nobw", "batch", "10.0.1.10", "ap-guangzhou-3");
    nobw.bandwidth_out = 0;
    nobw.ineligible = vec![Reason::Rule(Ineligible::NoPublicBandwidth)];
    let z4 = inst("ins-z4", "mina_auth-z4", "10.0.2.5", "ap-guangzhou-4");
    let public = ClbView {
        id: "lb-8xk2".into(),
        name: "weapp-public".into(),
        kind: "OPEN".into(),
        vip: "119.29.10.8".into(),
        vpc_id: "vpc-2x8k".into(),
        subnet_id: String::new(),
        project_id: 0,
        zone: String::new(),
        listeners: vec![ListenerView {
            id: "lbl-80".into(),
            protocol: "TCP".into(),
            port: 80,
            targets: vec![("ins-b1".into(), 80, Some(true))],
        }],
    };
    let instances = vec![b1, s1, old, iso, nobw, z4];
    let models = instances.iter().map(|i| (i.id.clone(), model(i))).collect();
    Architecture {
        region: "ap-guangzhou".into(),
        instances,
        models,
        public_clb: Some(public.clone()),
        internal_clb: None,
        clbs: vec![public],
        business_ids: vec!["ins-b1".into()],
        session_ids: vec!["ins-s1".into()],
        auth_urls: Load::Ready(vec![(
            "ins-b1".into(),
            Some("http://10.0.1.9/mina_auth/".into()),
        )]),
        images: vec![ImageView {
            id: "img-old1".into(),
            name: "mina_auth-2026-09".into(),
            source_instance: "ins-s1".into(),
            state: "NORMAL".into(),
        }],
        checks: vec![
            AccountCheck::Credentials,
            AccountCheck::ImageQuota { used: 1, total: 10 },
            AccountCheck::Ineligible { n: 3 },
        ],
    }
}

pub fn internal_clb() -> ClbView {
    ClbView {
        id: "lb-int4c".into(),
        name: "mina-auth-internal".into(),
        kind: "INTERNAL".into(),
        vip: "10.0.1.20".into(),
        vpc_id: "vpc-2x8k".into(),
        subnet_id: "subnet-gz3".into(),
        project_id: 0,
        zone: "ap-guangzhou-3".into(),
        listeners: vec![],
    }
}

/// The app on `screen` of the session flow, in `lang`, with the
/// architecture loaded and the source chosen.
pub fn app(lang: Lang, screen: Screen) -> App {
    let ctx = Context {
        region: "ap-guangzhou".into(),
        profile: Some("default".into()),
        sandbox: true,
        credential_source: "sandbox".into(),
        audit_log: Some("/home/u/.local/share/tcscale/audit.jsonl".into()),
        journal_path: None,
    };
    let mut a = App::new(lang, ctx, Screen::Overview);
    a.arch = Load::Ready(architecture());
    a.flow = Some(Flow::Session);
    a.screen = screen;
    a.back = vec![Screen::Overview];
    a.clock = 100;
    a.source.chosen = Some("ins-s1".into());
    a.source.cursor = 1;
    a.image.name = TextInput::new("mina_auth-scaleout");
    a.image.description = TextInput::new("Copy of mina_auth for scale-out");
    a.launch.count = TextInput::new("2");
    a.launch.instance_type = TextInput::new("S5.MEDIUM4");
    a.launch.zone = TextInput::new("ap-guangzhou-3");
    a.launch.project = TextInput::new("0");
    a.launch.vpc_id = "vpc-2x8k".into();
    a.launch.subnet_id = "subnet-gz3".into();
    a.launch.security_group_ids = vec!["sg-web".into()];
    // As the app words them (InquiryPriceRunInstances' ItemPrice, the zone's quota).
    a.launch.price = Load::Ready(tcscale::i18n::Text::per_lang(|l| {
        tcscale::tui::screens::launch::price_value(l, 0.45, "HOUR")
    }));
    a.launch.quota = Load::Ready(ZoneQuota {
        used: 2,
        total: 50,
        remaining: 48,
    });
    a
}

/// The app on the bind screen after the launch, with the internal CLB chosen.
pub fn bind_app(lang: Lang) -> App {
    let mut a = app(lang, Screen::Bind);
    if let Load::Ready(arch) = &mut a.arch {
        let mut n7 = inst("ins-n7", "mina_auth", "10.0.1.31", "ap-guangzhou-3");
        n7.state = "RUNNING".into();
        let n8 = inst("ins-n8", "mina_auth", "10.0.1.32", "ap-guangzhou-3");
        arch.instances.push(n7);
        arch.instances.push(n8);
        arch.clbs.push(internal_clb());
    }
    a.image.image_id = Some("img-7qk2".into());
    a.image.progress = Progress::Done { took: 58 };
    a.launch.instances = vec![
        ("ins-n7".into(), "RUNNING".into()),
        ("ins-n8".into(), "RUNNING".into()),
    ];
    a.launch.progress = Progress::Done { took: 31 };
    a.lb.chosen = Some("lb-int4c".into());
    a.lb.progress = Progress::Done { took: 9 };
    a.bind.port = TextInput::new("80");
    a.bind.backend_port = TextInput::new("80");
    let arch = a.arch.ready().unwrap().clone();
    let clb = internal_clb();
    let order = [
        "ins-s1", "ins-n7", "ins-n8", "ins-old", "ins-iso", "ins-nobw", "ins-z4",
    ];
    a.bind.rows = order
        .iter()
        .map(|id| {
            let mut i = arch.instance(id).unwrap().clone();
            i.ineligible
                .extend(tcscale::tui::rules::placement_reasons(&i, &clb));
            BindRow {
                checked: i.ineligible.is_empty(),
                instance: i,
                status: TargetStatus::Idle,
                healthy: None,
            }
        })
        .collect();
    a
}

/// The frame as text, one line per row, trailing spaces trimmed.
pub use screen_support::render;

/// A key pressed on `a`, as the loop hands it over (the jobs it starts are not run).
pub fn press(a: &mut App, code: crossterm::event::KeyCode) {
    a.update(tcscale::tui::app::Msg::Key(
        crossterm::event::KeyEvent::new(code, crossterm::event::KeyModifiers::NONE),
    ));
}

/// The instance as the API would describe it (what a launch copies).
fn model(i: &InstanceView) -> tcscale::cloud::models::cvm::Instance {
    use tcscale::cloud::models::cvm;
    cvm::Instance {
        instance_id: Some(i.id.clone()),
        instance_name: Some(i.name.clone()),
        instance_type: Some(i.instance_type.clone()),
        placement: Some(cvm::Placement {
            zone: Some(i.zone.clone()),
            project_id: Some(i.project_id),
            ..Default::default()
        }),
        virtual_private_cloud: Some(cvm::VirtualPrivateCloud {
            vpc_id: Some(i.vpc_id.clone()),
            subnet_id: Some(i.subnet_id.clone()),
            ..Default::default()
        }),
        security_group_ids: Some(i.security_group_ids.clone()),
        internet_accessible: Some(cvm::InternetAccessible {
            internet_max_bandwidth_out: Some(i.bandwidth_out),
            ..Default::default()
        }),
        ..Default::default()
    }
}
