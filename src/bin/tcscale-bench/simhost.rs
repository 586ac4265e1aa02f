//! Where the simulator runs for a benchmark: in this process on its own
//! runtime (so the load and the server do not share a scheduler), or as a
//! separate `tcscale sim` process; and the clients and binaries around it.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use tcscale::cloud::{Client, ClientConfig, RateLimit};
use tcscale::sim::server::{self, SimConfig, SimHandle, SANDBOX_SECRET_KEY};

pub const REGION: &str = "ap-guangzhou";

/// The simulator on a runtime of its own (one worker thread).
pub struct LocalSim {
    pub handle: SimHandle,
    // Dropped after `handle` (field order), which stops the server first.
    _rt: tokio::runtime::Runtime,
}

impl LocalSim {
    pub fn start(cfg: SimConfig) -> Result<LocalSim, String> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("bench-sim")
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        let handle = rt.block_on(server::start(cfg)).map_err(|e| e.to_string())?;
        Ok(LocalSim { handle, _rt: rt })
    }

    /// A client of this simulator with the given client-side rate limit and
    /// no audit file (the figures measure the client, not the disk).
    pub fn client(&self, rate: RateLimit) -> Client {
        let cfg = ClientConfig::new(self.handle.credential(), REGION)
            .with_endpoint(Some(self.handle.endpoint()))
            .with_audit_path(None)
            .with_rate_limit(rate);
        Client::new(cfg).expect("a client of the simulator")
    }

    /// Requests of `action` in the log so far.
    pub fn count(&self, action: &str) -> usize {
        self.handle
            .requests()
            .iter()
            .filter(|e| e.action == action)
            .count()
    }

    /// Requests answered with `code`.
    pub fn count_outcome(&self, code: &str) -> usize {
        self.handle
            .requests()
            .iter()
            .filter(|e| e.outcome == code)
            .count()
    }
}

/// The one-thread runtime a figure drives its client on (the simulator
/// has its own, so the two do not share a thread).
pub fn client_runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())
}

/// A binary of this package: next to the bench binary (cargo puts every
/// bin of the package in the same directory), or `TCSCALE_BIN` for `tcscale`.
pub fn package_bin(name: &str) -> Result<PathBuf, String> {
    if name == "tcscale" {
        if let Some(p) = std::env::var_os("TCSCALE_BIN") {
            return Ok(PathBuf::from(p));
        }
    }
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let dir = exe.parent().ok_or("no directory of the bench binary")?;
    // Integration tests run from target/<profile>/deps; the bins are one level up.
    for d in [dir.to_path_buf(), dir.join("..")] {
        let p = d.join(name);
        if p.is_file() {
            return Ok(p);
        }
    }
    Err(format!(
        "{name} not found next to {} (build it: cargo build --release --bins)",
        exe.display()
    ))
}

/// `tcscale sim` as a separate process, stopped (SIGKILL by pid) on drop.
pub struct SimProcess {
    child: Child,
    pub endpoint: String,
    pub secret_id: String,
    pub secret_key: String,
}

impl SimProcess {
    pub fn spawn(extra: &[&str]) -> Result<SimProcess, String> {
        let bin = package_bin("tcscale")?;
        let mut child = Command::new(&bin)
            .arg("sim")
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("{}: {e}", bin.display()))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next().and_then(Result::ok).unwrap_or_default();
        let id = lines.next().and_then(Result::ok).unwrap_or_default();
        let Some(endpoint) = first.strip_prefix("listening on ") else {
            let _ = child.kill();
            return Err(format!("tcscale sim said {first:?}"));
        };
        Ok(SimProcess {
            endpoint: endpoint.trim().to_string(),
            secret_id: id.trim().to_string(),
            secret_key: SANDBOX_SECRET_KEY.to_string(),
            child,
        })
    }

    pub fn addr(&self) -> String {
        self.endpoint.trim_start_matches("http://").to_string()
    }
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
