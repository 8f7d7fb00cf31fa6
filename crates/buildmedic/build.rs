//! Links the `buildmedic` executable as position-dependent on Linux (glibc).
//!
//! A position-independent executable carries ~43,000 relative relocations (the knowledge
//! base's tables, the parsers' static data): the loader rewrites ~740 KB of `.data.rel.ro` at
//! every start, about 190 page faults and a fifth of a 1 KB diagnosis (`bench/bench.sh`,
//! start-up). Linked at a fixed address those tables are final in the file and paged in
//! only when read. Libraries, the stack and the heap stay randomized; the executable's own
//! code does not, as with the statically linked musl builds CLI tools usually ship.
//! `BUILDMEDIC_PIE=1` at build time keeps the default (PIE).

fn main() {
    println!("cargo:rerun-if-env-changed=BUILDMEDIC_PIE");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    let pie = std::env::var("BUILDMEDIC_PIE").is_ok_and(|v| v == "1");
    if os == "linux" && env == "gnu" && !pie {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
