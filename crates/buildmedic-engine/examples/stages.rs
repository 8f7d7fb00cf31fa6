//! Times the matcher's stages on a log held in memory (for tuning the prefilter).
//!
//! `cargo run --release -p buildmedic-engine --example stages -- build.log`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use std::time::Instant;

use buildmedic_engine::matcher::{Hit, SHORT};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: stages LOG")?;
    let data = std::fs::read(path)?;
    let t = Instant::now();
    let engine = buildmedic_engine::Engine::builtin()?;
    let m = engine.matcher();
    println!(
        "startup (knowledge base + matcher): {:?}, {} trigger literals",
        t.elapsed(),
        m.literal_count()
    );
    let mut hits: Vec<Hit> = Vec::new();
    type Find = fn(&buildmedic_engine::Matcher, &[u8], usize, usize, &mut Vec<Hit>);
    let stages: [(&str, Find); 3] = [
        ("prefilter", buildmedic_engine::Matcher::find),
        ("  long triggers", buildmedic_engine::Matcher::find_long),
        ("  short triggers", buildmedic_engine::Matcher::find_short),
    ];
    for (name, find) in stages {
        let t = Instant::now();
        let mut total = 0usize;
        for chunk in data.chunks(1 << 20) {
            hits.clear();
            find(m, chunk, 0, chunk.len(), &mut hits);
            total += hits.len();
        }
        println!("{name}: {:?}, {total} hits", t.elapsed());
    }
    let mut counts = std::collections::BTreeMap::new();
    for chunk in data.chunks(1 << 20) {
        hits.clear();
        m.find(chunk, 0, chunk.len(), &mut hits);
        for h in &hits {
            *counts.entry(h.literal).or_insert(0usize) += 1;
        }
    }
    let mut counts: Vec<(usize, String)> = counts
        .into_iter()
        .map(|(l, n)| {
            let name = if l == SHORT {
                "(short trigger ends)".to_string()
            } else {
                String::from_utf8_lossy(m.literal(l)).into_owned()
            };
            (n, name)
        })
        .collect();
    counts.sort_by(|a, b| b.cmp(a));
    for (n, a) in counts.iter().take(15) {
        println!("{n:>9} {a:?}");
    }
    let t = Instant::now();
    let d = engine.diagnose_bytes(&data, "x");
    println!(
        "whole diagnose: {:?} ({} findings)",
        t.elapsed(),
        d.findings.len()
    );
    Ok(())
}
