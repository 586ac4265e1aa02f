//! From a plan file's text to the engine's [`RunSpec`].
//!
//! ADAPTER: the plan file format belongs to `scaleout::plan` (parsing with
//! line-numbered errors, validation); until that module exists this reads
//! the documented keys directly (unknown keys and wrong types are refused,
//! with the line, by the TOML decoder) and checks the obvious ranges.

use serde::Deserialize;

use crate::i18n::{tf, Lang};

use super::flow::{Flow, PhaseSpec, RunSpec};
use super::load_balancer::ClbChoice;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanFile {
    role: Flow,
    session: Option<PhaseFile>,
    business: Option<PhaseFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PhaseFile {
    source: String,
    count: u32,
    image_name: String,
    image_description: Option<String>,
    reuse_image: Option<String>,
    instance_name: Option<String>,
    instance_type: Option<String>,
    /// "create" or an existing CLB id.
    clb: Option<String>,
    clb_name: Option<String>,
    listener_port: Option<i64>,
    backend_port: Option<i64>,
    weight: Option<i64>,
    fix_security_groups: Option<bool>,
    update_sdk_config: Option<bool>,
}

fn phase(p: PhaseFile, session: bool, lang: Lang) -> Result<PhaseSpec, String> {
    let bad = |field: &str, allowed: &str| {
        tf(
            lang,
            "engine.plan.bad_field",
            &[("field", &field), ("allowed", &allowed)],
        )
    };
    if !p.source.starts_with("ins-") {
        return Err(bad("source", "ins-…"));
    }
    if !(1..=100).contains(&p.count) {
        return Err(bad("count", "1–100"));
    }
    if p.image_name.is_empty() || p.image_name.chars().count() > 60 {
        return Err(bad("image_name", "1–60 characters"));
    }
    let port = |v: Option<i64>, name: &str| match v {
        None => Ok(80),
        Some(x) if (1..=65535).contains(&x) => Ok(x),
        Some(_) => Err(bad(name, "1–65535")),
    };
    let weight = match p.weight {
        None => 10,
        Some(w) if (0..=100).contains(&w) => w,
        Some(_) => return Err(bad("weight", "0–100")),
    };
    let clb = match p.clb.as_deref() {
        None | Some("create") if session => Some(ClbChoice::Create {
            name: p.clb_name.clone().unwrap_or_else(|| "mina_auth-clb".into()),
        }),
        None => None,
        Some(id) if id.starts_with("lb-") => Some(ClbChoice::Existing(id.to_string())),
        Some(_) => return Err(bad("clb", "\"create\" or lb-…")),
    };
    Ok(PhaseSpec {
        source_instance: p.source,
        count: p.count,
        image_name: p.image_name,
        image_description: p.image_description,
        reuse_image: p.reuse_image,
        instance_name: p.instance_name,
        instance_type: p.instance_type,
        clb,
        listener_port: port(p.listener_port, "listener_port")?,
        backend_port: port(p.backend_port, "backend_port")?,
        weight,
        fix_security_groups: p.fix_security_groups.unwrap_or(true),
        update_sdk_config: p.update_sdk_config.unwrap_or(session),
    })
}

pub fn spec_from_text(text: &str, lang: Lang) -> Result<RunSpec, String> {
    let file: PlanFile =
        toml::from_str(text).map_err(|e| tf(lang, "engine.plan.invalid", &[("error", &e)]))?;
    let needs_session = matches!(file.role, Flow::Session | Flow::Both);
    let needs_business = matches!(file.role, Flow::Business | Flow::Both);
    let missing = |name: &str| tf(lang, "engine.plan.missing_phase", &[("phase", &name)]);
    let session = match file.session {
        Some(p) => Some(phase(p, true, lang)?),
        None if needs_session => return Err(missing("session")),
        None => None,
    };
    let business = match file.business {
        Some(p) => Some(phase(p, false, lang)?),
        None if needs_business => return Err(missing("business")),
        None => None,
    };
    Ok(RunSpec {
        flow: file.role,
        session,
        business,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_session_plan_with_defaults() {
        let s = spec_from_text(
            "role = \"session\"\n[session]\nsource = \"ins-a\"\ncount = 2\nimage_name = \"x\"\n",
            Lang::En,
        )
        .unwrap();
        let p = s.session.unwrap();
        assert_eq!(p.listener_port, 80);
        assert!(p.update_sdk_config && p.fix_security_groups);
        assert!(matches!(p.clb, Some(ClbChoice::Create { .. })));
    }

    #[test]
    fn refuses_unknown_keys_with_the_line_and_bad_values_by_name() {
        let e =
            spec_from_text("role = \"session\"\n\n[session]\nsorce = 1\n", Lang::En).unwrap_err();
        assert!(e.contains("line 4"), "{e}");
        let e = spec_from_text(
            "role = \"session\"\n[session]\nsource = \"ins-a\"\ncount = 2\nimage_name = \"x\"\nlistener_port = 0\n",
            Lang::En,
        )
        .unwrap_err();
        assert!(e.contains("listener_port") && e.contains("65535"), "{e}");
        assert!(spec_from_text(
            "role = \"both\"\n[session]\nsource = \"ins-a\"\ncount = 1\nimage_name = \"x\"\n",
            Lang::En
        )
        .unwrap_err()
        .contains("business"));
    }
}
