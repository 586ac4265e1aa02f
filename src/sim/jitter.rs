//! Random per-operation durations (`--durations-jitter 0.3-3`): each async
//! operation takes its default duration times a factor of its own, so the
//! client cannot be tuned to the defaults and benchmarks can show it is not.
//!
//! The factor is a pure function of the world's seed and the operation's key
//! (image id, instance id, CLB task id, invocation id, target), not a draw
//! from the shared rng: the same seed gives the same durations whatever the
//! order of the calls, and operations read at tick time (images, launches,
//! health) need no stored state.

use serde::{Deserialize, Serialize};

/// The range of factors applied to the default durations.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DurationsJitter {
    pub min: f64,
    pub max: f64,
}

impl DurationsJitter {
    /// Parses `MIN-MAX` (e.g. `0.3-3`) or a single `MAX` (range 1/MAX-MAX).
    pub fn parse(spec: &str) -> Result<DurationsJitter, String> {
        let num = |s: &str| -> Result<f64, String> {
            s.trim()
                .parse::<f64>()
                .ok()
                .filter(|v| *v > 0.0 && v.is_finite())
                .ok_or_else(|| format!("--durations-jitter {spec}: `{s}` is not a positive number"))
        };
        let (min, max) = match spec.split_once('-') {
            Some((a, b)) => (num(a)?, num(b)?),
            None => {
                let m = num(spec)?;
                (1.0 / m.max(1.0), m.max(1.0))
            }
        };
        if min > max {
            return Err(format!(
                "--durations-jitter {spec}: the minimum is above the maximum"
            ));
        }
        Ok(DurationsJitter { min, max })
    }

    /// The factor of the operation `key` under `seed`: log-uniform in
    /// [min, max], so 0.3-3 is as often 3x longer as 3x shorter.
    pub fn factor(&self, seed: u64, key: &str) -> f64 {
        let u = unit(seed, key);
        (self.min.ln() + u * (self.max.ln() - self.min.ln())).exp()
    }
}

/// A number in [0, 1) from `seed` and `key` (FNV-1a then splitmix64: stable
/// across builds and platforms, unlike std's hasher).
fn unit(seed: u64, key: &str) -> f64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
    for b in key.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h = h.wrapping_add(0x9e37_79b9_7f4a_7c15);
    h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^= h >> 31;
    (h >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_range_or_a_single_spread() {
        assert_eq!(
            DurationsJitter::parse("0.3-3"),
            Ok(DurationsJitter { min: 0.3, max: 3.0 })
        );
        assert_eq!(
            DurationsJitter::parse("4"),
            Ok(DurationsJitter {
                min: 0.25,
                max: 4.0
            })
        );
        assert!(DurationsJitter::parse("3-0.3").is_err());
        assert!(DurationsJitter::parse("0-3").is_err());
        assert!(DurationsJitter::parse("x").is_err());
    }

    #[test]
    fn factors_stay_in_range_differ_per_key_and_repeat_per_seed() {
        let j = DurationsJitter { min: 0.3, max: 3.0 };
        let fs: Vec<f64> = (0..1000).map(|i| j.factor(7, &format!("op-{i}"))).collect();
        assert!(fs.iter().all(|f| (0.3..=3.0).contains(f)));
        // both ends of the range are reached, and about half is below 1 (log-uniform)
        assert!(fs.iter().any(|f| *f < 0.4) && fs.iter().any(|f| *f > 2.5));
        let below = fs.iter().filter(|f| **f < 1.0).count();
        assert!((400..600).contains(&below), "{below}");
        assert_eq!(j.factor(7, "op-1"), fs[1]);
        assert_ne!(j.factor(8, "op-1"), fs[1]);
    }
}
