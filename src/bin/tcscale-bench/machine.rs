//! The machine a figure was measured on: cores, CPU model, memory, date.

pub fn describe() -> String {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = field(&cpuinfo, "model name").unwrap_or_else(|| "unknown CPU".into());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_gib = field(&meminfo, "MemTotal")
        .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        .map(|kib| kib / 1024.0 / 1024.0)
        .unwrap_or(0.0);
    format!(
        "{cores} cores (nproc), {model}, {mem_gib:.1} GiB RAM, {} UTC, {} build",
        chrono::Utc::now().format("%Y-%m-%d %H:%M"),
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    )
}

/// The value of the first `key: value` line of a /proc file.
pub fn field(text: &str, key: &str) -> Option<String> {
    text.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        (k.trim() == key).then(|| v.trim().to_string())
    })
}

/// Peak resident set size of this process, in KiB (`VmHWM`).
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    field(&status, "VmHWM")?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_proc_fields() {
        assert_eq!(
            super::field("a: 1\nmodel name\t: AMD X\n", "model name").as_deref(),
            Some("AMD X")
        );
        assert!(super::peak_rss_kib().unwrap_or(1) > 0);
    }
}
