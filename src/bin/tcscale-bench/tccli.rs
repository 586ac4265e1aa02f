//! Figure 9: the same DescribeInstances call as a whole process, `tcscale
//! api` against the official tools: `tccli` (when installed in
//! target/bench-pyvenv) and the official Python SDK (target/pyvenv or
//! target/bench-pyvenv). Median of N runs each, against one simulator.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use tcscale::sim::server::SimConfig;

use crate::report::{failed, quantile, Figure};
use crate::simhost::{package_bin, LocalSim, REGION};

const NAME: &str = "9. compared with tccli / Python SDK";
const TARGET: &str = "report the ratio";

const SDK_SCRIPT: &str = r#"
import json, os, sys
from tencentcloud.common import credential
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.cvm.v20170312 import cvm_client, models
http = HttpProfile(protocol="http", endpoint=sys.argv[1])
cred = credential.Credential(os.environ["TENCENTCLOUD_SECRET_ID"], os.environ["TENCENTCLOUD_SECRET_KEY"])
client = cvm_client.CvmClient(cred, sys.argv[2], ClientProfile(httpProfile=http))
req = models.DescribeInstancesRequest()
req.from_json_string('{"Limit": 20}')
print(client.DescribeInstances(req).to_json_string())
"#;

/// tccli itself, with one change: its HttpProfile speaks http (the
/// simulator has no TLS; tccli has no option for it).
const TCCLI_SHIM: &str = r#"
import sys
from tencentcloud.common.profile import http_profile as h
_init = h.HttpProfile.__init__
def _http(self, protocol=None, *a, **k):
    _init(self, "http", *a, **k)
h.HttpProfile.__init__ = _http
sys.argv[0] = "tccli"
from tccli.main import main
sys.exit(main())
"#;

fn venv_bin(venv: &str, name: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join(venv)
        .join("bin")
        .join(name);
    p.is_file().then_some(p)
}

/// Median wall time (ms) of `runs` runs of `make()`; the first answer's
/// stdout must contain `expect`.
fn time_runs(runs: usize, expect: &str, make: impl Fn() -> Command) -> Result<f64, String> {
    let mut times = Vec::new();
    for k in 0..runs + 1 {
        let mut cmd = make();
        let t = Instant::now();
        let out = cmd
            .stdin(Stdio::null())
            .output()
            .map_err(|e| e.to_string())?;
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        let stdout = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() || !stdout.contains(expect) {
            return Err(format!(
                "{:?} failed: {} {}",
                cmd.get_program(),
                stdout.chars().take(200).collect::<String>(),
                String::from_utf8_lossy(&out.stderr)
                    .lines()
                    .last()
                    .unwrap_or("")
            ));
        }
        // The first run warms the page cache (binary, Python bytecode).
        if k > 0 {
            times.push(ms);
        }
    }
    Ok(quantile(&mut times, 0.5))
}

pub fn run(quick: bool) -> Figure {
    match measure(quick) {
        Ok(f) => f,
        Err(e) => failed(NAME, TARGET, e),
    }
}

fn measure(quick: bool) -> Result<Figure, String> {
    let runs = if quick { 1 } else { 15 };
    let sim = LocalSim::start(SimConfig::default())?;
    let endpoint = sim.handle.endpoint();
    let host = endpoint.trim_start_matches("http://").to_string();
    let (id, key) = (sim.handle.secret_id.clone(), sim.handle.secret_key.clone());
    let home = std::env::temp_dir().join(format!("tcscale-bench-api-{}", std::process::id()));
    std::fs::create_dir_all(&home).map_err(|e| e.to_string())?;
    let bin = package_bin("tcscale")?;
    let ours = time_runs(runs, "InstanceSet", || {
        let mut c = Command::new(&bin);
        c.args(["--endpoint", &endpoint, "--region", REGION])
            .args(["api", "cvm", "DescribeInstances", r#"{"Limit":20}"#])
            .env("TENCENTCLOUD_SECRET_ID", &id)
            .env("TENCENTCLOUD_SECRET_KEY", &key)
            .env("HOME", &home)
            .env("XDG_DATA_HOME", &home);
        c
    })?;
    let mut fig = Figure::new(NAME, format!("tcscale api {ours:.1} ms"), TARGET, None);
    let python = venv_bin("pyvenv", "python").or_else(|| venv_bin("bench-pyvenv", "python"));
    match python {
        Some(py) => match time_runs(runs, "InstanceSet", || {
            let mut c = Command::new(&py);
            c.args(["-c", SDK_SCRIPT, &host, REGION])
                .env("TENCENTCLOUD_SECRET_ID", &id)
                .env("TENCENTCLOUD_SECRET_KEY", &key);
            c
        }) {
            Ok(ms) => {
                fig.measured
                    .push_str(&format!(", Python SDK {ms:.1} ms (×{:.1})", ms / ours));
            }
            Err(e) => fig.notes.push(format!("Python SDK: {e}")),
        },
        None => fig
            .notes
            .push("Python SDK: no venv (target/pyvenv is made by the python tests)".into()),
    }
    let tccli = venv_bin("bench-pyvenv", "tccli").and_then(|_| venv_bin("bench-pyvenv", "python"));
    match tccli {
        Some(tccli) => match time_runs(runs, "InstanceSet", || {
            let mut c = Command::new(&tccli);
            c.args(["-c", TCCLI_SHIM, "cvm", "DescribeInstances", "--Limit", "20"])
                .args(["--region", REGION, "--endpoint", &host])
                .args(["--secretId", &id, "--secretKey", &key])
                .env("HOME", &home);
            c
        }) {
            Ok(ms) => {
                fig.measured
                    .push_str(&format!(", tccli {ms:.1} ms (×{:.1})", ms / ours));
            }
            Err(e) => fig.notes.push(format!("tccli: {e}")),
        },
        None => fig.notes.push(
            "tccli: not installed (python3 -m venv target/bench-pyvenv && target/bench-pyvenv/bin/pip install tccli)"
                .into(),
        ),
    }
    let _ = std::fs::remove_dir_all(&home);
    fig.notes.push(format!(
        "median of {runs} whole-process runs each (after one warm-up), same simulator, DescribeInstances Limit 20"
    ));
    Ok(fig)
}
