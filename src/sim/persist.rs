//! A simulated world kept on disk, so the sandbox behaves like an account:
//! what a run created is still there when tcscale starts again, and time
//! went on meanwhile (an image that was building is ready). Without this,
//! a run killed mid-way would be resumed against a world that never heard
//! of it.
//!
//! One file per data dir (`<data>/sandbox/world.json`), written atomically
//! (temp file, then rename) after every call that may change the world,
//! and guarded by an advisory lock (`world.lock`) so two tcscale processes
//! never write over each other's world: the second one gets a world of its
//! own that is not kept, and is told so.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::sim::world::World;

/// What the file holds: the world, which world it is, and its clock.
#[derive(Debug, Serialize, Deserialize)]
pub struct Saved {
    /// Stays the same for as long as the file lives: a journal names the
    /// world its run was made in, and a different id means a reset.
    pub world_id: String,
    /// Simulated seconds on the world's clock when it was saved.
    pub now: f64,
    /// Wall-clock Unix seconds when it was saved (time goes on while tcscale is off).
    pub saved_unix: f64,
    pub world: World,
}

/// Where the world came from, for the user to be told.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    /// First start in this data dir: the seeded world.
    New,
    /// The world of an earlier start, saved at this Unix time.
    Restored { saved_unix: f64 },
    /// The file could not be read (why): a fresh seeded world replaces it,
    /// and runs made in the old one cannot be resumed.
    Reset { why: String },
    /// Another process holds the world (why): this one is not kept.
    NotKept { why: String },
}

/// A world file and its lock, held while this value lives.
#[derive(Debug)]
pub struct Store {
    path: PathBuf,
    _lock: std::fs::File,
}

/// The clock a restored world resumes at: where it stopped, plus the wall
/// time since at `speed`.
pub fn resumed_clock(saved: &Saved, unix_now: f64, speed: f64) -> f64 {
    saved.now + (unix_now - saved.saved_unix).max(0.0) * speed
}

pub fn unix_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

impl Store {
    /// Takes the lock on `path`'s world. `Err` says why it cannot be kept
    /// (held by another process, or the directory cannot be written).
    pub fn open(path: &Path) -> Result<Store, String> {
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let lock_path = path.with_extension("lock");
        let file = private_options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(|e| format!("{}: {e}", lock_path.display()))?;
        match file.try_lock() {
            Ok(()) => Ok(Store {
                path: path.to_path_buf(),
                _lock: file,
            }),
            Err(std::fs::TryLockError::WouldBlock) => Err(format!(
                "{} is used by another tcscale process",
                path.display()
            )),
            Err(std::fs::TryLockError::Error(e)) => Err(format!("{}: {e}", lock_path.display())),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Keeps an unreadable world file beside the new one (`world.json.broken`)
    /// rather than writing over it: it may be worth a look.
    pub fn set_aside(&self) {
        let _ = std::fs::rename(&self.path, self.path.with_extension("json.broken"));
    }

    /// The saved world: `Ok(None)` when there is none yet, `Err` (why)
    /// when the file exists but cannot be used.
    pub fn load(&self) -> Result<Option<Saved>, String> {
        let text = match std::fs::read(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("{}: {e}", self.path.display())),
        };
        serde_json::from_slice::<Saved>(&text)
            .map(Some)
            .map_err(|e| format!("{}: {e}", self.path.display()))
    }

    /// Writes the world atomically: a kill at any moment leaves the old
    /// file or the new one, never half of one.
    pub fn save(&self, world_id: &str, now: f64, world: &World) -> std::io::Result<()> {
        #[derive(Serialize)]
        struct SavedRef<'a> {
            world_id: &'a str,
            now: f64,
            saved_unix: f64,
            world: &'a World,
        }
        let bytes = serde_json::to_vec(&SavedRef {
            world_id,
            now,
            saved_unix: unix_now(),
            world,
        })
        .map_err(std::io::Error::other)?;
        self.write(&bytes)
    }

    fn write(&self, bytes: &[u8]) -> std::io::Result<()> {
        let tmp = self.path.with_extension("json.tmp");
        let mut f = private_options()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_data()?;
        std::fs::rename(&tmp, &self.path)
    }
}

fn private_options() -> std::fs::OpenOptions {
    #[allow(unused_mut)]
    let mut o = std::fs::OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o
}

/// Whether an action only reads (its call never needs saving).
pub fn only_reads(action: &str) -> bool {
    ["Describe", "Inquiry", "Inquire", "Get", "Check"]
        .iter()
        .any(|p| action.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("tcscale-persist-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d.join("world.json")
    }

    #[test]
    fn the_sandbox_world_survives_a_json_round_trip() {
        let path = tmp("roundtrip");
        let store = Store::open(&path).unwrap();
        assert!(store.load().unwrap().is_none());
        let world = crate::sim::seed::sandbox_world();
        let before = serde_json::to_value(&world).unwrap();
        store.save("w1", 42.0, &world).unwrap();
        let back = store.load().unwrap().unwrap();
        assert_eq!((back.world_id.as_str(), back.now), ("w1", 42.0));
        assert_eq!(serde_json::to_value(&back.world).unwrap(), before);
        assert!(!path.with_extension("json.tmp").exists());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_second_holder_is_refused_and_a_broken_file_is_named() {
        let path = tmp("lock");
        let first = Store::open(&path).unwrap();
        // flock is per open file description: a second open in this process conflicts too.
        let second = Store::open(&path).unwrap_err();
        assert!(second.contains("another tcscale process"), "{second}");
        std::fs::write(&path, b"{not json").unwrap();
        let why = first.load().unwrap_err();
        assert!(why.contains("world.json"), "{why}");
    }

    #[test]
    fn time_goes_on_while_tcscale_is_off() {
        let saved = Saved {
            world_id: "w".into(),
            now: 100.0,
            saved_unix: 1000.0,
            world: World::default(),
        };
        assert_eq!(resumed_clock(&saved, 1030.0, 10.0), 400.0);
        // A clock set back never moves the world's time backwards.
        assert_eq!(resumed_clock(&saved, 900.0, 10.0), 100.0);
    }

    #[test]
    fn reads_are_told_from_changes() {
        assert!(only_reads("DescribeInstances"));
        assert!(only_reads("InquiryPriceRunInstances"));
        assert!(!only_reads("RunInstances"));
        assert!(!only_reads("CreateImage"));
    }
}
