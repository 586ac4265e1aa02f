//! The sandbox: the built-in simulated cloud, started in-process and
//! reached over loopback HTTP with real signatures, so the wizard, `apply`,
//! `resume` and `browse` run the same code path as against Tencent Cloud.
//!
//! Its world is kept per data dir (`<data>/sandbox/world.json`, see
//! [`crate::sim::persist`]): like an account, what a run made is still
//! there the next time, so a killed run resumes against it.

use std::path::PathBuf;

use crate::cloud::Credential;
use crate::i18n::{tf, Lang};
use crate::sim::persist::Origin;
use crate::sim::server::{start, SimConfig, SimHandle};

/// The region of the seeded world.
pub const REGION: &str = "ap-guangzhou";

/// Simulated seconds per real second: at the world's default durations
/// (image 60 s, launch 30 s, CLB 10 s, tasks 3 s, TAT 5 s, health 5 s) the
/// waiting of a whole flow takes about ten seconds, so with reading and
/// typing the guide takes about a minute.
pub const GUIDE_SPEED: f64 = 10.0;

/// `<data>/sandbox/world.json`: `$TCSCALE_DATA_DIR`, else the platform data dir.
pub fn world_file() -> Option<PathBuf> {
    let data = match std::env::var_os("TCSCALE_DATA_DIR").filter(|d| !d.is_empty()) {
        Some(d) => PathBuf::from(d),
        None => crate::cloud::audit::project_dirs()?
            .data_dir()
            .to_path_buf(),
    };
    Some(data.join("sandbox").join("world.json"))
}

pub struct Sandbox {
    handle: SimHandle,
}

impl Sandbox {
    /// Starts the sandbox on a free loopback port. `keep`: the world of the
    /// data dir (restored, and saved as it changes); otherwise a fresh
    /// seeded world that is gone at exit (tests, previews).
    pub async fn start(speed: f64, keep: bool) -> Result<Sandbox, String> {
        let handle = start(SimConfig {
            speed,
            persist: if keep { world_file() } else { None },
            ..SimConfig::default()
        })
        .await
        .map_err(|e| format!("cannot start the sandbox: {e}"))?;
        Ok(Sandbox { handle })
    }

    pub fn endpoint(&self) -> String {
        self.handle.endpoint()
    }

    pub fn credential(&self) -> Credential {
        self.handle.credential()
    }

    /// Which world this is: a journal made in it names it, and a resume
    /// in another (a reset sandbox) is refused.
    pub fn world_id(&self) -> &str {
        self.handle.world_id()
    }

    pub fn origin(&self) -> &Origin {
        self.handle.origin()
    }

    /// What the user is told about where the world came from: nothing for
    /// a first start, else restored / reset / not kept, in `lang`.
    pub fn notice(&self, lang: Lang) -> Option<String> {
        notice(self.origin(), world_file().as_deref(), lang)
    }

    /// The simulator itself (tests inspect the world through it).
    pub fn handle(&self) -> &SimHandle {
        &self.handle
    }

    pub async fn shutdown(self) {
        self.handle.shutdown().await;
    }
}

/// The words of [`Sandbox::notice`] for a world of `origin` kept at `path`.
pub fn notice(origin: &Origin, path: Option<&std::path::Path>, lang: Lang) -> Option<String> {
    let path = path.map(|p| p.display().to_string()).unwrap_or_default();
    match origin {
        Origin::New => None,
        Origin::Restored { saved_unix } => {
            let when = chrono::DateTime::from_timestamp(*saved_unix as i64, 0)
                .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
                .unwrap_or_default();
            Some(tf(
                lang,
                "sandbox.restored",
                &[("path", &path), ("when", &when)],
            ))
        }
        Origin::Reset { why } => Some(tf(lang, "sandbox.reset", &[("why", why)])),
        Origin::NotKept { why } => Some(tf(lang, "sandbox.not_kept", &[("why", why)])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_user_is_told_where_the_world_came_from_in_their_language() {
        let p = std::path::Path::new("/d/sandbox/world.json");
        assert_eq!(notice(&Origin::New, Some(p), Lang::En), None);
        let r = notice(&Origin::Restored { saved_unix: 0.0 }, Some(p), Lang::En).unwrap();
        assert!(
            r.contains("/d/sandbox/world.json") && r.contains("1970-01-01 00:00 UTC"),
            "{r}"
        );
        let z = notice(&Origin::Reset { why: "bad".into() }, Some(p), Lang::Zh).unwrap();
        assert!(z.contains("bad") && z.contains("新的世界"), "{z}");
        let n = notice(&Origin::NotKept { why: "busy".into() }, None, Lang::En).unwrap();
        assert!(n.contains("busy") && n.contains("not kept"), "{n}");
    }
}
