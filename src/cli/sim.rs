//! `tcscale sim`: the simulator as a standalone server.
//!
//! stdout, line 1: exactly `listening on http://IP:PORT`; line 2 (only when
//! the built-in sandbox key pair is used, i.e. no `--secret-id`/`--secret-key`):
//! the sandbox SecretId, bare. The SecretKey is never printed: it is
//! documented in `tcscale::sim::server::SANDBOX_SECRET_KEY`. Stops on
//! SIGINT/SIGTERM.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;

use super::GlobalOpts;
use crate::sim::faults::FaultSpec;
use crate::sim::jitter::DurationsJitter;
use crate::sim::seed;
use crate::sim::server::{self, SimConfig, SimRateLimit, SANDBOX_SECRET_ID, SANDBOX_SECRET_KEY};

#[derive(Debug, Args)]
pub struct SimArgs {
    /// Address to listen on (loopback only is sensible); port 0 picks a free one.
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// Simulated seconds per real second (e.g. 60 makes a 60 s image take 1 s).
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
    /// World file (TOML) instead of the built-in sandbox world.
    #[arg(long)]
    pub world: Option<PathBuf>,
    /// Faults, e.g. throttle=0.1,internal=0.05,internal-after=0.05,timeout=0.02,drop=0.01,image-fail=1,launch-fail=0.5,task-fail=0.2,tat-fail=0.1,timeout-secs=35
    #[arg(long)]
    pub faults: Option<String>,
    /// Seed of the simulator's randomness (faults, ids).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Request rate allowed per action, RequestLimitExceeded beyond: `real`
    /// (each action's documented rate), or requests per second for every action.
    #[arg(long)]
    pub rate_limit: Option<String>,
    /// Random per-operation durations: each image, launch, CLB task, TAT run
    /// and health check takes its default times its own factor in MIN-MAX
    /// (e.g. 0.3-3), derived from --seed.
    #[arg(long)]
    pub durations_jitter: Option<String>,
    /// Keep the world in FILE (JSON): loaded at start when it exists (the
    /// clock going on from when it was saved), saved after every change.
    #[arg(long, value_name = "FILE")]
    pub keep: Option<PathBuf>,
}

/// Builds the configuration from the flags; `Err` is a message for stderr.
pub fn config(global: &GlobalOpts, args: &SimArgs) -> Result<SimConfig, String> {
    let mut world = match &args.world {
        Some(path) => {
            let text =
                std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            seed::load_world(&text).map_err(|e| format!("{}: {e}", path.display()))?
        }
        None => seed::sandbox_world(),
    };
    if let Some(spec) = &args.durations_jitter {
        world.durations_jitter = Some(DurationsJitter::parse(spec)?);
    }
    let faults = args.faults.as_deref().map(FaultSpec::parse).transpose()?;
    if !(args.speed > 0.0 && args.speed.is_finite()) {
        return Err(format!("--speed {}: must be a positive number", args.speed));
    }
    let (secret_id, secret_key) = match (&global.secret_id, &global.secret_key) {
        (Some(id), Some(key)) => (id.clone(), key.clone()),
        (None, None) => (
            SANDBOX_SECRET_ID.to_string(),
            SANDBOX_SECRET_KEY.to_string(),
        ),
        _ => return Err("give both --secret-id and --secret-key, or neither".to_string()),
    };
    Ok(SimConfig {
        listen: args.listen,
        secret_id,
        secret_key,
        speed: args.speed,
        world,
        faults,
        seed: args.seed,
        rate_limit: args
            .rate_limit
            .as_deref()
            .map(SimRateLimit::parse)
            .transpose()?
            .unwrap_or_default(),
        idle_timeout: crate::sim::conn::IDLE_TIMEOUT,
        persist: args.keep.clone(),
    })
}

pub fn run(global: &GlobalOpts, args: SimArgs) -> i32 {
    let cfg = match config(global, &args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("tcscale sim: {e}");
            return 2;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("tcscale sim: {e}");
            return 1;
        }
    };
    runtime.block_on(async move {
        let sandbox_pair = cfg.secret_id == SANDBOX_SECRET_ID;
        let handle = match server::start(cfg).await {
            Ok(h) => h,
            Err(e) => {
                eprintln!("tcscale sim: cannot listen on {}: {e}", args.listen);
                return 1;
            }
        };
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "listening on {}", handle.endpoint());
        if sandbox_pair {
            let _ = writeln!(out, "{}", handle.secret_id);
        }
        let _ = out.flush();
        drop(out);
        wait_for_signal().await;
        handle.shutdown().await;
        0
    })
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
