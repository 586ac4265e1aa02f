//! The plan file of `tcscale apply` (TOML), and `to_toml` for `tcscale plan`.
//!
//! ```toml
//! role = "session"              # session | business | both
//! region = "ap-guangzhou"       # optional: --region otherwise
//!
//! [session]
//! source = "ins-auth0001"       # instance id, or the instance's name
//! count = 2
//! image_name = "mina_auth-scaleout"   # or reuse_image = "img-..."
//! clb = "create"                # "create" or "lb-..."
//! listener_port = 80
//! backend_port = 80
//! ```
//!
//! Everything is checked before any call: unknown keys, wrong types and
//! impossible combinations are errors naming the field, the allowed values
//! and the line.

use serde::{Deserialize, Serialize};

use crate::i18n::{t, tf, Lang};
use crate::scaleout::validate::{self, FieldError, Problem};

/// Which half of the guide to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Session,
    Business,
    Both,
}

impl Role {
    pub fn has_session(self) -> bool {
        matches!(self, Role::Session | Role::Both)
    }
    pub fn has_business(self) -> bool {
        matches!(self, Role::Business | Role::Both)
    }
}

/// The whole plan file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Accept consistency mismatches (zone/project/VPC) without asking.
    #[serde(default, skip_serializing_if = "is_false")]
    pub override_consistency: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<Phase>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business: Option<Phase>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autoscaling: Option<AutoScaling>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// One half of the guide: image a server, launch copies, put them behind a CLB.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Phase {
    /// The server to copy: `ins-xxxxxxxx`, or its instance name.
    pub source: String,
    /// New servers to launch.
    pub count: i64,
    /// Image to create (required unless `reuse_image`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_description: Option<String>,
    /// Use this existing image instead of creating one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reuse_image: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_name: Option<String>,
    /// Default: the source's type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_type: Option<String>,
    /// `"create"` or an existing CLB id. Default: create an internal CLB for
    /// session servers; the public CLB the source is bound to for business servers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clb: Option<String>,
    /// For `clb = "create"`: name, VPC and subnet (default: the source's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clb_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clb_vpc: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clb_subnet: Option<String>,
    /// TCP (default) or UDP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listener_protocol: Option<String>,
    /// Default 80 for session servers; business servers default to the
    /// existing listeners' ports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listener_port: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backend_port: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<i64>,
    /// Add an inbound rule for the VIP where it is missing (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix_security_groups: Option<bool>,
    /// Session servers only: point every business server's sdk.config at the VIP (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_sdk_config: Option<bool>,
    /// Session servers only: the business servers to update (default: discovered).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_servers: Option<Vec<String>>,
}

/// Where the CLB comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClbChoice {
    Create,
    Existing(String),
    /// Business servers: the public CLB the source is bound to.
    Discover,
}

/// The source instance, by id or by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceRef {
    Id(String),
    Name(String),
}

impl Phase {
    pub fn source_ref(&self) -> SourceRef {
        if self.source.starts_with("ins-") {
            SourceRef::Id(self.source.clone())
        } else {
            SourceRef::Name(self.source.clone())
        }
    }

    pub fn clb_choice(&self, session: bool) -> ClbChoice {
        match self.clb.as_deref() {
            Some("create") => ClbChoice::Create,
            Some(id) => ClbChoice::Existing(id.to_string()),
            None if session => ClbChoice::Create,
            None => ClbChoice::Discover,
        }
    }

    pub fn protocol(&self) -> &str {
        self.listener_protocol.as_deref().unwrap_or("TCP")
    }
    pub fn weight(&self) -> u8 {
        self.weight
            .unwrap_or(crate::scaleout::runner::load_balancer::DEFAULT_WEIGHT) as u8
    }
    /// The name of a CLB this phase creates.
    pub fn clb_name(&self) -> String {
        self.clb_name
            .clone()
            .unwrap_or_else(|| "mina_auth-clb".to_string())
    }
    /// The listener's (frontend) port; 80 unless set.
    pub fn listener_port(&self) -> i64 {
        self.listener_port.unwrap_or(80)
    }
    /// The port the servers serve on behind the CLB; 80 unless set.
    pub fn backend_port(&self) -> i64 {
        self.backend_port.unwrap_or(80)
    }
    pub fn fix_security_groups(&self) -> bool {
        self.fix_security_groups.unwrap_or(true)
    }
    pub fn update_sdk_config(&self) -> bool {
        self.update_sdk_config.unwrap_or(true)
    }
}

/// Auto Scaling after the scale-out (issue 6), optional.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutoScaling {
    /// Which phase's image and CLB the group uses: "session" or "business".
    pub phase: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_name: Option<String>,
    pub min_size: i64,
    pub max_size: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desired_capacity: Option<i64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scheduled: Vec<Scheduled>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alarm: Vec<Alarm>,
}

/// "At these times, scale to N."
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scheduled {
    pub name: String,
    /// Five-field cron, Beijing time.
    pub recurrence: String,
    pub min_size: i64,
    pub max_size: i64,
    pub desired_capacity: i64,
    /// RFC 3339; default: now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
}

/// "CPU above X % for N minutes → add K servers."
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Alarm {
    pub name: String,
    pub cpu_above: i64,
    pub minutes: i64,
    pub adjustment: i64,
}

/// A problem with a plan file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message(Lang::En))]
pub struct PlanError {
    /// 1-based line in the file, when known.
    pub line: Option<usize>,
    pub error: PlanProblem,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanProblem {
    /// TOML syntax, unknown key or wrong type (the decoder's message).
    Syntax(String),
    Field(FieldError),
    /// A number the field's type cannot hold: fractional (`count = 2.5`,
    /// the value kept) or beyond 64 bits (`None`).
    Number {
        field: String,
        fraction: Option<String>,
    },
}

impl PlanError {
    pub fn message(&self, lang: Lang) -> String {
        let body = match &self.error {
            PlanProblem::Syntax(m) => m.clone(),
            PlanProblem::Field(f) => f.message(lang),
            PlanProblem::Number {
                field,
                fraction: Some(got),
            } => tf(
                lang,
                "check.plan_fraction",
                &[("field", field), ("got", got)],
            ),
            PlanProblem::Number {
                field,
                fraction: None,
            } => tf(lang, "check.plan_too_large", &[("field", field)]),
        };
        match self.line {
            Some(line) => tf(
                lang,
                "scaleout.plan.at_line",
                &[("line", &line), ("message", &body)],
            ),
            None => body,
        }
    }
}

/// Parses and validates a plan file; every problem found, with lines.
pub fn parse(text: &str) -> Result<Plan, Vec<PlanError>> {
    let plan: Plan = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of_offset(text, s.start));
        let field = line.and_then(|l| field_on_line(text, l));
        vec![PlanError {
            line,
            error: decode_problem(e.message().trim(), field),
        }]
    })?;
    let problems = validate_plan(&plan);
    if problems.is_empty() {
        Ok(plan)
    } else {
        Err(problems
            .into_iter()
            .map(|f| PlanError {
                line: line_of_field(text, &f.field),
                error: PlanProblem::Field(f),
            })
            .collect())
    }
}

/// Every field problem of a decoded plan (no line numbers: see [`parse`]).
pub fn validate_plan(plan: &Plan) -> Vec<FieldError> {
    let mut out = Vec::new();
    let mut push = |r: Result<(), FieldError>| {
        if let Err(e) = r {
            out.push(e);
        }
    };
    let other = |field: &str, key: &str| {
        Err(FieldError::new(
            field,
            Problem::Other {
                reason: t(Lang::En, key),
            },
        ))
    };
    if let Some(r) = &plan.region {
        push(validate::region("region", r).map(drop));
    }
    match (plan.role.has_session(), &plan.session) {
        (true, None) => push(other("session", "scaleout.plan.section_required")),
        (false, Some(_)) => push(other("session", "scaleout.plan.section_unused")),
        _ => {}
    }
    match (plan.role.has_business(), &plan.business) {
        (true, None) => push(other("business", "scaleout.plan.section_required")),
        (false, Some(_)) => push(other("business", "scaleout.plan.section_unused")),
        _ => {}
    }
    for (name, phase, session) in [
        ("session", &plan.session, true),
        ("business", &plan.business, false),
    ] {
        if let Some(p) = phase {
            for e in validate_phase(name, p, session) {
                push(Err(e));
            }
        }
    }
    if let Some(a) = &plan.autoscaling {
        for e in validate_autoscaling(plan, a) {
            push(Err(e));
        }
    }
    out
}

/// The most instances one plan may launch per phase (the API's
/// `InstanceCount` limit, 500); the account quota is checked again before launch.
pub const MAX_COUNT: i64 = *crate::cloud::limits::RUN_INSTANCES_COUNT.end();

fn validate_phase(name: &str, p: &Phase, session: bool) -> Vec<FieldError> {
    let mut out = Vec::new();
    let f = |k: &str| format!("{name}.{k}");
    let mut check = |r: Result<(), FieldError>| {
        if let Err(e) = r {
            out.push(e);
        }
    };
    let other = |field: String, key: &str| {
        Err(FieldError::new(
            &field,
            Problem::Other {
                reason: t(Lang::En, key),
            },
        ))
    };
    match p.source_ref() {
        SourceRef::Id(id) => check(validate::instance_id(&f("source"), &id).map(drop)),
        SourceRef::Name(n) => check(validate::instance_name(&f("source"), &n).map(drop)),
    }
    check(validate::count(&f("count"), p.count, MAX_COUNT).map(drop));
    match (&p.image_name, &p.reuse_image) {
        (Some(_), Some(_)) => check(other(f("reuse_image"), "scaleout.plan.image_both")),
        (None, None) => check(other(f("image_name"), "scaleout.plan.image_missing")),
        (Some(n), None) => check(validate::image_name(&f("image_name"), n).map(drop)),
        (None, Some(id)) => check(validate::image_id(&f("reuse_image"), id).map(drop)),
    }
    if let Some(d) = &p.image_description {
        check(validate::image_description(&f("image_description"), d).map(drop));
    }
    if let Some(n) = &p.instance_name {
        check(validate::instance_name(&f("instance_name"), n).map(drop));
    }
    if let Some(t) = &p.instance_type {
        // e.g. S5.MEDIUM4, SA2.LARGE8: family, dot, size.
        let ok = t.split_once('.').is_some_and(|(a, b)| {
            !a.is_empty()
                && !b.is_empty()
                && t.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'.')
        });
        if !ok {
            check(Err(FieldError::new(
                &f("instance_type"),
                Problem::BadFormat {
                    expected: "an instance type such as S5.MEDIUM4".into(),
                },
            )));
        }
    }
    let creating = match p.clb.as_deref() {
        Some("create") if !session => {
            check(other(f("clb"), "scaleout.plan.business_clb_create"));
            false
        }
        Some("create") => true,
        Some(id) => {
            check(validate::clb_id(&f("clb"), id).map(drop));
            false
        }
        None => session,
    };
    if creating {
        if let Some(n) = &p.clb_name {
            check(validate::clb_name(&f("clb_name"), n).map(drop));
        }
        if let Some(v) = &p.clb_vpc {
            check(validate::vpc_id(&f("clb_vpc"), v).map(drop));
        }
        if let Some(s) = &p.clb_subnet {
            check(validate::subnet_id(&f("clb_subnet"), s).map(drop));
        }
    } else {
        for (k, v) in [
            ("clb_name", &p.clb_name),
            ("clb_vpc", &p.clb_vpc),
            ("clb_subnet", &p.clb_subnet),
        ] {
            if v.is_some() {
                check(other(f(k), "scaleout.plan.only_with_create"));
            }
        }
    }
    if let Some(proto) = &p.listener_protocol {
        check(validate::one_of(&f("listener_protocol"), proto, &["TCP", "UDP"]).map(drop));
    }
    if let Some(port) = p.listener_port {
        check(validate::port(&f("listener_port"), port).map(drop));
    }
    if let Some(port) = p.backend_port {
        check(validate::port(&f("backend_port"), port).map(drop));
    }
    if let Some(w) = p.weight {
        check(validate::weight(&f("weight"), w).map(drop));
    }
    if !session {
        for (k, set) in [
            ("update_sdk_config", p.update_sdk_config.is_some()),
            ("business_servers", p.business_servers.is_some()),
        ] {
            if set {
                check(other(f(k), "scaleout.plan.session_only"));
            }
        }
    }
    if let Some(ids) = &p.business_servers {
        for (i, id) in ids.iter().enumerate() {
            check(validate::instance_id(&format!("{name}.business_servers[{i}]"), id).map(drop));
        }
    }
    out
}

fn validate_autoscaling(plan: &Plan, a: &AutoScaling) -> Vec<FieldError> {
    let mut out = Vec::new();
    let mut check = |r: Result<(), FieldError>| {
        if let Err(e) = r {
            out.push(e);
        }
    };
    match validate::one_of("autoscaling.phase", &a.phase, &["session", "business"]) {
        Ok(p) => {
            let present = if p == "session" {
                plan.session.is_some()
            } else {
                plan.business.is_some()
            };
            if !present {
                check(Err(FieldError::new(
                    "autoscaling.phase",
                    Problem::Other {
                        reason: t(Lang::En, "scaleout.plan.autoscaling_phase"),
                    },
                )));
            }
        }
        Err(e) => check(Err(e)),
    }
    if let Some(n) = &a.group_name {
        check(validate::clb_name("autoscaling.group_name", n).map(drop));
    }
    check(sizes(
        "autoscaling",
        a.min_size,
        a.max_size,
        a.desired_capacity,
    ));
    for (i, s) in a.scheduled.iter().enumerate() {
        let p = format!("autoscaling.scheduled[{i}]");
        check(validate::clb_name(&format!("{p}.name"), &s.name).map(drop));
        check(validate::cron(&format!("{p}.recurrence"), &s.recurrence).map(drop));
        check(sizes(&p, s.min_size, s.max_size, Some(s.desired_capacity)));
        for (k, v) in [("start_time", &s.start_time), ("end_time", &s.end_time)] {
            if let Some(v) = v {
                if chrono::DateTime::parse_from_rfc3339(v).is_err() {
                    check(Err(FieldError::new(
                        &format!("{p}.{k}"),
                        Problem::BadFormat {
                            expected: "RFC 3339, e.g. 2026-07-01T09:00:00+08:00".into(),
                        },
                    )));
                }
            }
        }
    }
    for (i, al) in a.alarm.iter().enumerate() {
        let p = format!("autoscaling.alarm[{i}]");
        check(validate::clb_name(&format!("{p}.name"), &al.name).map(drop));
        check(validate::in_range(&format!("{p}.cpu_above"), al.cpu_above, 1, 100).map(drop));
        check(validate::in_range(&format!("{p}.minutes"), al.minutes, 1, 60).map(drop));
        check(validate::in_range(&format!("{p}.adjustment"), al.adjustment, -100, 100).map(drop));
    }
    out
}

/// min ≤ desired ≤ max, all within 0–2000 (the AS group limit).
fn sizes(prefix: &str, min: i64, max: i64, desired: Option<i64>) -> Result<(), FieldError> {
    validate::in_range(&format!("{prefix}.min_size"), min, 0, 2000)?;
    validate::in_range(&format!("{prefix}.max_size"), max, min, 2000)?;
    if let Some(d) = desired {
        validate::in_range(&format!("{prefix}.desired_capacity"), d, min, max)?;
    }
    Ok(())
}

/// The plan as a file for `tcscale apply` (what `tcscale plan` writes).
pub fn to_toml(plan: &Plan) -> String {
    let body = toml::to_string_pretty(plan).expect("a plan always serializes");
    format!(
        "# tcscale plan: run with `tcscale apply FILE` (add --yes to execute).\n\
         # role: session | business | both; see assets/plans/*.toml for every key.\n\n{body}"
    )
}

/// The decoder's message as a problem naming the field (when the line sets one).
fn decode_problem(message: &str, field: Option<String>) -> PlanProblem {
    let Some(field) = field else {
        return PlanProblem::Syntax(message.to_string());
    };
    if message.starts_with("number too large") {
        return PlanProblem::Number {
            field,
            fraction: None,
        };
    }
    if let Some(rest) = message.strip_prefix("invalid type: floating point `") {
        if message.ends_with("expected i64") {
            let got = rest.split('`').next().unwrap_or("").to_string();
            // `1e30` decodes as a float too: whole, only beyond 64 bits.
            let huge = got.parse::<f64>().is_ok_and(|v| v.abs() >= 9.2e18);
            return PlanProblem::Number {
                field,
                fraction: (!huge).then_some(got),
            };
        }
    }
    PlanProblem::Syntax(format!("{field}: {message}"))
}

/// The field a line sets, as a plan path (`session.count`,
/// `autoscaling.alarm[1].minutes`): the key before `=` under the last
/// table header above it.
pub fn field_on_line(text: &str, line: usize) -> Option<String> {
    let mut table = String::new();
    let mut arrays: std::collections::HashMap<String, usize> = Default::default();
    for (n, raw) in text.lines().enumerate() {
        let l = raw.trim();
        if let Some(h) = l.strip_prefix("[[") {
            let name = h.split("]]").next().unwrap_or("").trim().to_string();
            let i = arrays.entry(name.clone()).or_insert(0);
            table = format!("{name}[{i}]");
            *i += 1;
        } else if let Some(h) = l.strip_prefix('[') {
            table = h.split(']').next().unwrap_or("").trim().to_string();
        }
        if n + 1 == line {
            let (key, _) = l.split_once('=')?;
            let key = key.trim().trim_matches('"');
            if key.is_empty() || l.starts_with('[') || l.starts_with('#') {
                return None;
            }
            return Some(if table.is_empty() {
                key.to_string()
            } else {
                format!("{table}.{key}")
            });
        }
    }
    None
}

fn line_of_offset(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The line where a field (`session.count`, `autoscaling.alarm[1].minutes`)
/// is set, found by walking the file's table headers and keys. For a field
/// that is missing, the line of its table header.
pub fn line_of_field(text: &str, field: &str) -> Option<usize> {
    // `a.b[2].c` → path ["a", "b", "c"] and the index 2 of the array table.
    let mut path: Vec<String> = Vec::new();
    let mut index: Option<usize> = None;
    for part in field.split('.') {
        match part.split_once('[') {
            Some((name, rest)) => {
                path.push(name.to_string());
                index = rest.trim_end_matches(']').parse().ok();
            }
            None => path.push(part.to_string()),
        }
    }
    let (last, tables) = path.split_last()?;
    let mut current: Vec<String> = Vec::new();
    let mut seen_of_array = 0usize;
    let mut table_line = None;
    let mut in_target = tables.is_empty();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if let Some(h) = line.strip_prefix("[[") {
            let name = h.split("]]").next().unwrap_or("").trim();
            current = name.split('.').map(|s| s.trim().to_string()).collect();
            in_target = current == tables
                && index.is_some_and(|i| {
                    let hit = seen_of_array == i;
                    seen_of_array += 1;
                    hit
                });
            if in_target {
                table_line = Some(n + 1);
            }
            continue;
        }
        if let Some(h) = line.strip_prefix('[') {
            let name = h.split(']').next().unwrap_or("").trim();
            current = name.split('.').map(|s| s.trim().to_string()).collect();
            in_target = current == tables;
            if in_target {
                table_line = Some(n + 1);
            }
            continue;
        }
        if in_target {
            if let Some((key, _)) = line.split_once('=') {
                let key = key.trim().trim_matches('"');
                if key == last {
                    return Some(n + 1);
                }
            }
        }
        if in_target && tables.is_empty() && !current.is_empty() {
            in_target = false;
        }
    }
    if tables.is_empty() {
        // A missing top-level table (`session`) is reported on line 1.
        return table_line.or(Some(1));
    }
    table_line
}

#[cfg(test)]
mod tests {
    use super::*;

    const SESSION: &str = include_str!("../../assets/plans/session-servers.toml");
    const BUSINESS: &str = include_str!("../../assets/plans/business-servers.toml");

    fn errors(text: &str) -> Vec<(Option<usize>, String)> {
        parse(text)
            .unwrap_err()
            .into_iter()
            .map(|e| (e.line, e.message(Lang::En)))
            .collect()
    }

    #[test]
    fn shipped_plans_parse() {
        let s = parse(SESSION).unwrap();
        assert_eq!(s.role, Role::Session);
        let p = s.session.as_ref().unwrap();
        assert_eq!(p.clb_choice(true), ClbChoice::Create);
        assert!(p.update_sdk_config());
        let b = parse(BUSINESS).unwrap();
        assert_eq!(b.role, Role::Business);
        assert_eq!(b.business.unwrap().clb_choice(false), ClbChoice::Discover);
    }

    #[test]
    fn unknown_key_and_wrong_type_name_the_line() {
        let e = errors("role = \"session\"\n[session]\nsource = \"ins-abcd1234\"\ncount = 2\nimage_name = \"x\"\nlistner_port = 80\n");
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].0, Some(6));
        assert!(e[0].1.contains("listner_port"), "{}", e[0].1);
        assert!(e[0].1.starts_with("line 6: "), "{}", e[0].1);

        let e = errors("role = \"session\"\n[session]\nsource = \"ins-abcd1234\"\ncount = \"two\"\nimage_name = \"x\"\n");
        assert_eq!(e[0].0, Some(4));

        let e = errors("role = \"everything\"\n");
        assert_eq!(e[0].0, Some(1));
        assert!(e[0].1.contains("session"), "{}", e[0].1);
    }

    #[test]
    fn field_errors_name_field_allowed_values_and_line() {
        let text = "role = \"session\"\n\n[session]\nsource = \"ins-abcd1234\"\ncount = 0\nimage_name = \"ok\"\nlisten_port_typo_free = 1\n";
        // (unknown key first: decoding stops there)
        assert_eq!(errors(text)[0].0, Some(7));
        let text = "role = \"session\"\n\n[session]\nsource = \"ins-abcd1234\"\ncount = 0\nimage_name = \"ok\"\nlistener_port = 70000\nweight = 101\n";
        let e = errors(text);
        assert_eq!(
            e,
            vec![
                (
                    Some(5),
                    "line 5: session.count: must be between 1 and 500 (got 0)".to_string()
                ),
                (
                    Some(7),
                    "line 7: session.listener_port: must be between 1 and 65535 (got 70000)"
                        .to_string()
                ),
                (
                    Some(8),
                    "line 8: session.weight: must be between 0 and 100 (got 101)".to_string()
                ),
            ]
        );
        let zh = parse(text).unwrap_err()[0].message(Lang::Zh);
        assert!(zh.contains("第 5 行") && zh.contains("1–500"), "{zh}");
    }

    #[test]
    fn fractional_and_too_large_numbers_name_their_field() {
        let base = "role = \"session\"\n[session]\nsource = \"ins-abcd1234\"\nimage_name = \"x\"\n";
        for (value, field, want) in [
            (
                "count = 2.5",
                "session.count",
                "must be a whole number (got 2.5)",
            ),
            ("count = 99999999999999999999", "session.count", "too large"),
            ("count = 1e30", "session.count", "too large"),
            ("weight = 9.75", "session.weight", "(got 9.75)"),
            ("count = 3.0", "session.count", "whole number (got 3.0)"),
        ] {
            let e = errors(&format!("{base}{value}\n"));
            assert_eq!(e.len(), 1, "{value}: {e:?}");
            assert_eq!(e[0].0, Some(5), "{value}");
            assert!(
                e[0].1.starts_with(&format!("line 5: {field}: ")) && e[0].1.contains(want),
                "{value}: {}",
                e[0].1
            );
        }
        let text = "role = \"session\"\n[session]\nsource = \"ins-abcd1234\"\ncount = 1\nimage_name = \"x\"\n[autoscaling]\nphase = \"session\"\nmin_size = 1\nmax_size = 2\n[[autoscaling.alarm]]\nname = \"a\"\ncpu_above = 70\nminutes = 5\nadjustment = 1\n[[autoscaling.alarm]]\nname = \"b\"\ncpu_above = 70.5\n";
        let e = parse(text).unwrap_err();
        assert!(
            e[0].message(Lang::Zh)
                .contains("autoscaling.alarm[1].cpu_above"),
            "{}",
            e[0].message(Lang::Zh)
        );
    }

    #[test]
    fn impossible_combinations() {
        let e = errors("role = \"both\"\n[session]\nsource = \"mina_auth\"\ncount = 1\nimage_name = \"a\"\nreuse_image = \"img-abcd1234\"\n");
        let msgs: Vec<&str> = e.iter().map(|(_, m)| m.as_str()).collect();
        assert!(
            msgs.iter().any(|m| m.contains("session.reuse_image")),
            "{msgs:?}"
        );
        assert!(msgs.iter().any(|m| m.contains("business")), "{msgs:?}");

        let e = errors("role = \"business\"\n[business]\nsource = \"ins-abcd1234\"\ncount = 1\nimage_name = \"a\"\nclb = \"create\"\nupdate_sdk_config = true\n");
        assert_eq!(e.len(), 2, "{e:?}");
        assert_eq!(e[0].0, Some(6));
        assert_eq!(e[1].0, Some(7));

        let e = errors("role = \"session\"\n[session]\nsource = \"ins-abcd1234\"\ncount = 1\nimage_name = \"a\"\nclb = \"lb-abcd1234\"\nclb_name = \"x\"\n");
        assert_eq!(e.len(), 1);
        assert!(e[0].1.contains("clb_name"));
    }

    #[test]
    fn autoscaling_section() {
        let text = "role = \"session\"\n[session]\nsource = \"mina_auth\"\ncount = 1\nimage_name = \"a\"\n\n[autoscaling]\nphase = \"session\"\nmin_size = 1\nmax_size = 4\ndesired_capacity = 2\n\n[[autoscaling.scheduled]]\nname = \"morning\"\nrecurrence = \"0 9 * * *\"\nmin_size = 2\nmax_size = 4\ndesired_capacity = 3\n\n[[autoscaling.scheduled]]\nname = \"night\"\nrecurrence = \"0 25 * * *\"\nmin_size = 1\nmax_size = 4\ndesired_capacity = 5\n\n[[autoscaling.alarm]]\nname = \"cpu\"\ncpu_above = 70\nminutes = 5\nadjustment = 1\n";
        let e = errors(text);
        assert_eq!(e.len(), 2, "{e:?}");
        assert_eq!(e[0].0, Some(22));
        assert!(e[0].1.contains("autoscaling.scheduled[1].recurrence"));
        assert_eq!(e[1].0, Some(25));
        assert!(e[1].1.contains("desired_capacity"));
    }

    #[test]
    fn to_toml_round_trips() {
        for text in [SESSION, BUSINESS] {
            let plan = parse(text).unwrap();
            let written = to_toml(&plan);
            assert_eq!(parse(&written).unwrap(), plan, "{written}");
        }
        let plan = Plan {
            role: Role::Both,
            region: Some("ap-guangzhou".into()),
            override_consistency: true,
            session: Some(Phase {
                source: "mina_auth".into(),
                count: 2,
                image_name: Some("a".into()),
                business_servers: Some(vec!["ins-abcd1234".into()]),
                ..Default::default()
            }),
            business: Some(Phase {
                source: "ins-abcd1235".into(),
                count: 1,
                reuse_image: Some("img-abcd1234".into()),
                ..Default::default()
            }),
            autoscaling: Some(AutoScaling {
                phase: "business".into(),
                min_size: 1,
                max_size: 3,
                alarm: vec![Alarm {
                    name: "cpu".into(),
                    cpu_above: 70,
                    minutes: 5,
                    adjustment: 1,
                }],
                ..Default::default()
            }),
        };
        assert_eq!(parse(&to_toml(&plan)).unwrap(), plan);
    }

    #[test]
    fn never_panics_on_arbitrary_input() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::SmallRng::seed_from_u64(3);
        let pieces = [
            "role",
            " = ",
            "\"session\"",
            "\n",
            "[session]",
            "[[autoscaling.alarm]]",
            "count",
            "70000",
            "-1",
            "\"",
            "[",
            "]",
            "{",
            "}",
            "source",
            "\"ins-abcd1234\"",
            "image_name",
            "é",
            "#",
            ".",
            "[autoscaling]",
            "phase",
        ];
        for _ in 0..3000 {
            let n = rng.gen_range(0..25);
            let s: String = (0..n)
                .map(|_| pieces[rng.gen_range(0..pieces.len())])
                .collect();
            if let Err(errs) = parse(&s) {
                for e in errs {
                    let _ = e.message(Lang::Zh);
                }
            }
        }
    }
}
