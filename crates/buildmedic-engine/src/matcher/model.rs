//! How common a piece of text is in ordinary build output, to choose what the prefilter
//! looks for.
//!
//! The model is built from [`BENIGN_SAMPLE`], lines of successful builds: 4-gram counts where
//! the sample has them, else the product of byte frequencies (smoothed), so that rare-looking
//! text wins even where the sample is silent.

use std::collections::HashMap;

use super::grams::{STRIDE, WINDOW};

/// Typical lines of successful builds.
pub const BENIGN_SAMPLE: &str = include_str!("../../data/benign-sample.txt");

pub struct Model {
    grams: HashMap<[u8; 4], u32>,
    bytes: [f64; 256],
}

impl Model {
    pub fn new() -> Self {
        let sample = BENIGN_SAMPLE.as_bytes();
        let mut grams = HashMap::new();
        for w in sample.windows(4) {
            *grams.entry([w[0], w[1], w[2], w[3]]).or_insert(0) += 1;
        }
        let mut counts = [1.0f64; 256];
        for &b in sample {
            counts[b as usize] += 1.0;
        }
        let total: f64 = counts.iter().sum();
        let mut bytes = [0.0; 256];
        for (p, c) in bytes.iter_mut().zip(counts) {
            *p = c / total;
        }
        Model { grams, bytes }
    }

    /// Expected occurrences of `g` per byte of ordinary text (lower is rarer).
    pub fn commonness(&self, g: &[u8]) -> f64 {
        let key = [g[0], g[1], g[2], g[3]];
        let seen = f64::from(self.grams.get(&key).copied().unwrap_or(0));
        let independent: f64 = key.iter().map(|b| self.bytes[*b as usize]).product();
        // A gram the sample contains fires on ordinary lines whatever its bytes look like.
        seen / BENIGN_SAMPLE.len() as f64 + independent
    }

    /// Start of the [`WINDOW`] bytes of `literal` whose grams ordinary text least often
    /// contains; `None` for literals shorter than a window. Deterministic: ties go to the
    /// earliest window.
    pub fn window(&self, literal: &[u8]) -> Option<usize> {
        if literal.len() < WINDOW {
            return None;
        }
        let cost = |w: usize| -> f64 {
            (w..w + STRIDE)
                .map(|k| self.commonness(&literal[k..k + 4]))
                .sum()
        };
        let mut best = (f64::INFINITY, 0);
        for w in 0..=literal.len() - WINDOW {
            let c = cost(w);
            if c < best.0 {
                best = (c, w);
            }
        }
        Some(best.1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_avoid_text_ordinary_builds_print() {
        let m = Model::new();
        let lit = b"Solving environment: failed with repodata";
        let w = m.window(lit).unwrap();
        let window = &lit[w..w + WINDOW];
        assert!(
            !BENIGN_SAMPLE
                .as_bytes()
                .windows(4)
                .any(|g| window.starts_with(g)),
            "{:?}",
            String::from_utf8_lossy(window)
        );
        assert_eq!(m.window(b"short"), None);
        assert_eq!(m.window(b"exactly"), Some(0));
    }
}
