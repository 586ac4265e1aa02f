//! Figure 12: what keeping the sandbox's world costs. Every call that may
//! change the world writes it (`sim::persist::Store::save`: JSON, a temp
//! file, fsync, rename) before it is answered, so a save is on the path of
//! every creating call; a start restores it. Measured on the seeded world
//! and on one with 100 business servers (a large account for a sandbox).

use std::time::Instant;

use tcscale::sim::persist::Store;
use tcscale::sim::seed;

use crate::report::{failed, quantile, Figure};

const NAME: &str = "12. sandbox world kept (save / restore)";
const TARGET: &str = "save p95 <= 10 ms";

fn measure(world: &tcscale::sim::world::World, rounds: usize) -> Result<(f64, f64, usize), String> {
    let dir = std::env::temp_dir().join(format!(
        "tcscale-bench-keep-{}-{}",
        std::process::id(),
        rounds
    ));
    let _ = std::fs::remove_dir_all(&dir);
    let path = dir.join("world.json");
    let store = Store::open(&path)?;
    let mut saves = Vec::with_capacity(rounds);
    for i in 0..rounds {
        let start = Instant::now();
        store
            .save("bench", i as f64, world)
            .map_err(|e| e.to_string())?;
        saves.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    let size = std::fs::metadata(&path).map_err(|e| e.to_string())?.len() as usize;
    let start = Instant::now();
    let back = store.load()?.ok_or("nothing saved")?;
    let restore = start.elapsed().as_secs_f64() * 1000.0;
    drop(back);
    let _ = std::fs::remove_dir_all(&dir);
    Ok((quantile(&mut saves, 0.95), restore, size))
}

pub fn run(quick: bool) -> Figure {
    let rounds = if quick { 5 } else { 200 };
    let seeded = match measure(&seed::sandbox_world(), rounds) {
        Ok(x) => x,
        Err(e) => return failed(NAME, TARGET, e),
    };
    let large = match measure(&seed::sandbox_with_business_servers(100), rounds) {
        Ok(x) => x,
        Err(e) => return failed(NAME, TARGET, e),
    };
    let worst = seeded.0.max(large.0);
    Figure::new(
        NAME,
        format!(
            "save p95 {:.2} ms (seeded, {} KB) / {:.2} ms (100 servers, {} KB)",
            seeded.0,
            seeded.2 / 1024,
            large.0,
            large.2 / 1024
        ),
        TARGET,
        Some(worst <= 10.0),
    )
    .note(format!(
        "restore at start: {:.2} ms (seeded) / {:.2} ms (100 servers); {rounds} saves each",
        seeded.1, large.1
    ))
}
