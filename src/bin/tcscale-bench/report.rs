//! One measured figure against its target, printed the same way by every
//! benchmark (and copied into BENCHMARKS.md).

/// A figure: what was measured, the target, and whether it is met
/// (`None` when the issue only asks to report it).
#[derive(Debug, Clone)]
pub struct Figure {
    pub name: &'static str,
    pub measured: String,
    pub target: String,
    pub met: Option<bool>,
    /// Details worth a line each (counts, per-operation numbers).
    pub notes: Vec<String>,
}

impl Figure {
    pub fn new(name: &'static str, measured: String, target: &str, met: Option<bool>) -> Figure {
        Figure {
            name,
            measured,
            target: target.to_string(),
            met,
            notes: Vec::new(),
        }
    }

    pub fn note(mut self, line: String) -> Figure {
        self.notes.push(line);
        self
    }

    pub fn verdict(&self) -> &'static str {
        match self.met {
            Some(true) => "met",
            Some(false) => "MISSED",
            None => "reported",
        }
    }

    pub fn print(&self) {
        println!(
            "{:<34} {:<44} target {:<30} {}",
            self.name,
            self.measured,
            self.target,
            self.verdict()
        );
        for n in &self.notes {
            println!("    {n}");
        }
    }
}

/// A failed benchmark still prints a line, so `all` shows every figure.
pub fn failed(name: &'static str, target: &str, why: String) -> Figure {
    Figure::new(name, format!("(not measured: {why})"), target, Some(false))
}

/// The `q`-quantile (0..=1) of `samples` (sorted in place), nearest rank.
pub fn quantile(samples: &mut [f64], q: f64) -> f64 {
    if samples.is_empty() {
        return f64::NAN;
    }
    samples.sort_by(|a, b| a.total_cmp(b));
    let rank = ((q * samples.len() as f64).ceil() as usize).clamp(1, samples.len());
    samples[rank - 1]
}

#[cfg(test)]
mod tests {
    #[test]
    fn quantile_is_nearest_rank() {
        let mut v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(super::quantile(&mut v, 0.99), 99.0);
        assert_eq!(super::quantile(&mut v, 0.5), 50.0);
        assert_eq!(super::quantile(&mut v, 1.0), 100.0);
        assert_eq!(super::quantile(&mut [3.0], 0.99), 3.0);
        assert!(super::quantile(&mut [], 0.5).is_nan());
    }
}
