//! `tcscale api SERVICE ACTION [JSON]`: one raw call, like tccli. Prints the
//! `Response` object (RequestId included) as pretty JSON on stdout.
//!
//! With `--sandbox` the call goes to the built-in simulated cloud (started
//! in this process, no credentials needed), as `apply --sandbox` does.
//!
//! Exit codes: 0 success; 1 the call failed (API error: Code, Message,
//! RequestId and an explanation on stderr; or network); 2 nothing was sent
//! (unknown service, invalid JSON, no credentials, bad option, the sandbox
//! could not start).

use clap::Args;
use serde_json::Value;

use super::session::{self, resolve_chain};
use super::GlobalOpts;
use crate::cloud::{CloudError, Service};
use crate::i18n::{t, tf, Lang};

#[derive(Debug, Args)]
pub struct ApiArgs {
    /// cvm, clb, vpc, as, tat or tag
    pub service: String,
    /// e.g. DescribeInstances
    pub action: String,
    /// Request parameters as a JSON object (default {})
    pub json: Option<String>,
}

/// Parses the parameters: absent means `{}`; anything but an object is refused.
pub fn parse_params(json: Option<&str>) -> Result<Value, String> {
    let text = json
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or("{}");
    match serde_json::from_str::<Value>(text) {
        Ok(v @ Value::Object(_)) => Ok(v),
        Ok(other) => Err(format!("expected an object, got {other}")),
        Err(e) => Err(e.to_string()),
    }
}

/// What goes to stderr for a failed call.
pub fn error_report(err: &CloudError, lang: Lang) -> String {
    let explanation = err.explain(lang);
    let mut out = String::new();
    match err {
        CloudError::Api {
            code,
            message,
            request_id,
            ..
        } => {
            out.push_str(&format!("{}: {code}\n", t(lang, "cloud.api.code")));
            out.push_str(&format!("{}: {message}\n", t(lang, "cloud.api.message")));
            out.push_str(&format!("RequestId: {request_id}\n"));
        }
        other => out.push_str(&format!("{other}\n")),
    }
    out.push_str(&format!(
        "{}: {}\n{}: {}\n",
        t(lang, "cloud.api.explanation"),
        explanation.summary,
        t(lang, "cloud.api.fix"),
        explanation.fix
    ));
    out
}

fn ui_lang(global: &GlobalOpts) -> Result<Lang, String> {
    match global.lang.as_deref() {
        Some(code) => Lang::parse(code).ok_or_else(|| code.to_string()),
        None => Ok(Lang::from_env()),
    }
}

pub fn run(global: &GlobalOpts, args: ApiArgs) -> i32 {
    let lang = match ui_lang(global) {
        Ok(l) => l,
        Err(code) => {
            eprintln!("{}", tf(Lang::En, "cloud.api.bad_lang", &[("lang", &code)]));
            return 2;
        }
    };
    let Some(service) = Service::parse(&args.service) else {
        eprintln!(
            "{}",
            tf(
                lang,
                "cloud.api.unknown_service",
                &[("service", &args.service)]
            )
        );
        return 2;
    };
    let params = match parse_params(args.json.as_deref()) {
        Ok(p) => p,
        Err(message) => {
            eprintln!(
                "{}",
                tf(lang, "cloud.api.bad_json", &[("message", &message)])
            );
            return 2;
        }
    };
    if global.sandbox {
        return run_in_sandbox(global, lang, service, &args.action, &params);
    }
    let resolved = match resolve_chain(global, lang) {
        Ok(r) => r,
        Err(message) => {
            eprintln!("{message}");
            return 2;
        }
    };
    // the log is a convenience: a read-only home must not stop the call
    session::init_log();
    tracing::info!(
        "tcscale api {service} {}: credentials from {}, region {} ({})",
        args.action,
        resolved.source,
        resolved.region,
        resolved.region_source
    );
    let client = match session::client(
        resolved.credential,
        &resolved.region,
        global.endpoint.clone(),
        lang,
    ) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return 2;
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start the async runtime: {e}");
            return 2;
        }
    };
    let region = resolved.region.clone();
    report(
        runtime.block_on(client.call_raw(service, &args.action, &region, &params)),
        lang,
    )
}

/// `--sandbox`: the call goes to the built-in simulated cloud (the user's
/// sandbox world, as the wizard and `apply --sandbox` left it), started in
/// this process for the one call and shut down after it.
fn run_in_sandbox(
    global: &GlobalOpts,
    lang: Lang,
    service: Service,
    action: &str,
    params: &Value,
) -> i32 {
    let runtime = match session::runtime() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            return 2;
        }
    };
    session::init_log();
    runtime.block_on(async {
        let (client, sim) = match session::client_for(global, lang).await {
            Ok(x) => x,
            Err(message) => {
                eprintln!("{message}");
                return 2;
            }
        };
        let region = client.region().to_string();
        tracing::info!("tcscale api {service} {action}: the sandbox, region {region}");
        let result = client.call_raw(service, action, &region, params).await;
        if let Some(sim) = sim {
            sim.shutdown().await;
        }
        report(result, lang)
    })
}

/// Prints the `Response` (stdout) or what went wrong (stderr); the exit code.
fn report(result: Result<Value, CloudError>, lang: Lang) -> i32 {
    match result {
        Ok(response) => {
            println!(
                "{}",
                serde_json::to_string_pretty(&response).unwrap_or_else(|_| response.to_string())
            );
            0
        }
        Err(CloudError::Local(message)) => {
            eprintln!("{message}");
            2
        }
        Err(e) => {
            eprint!("{}", error_report(&e, lang));
            1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_must_be_a_json_object() {
        assert_eq!(parse_params(None).unwrap(), serde_json::json!({}));
        assert_eq!(parse_params(Some("  ")).unwrap(), serde_json::json!({}));
        assert_eq!(
            parse_params(Some(r#"{"Limit": 1}"#)).unwrap(),
            serde_json::json!({"Limit": 1})
        );
        assert!(parse_params(Some("[1]")).is_err());
        assert!(parse_params(Some("{Limit: 1}")).is_err());
    }

    #[test]
    fn the_error_report_names_code_message_request_id_and_fix() {
        let e = CloudError::Api {
            service: Service::Cvm,
            action: "DescribeInstances".into(),
            code: "AuthFailure.SignatureExpire".into(),
            message: "expired".into(),
            request_id: "rid-7".into(),
        };
        let report = error_report(&e, Lang::En);
        for part in [
            "Code: AuthFailure.SignatureExpire",
            "expired",
            "RequestId: rid-7",
            "clock",
        ] {
            assert!(report.contains(part), "{part} missing in {report}");
        }
    }
}
