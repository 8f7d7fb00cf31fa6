//! Reads a log with a sink that does nothing: measures reading, cleaning and framing alone.
//!
//! `cargo run --release -p buildmedic-log --example read -- build.log`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args_os().nth(1).ok_or("usage: read LOG")?;
    let input = buildmedic_log::open_input(std::path::Path::new(&path))?;
    let summary = buildmedic_log::read_log(input, &mut buildmedic_log::NullSink)?;
    println!(
        "{} lines, {} bytes, {} steps, builder {}, failing step {:?}",
        summary.lines,
        summary.bytes,
        summary.steps.len(),
        summary.format_name(),
        summary
            .failing_step
            .and_then(|i| summary.step(i))
            .map(|s| &s.command)
    );
    Ok(())
}
