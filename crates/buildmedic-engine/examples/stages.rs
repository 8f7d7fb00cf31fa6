//! Times the matcher's stages on a log held in memory (for tuning the prefilter).
//!
//! `cargo run --release -p buildmedic-engine --example stages -- build.log`
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: stages LOG")?;
    let data = std::fs::read(path)?;
    let t = Instant::now();
    let engine = buildmedic_engine::Engine::builtin()?;
    let m = engine.matcher();
    println!("startup (knowledge base + matcher): {:?}", t.elapsed());
    for pass in 0..m.passes() {
        let t = Instant::now();
        let mut hits = 0usize;
        for chunk in data.chunks(1 << 20) {
            hits += m.anchor_hits(pass, chunk).count();
        }
        println!("anchor pass {pass}: {:?}, {hits} hits", t.elapsed());
    }
    let mut counts: Vec<(usize, String)> = m
        .anchor_literals()
        .iter()
        .map(|a| {
            let n = memchr::memmem::find_iter(&data, a).count();
            (n, String::from_utf8_lossy(a).into_owned())
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
