//! The tables of the engine's trigger prefilter, computed from the signatures' triggers.
//!
//! One function computes them, used twice: by `build.rs` for the built-in knowledge base (the
//! tables are compiled into the binary, so start-up builds nothing) and by the engine at run
//! time when user rules change the set of signatures. Both therefore agree to the byte, which
//! a test of the engine checks.
//!
//! - [`distinct_literals`]: the distinct trigger literals in byte order, each with its
//!   prefilter window and the signatures that have it.
//! - [`gram_tables`]: the sampled 4-gram filter over the literals that have a window: a
//!   bitset probed once per [`crate::PREFILTER_STRIDE`] bytes of text, an open-addressing
//!   table of the exact grams and, per gram, the literals whose window holds it.

/// Bits of the probe table (2^20 bits, 128 KiB): a few thousand literals set about one bit in
/// a hundred. Probe hashes have exactly this many bits.
pub const PROBE_BITS: u32 = 20;
/// Words of the probe table.
pub const PROBE_WORDS: usize = 1 << (PROBE_BITS - 6);

/// A literal whose window holds a gram: which literal, where the gram is in it, and a second
/// gram of the literal (its first, or its last when the hit gram is the first) to compare
/// before the whole literal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GramEntry {
    pub literal: u32,
    pub offset: u32,
    pub check_offset: u32,
    pub check: u32,
}

/// The gram filter's tables (see the module doc).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GramTables {
    /// [`PROBE_WORDS`] words: bit `probe_hash(g)` is set when some window gram is `g`.
    pub table: Vec<u64>,
    /// `keys[i]` holds a gram, `groups[i]` its range of `entries`; `groups[i].1 == 0` marks an
    /// empty slot. `1 << table_bits` slots.
    pub keys: Vec<u32>,
    pub groups: Vec<(u32, u32)>,
    pub table_bits: u32,
    pub entries: Vec<GramEntry>,
    /// All literals concatenated; `spans[l]` is literal `l` (start, length).
    pub bytes: Vec<u8>,
    pub spans: Vec<(u32, u32)>,
}

/// The distinct literals of a signature set (see [`distinct_literals`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Literals {
    /// In byte order.
    pub literals: Vec<Vec<u8>>,
    /// The prefilter window of each literal (`None`: found whole by the short-literal search).
    pub windows: Vec<Option<usize>>,
    /// `literal_signatures[starts[l]..starts[l + 1]]`: the signatures of literal `l`, ascending.
    pub starts: Vec<u32>,
    pub literal_signatures: Vec<u32>,
}

/// One signature as [`distinct_literals`] sees it: `None` for a `tail` signature (not
/// searched for), else its triggers with their prefilter windows.
pub type TriggerView<'a> = Option<Vec<(&'a [u8], Option<usize>)>>;

/// The 4-byte little-endian gram of `s` at `at`.
pub fn gram(s: &[u8], at: usize) -> u32 {
    let mut b = [0u8; 4];
    b.copy_from_slice(&s[at..at + 4]);
    u32::from_le_bytes(b)
}

/// The probe hash: [`PROBE_BITS`] bits.
pub fn probe_hash(g: u32) -> u32 {
    g.wrapping_mul(0x9E37_79B1) >> (32 - PROBE_BITS)
}

/// The slot of gram `g` in a table of `1 << bits` slots.
pub fn table_hash(g: u32, bits: u32) -> usize {
    (g.wrapping_mul(0x85EB_CA77) >> (32 - bits)) as usize
}

/// `signatures[i]` is `None` for a signature the prefilter does not search (a `tail` one),
/// else its triggers with their windows. Literals come out in byte order, each with the
/// signatures that have it in ascending order (a signature listing a literal twice counts
/// once).
pub fn distinct_literals<'a, T>(signatures: &[Option<T>]) -> Literals
where
    T: AsRef<[(&'a [u8], Option<usize>)]>,
{
    let mut pairs: Vec<(&[u8], Option<usize>, u32)> = Vec::new();
    for (i, ts) in signatures.iter().enumerate() {
        for (t, w) in ts.iter().flat_map(|ts| ts.as_ref()) {
            pairs.push((t, *w, i as u32));
        }
    }
    pairs.sort_unstable();
    pairs.dedup();
    let mut out = Literals {
        literals: Vec::new(),
        windows: Vec::new(),
        starts: Vec::new(),
        literal_signatures: Vec::with_capacity(pairs.len()),
    };
    for (lit, window, sig) in pairs {
        if out.literals.last().map(Vec::as_slice) != Some(lit) {
            out.starts.push(out.literal_signatures.len() as u32);
            out.literals.push(lit.to_vec());
            out.windows.push(window);
        }
        out.literal_signatures.push(sig);
    }
    out.starts.push(out.literal_signatures.len() as u32);
    out
}

/// The gram filter over `literals[i]` with window start `windows[i]` (`None`: not in the
/// filter). Each window of [`crate::PREFILTER_WINDOW`] bytes contributes its
/// [`crate::PREFILTER_STRIDE`] grams.
pub fn gram_tables<L: AsRef<[u8]>>(literals: &[L], windows: &[Option<usize>]) -> GramTables {
    let stride = crate::literals::PREFILTER_STRIDE;
    let mut bytes = Vec::new();
    let mut spans = Vec::with_capacity(literals.len());
    let mut grams: Vec<(u32, u32, u32)> = Vec::new();
    for (i, (l, w)) in literals.iter().zip(windows).enumerate() {
        let l = l.as_ref();
        spans.push((bytes.len() as u32, l.len() as u32));
        bytes.extend_from_slice(l);
        if let Some(w) = *w {
            for k in w..w + stride {
                grams.push((gram(l, k), i as u32, k as u32));
            }
        }
    }
    grams.sort_unstable();
    let mut distinct: Vec<u32> = grams.iter().map(|g| g.0).collect();
    distinct.dedup();
    let mut table = vec![0u64; PROBE_WORDS];
    for &g in &distinct {
        let h = probe_hash(g);
        table[(h >> 6) as usize] |= 1 << (h & 63);
    }
    let table_bits = (distinct.len().max(1) * 2)
        .next_power_of_two()
        .trailing_zeros()
        .max(4);
    let mut keys = vec![0u32; 1 << table_bits];
    let mut groups = vec![(0u32, 0u32); 1 << table_bits];
    let mut entries = Vec::with_capacity(grams.len());
    let mut i = 0;
    while i < grams.len() {
        let g = grams[i].0;
        let start = entries.len() as u32;
        while i < grams.len() && grams[i].0 == g {
            let (_, l, off) = grams[i];
            let lit = literals[l as usize].as_ref();
            let offset = off as usize;
            let check_offset = if offset == 0 { lit.len() - 4 } else { 0 };
            entries.push(GramEntry {
                literal: l,
                offset: off,
                check_offset: check_offset as u32,
                check: gram(lit, check_offset),
            });
            i += 1;
        }
        let mut slot = table_hash(g, table_bits);
        while groups[slot].1 != 0 {
            slot = (slot + 1) & ((1 << table_bits) - 1);
        }
        keys[slot] = g;
        groups[slot] = (start, entries.len() as u32);
    }
    GramTables {
        table,
        keys,
        groups,
        table_bits,
        entries,
        bytes,
        spans,
    }
}

/// [`Literals`] and [`GramTables`] of the built-in knowledge base, compiled into the binary by
/// `build.rs` (signature indices count the built-in entries' signatures in kind-id order).
#[derive(Debug)]
pub struct StaticPrefilter {
    pub literals: &'static [&'static [u8]],
    pub windows: &'static [Option<u16>],
    pub starts: &'static [u32],
    pub literal_signatures: &'static [u32],
    pub table: &'static [u64; PROBE_WORDS],
    pub keys: &'static [u32],
    pub groups: &'static [(u32, u32)],
    pub table_bits: u32,
    pub entries: &'static [GramEntry],
    pub bytes: &'static [u8],
    pub spans: &'static [(u32, u32)],
}

/// The Rust source of a [`StaticPrefilter`] named `name` holding `lits` and `grams` (for
/// `build.rs`).
pub fn static_source(name: &str, lits: &Literals, grams: &GramTables) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "pub(crate) static {name}: crate::prefilter::StaticPrefilter = crate::prefilter::StaticPrefilter {{"
    );
    s.push_str("    literals: &[");
    for l in &lits.literals {
        let _ = write!(s, "&{l:?}, ");
    }
    s.push_str("],\n    windows: &[");
    for w in &lits.windows {
        let w = w.and_then(|w| u16::try_from(w).ok());
        let _ = write!(s, "{w:?}, ");
    }
    let _ = writeln!(s, "],\n    starts: &{:?},", lits.starts);
    let _ = writeln!(s, "    literal_signatures: &{:?},", lits.literal_signatures);
    let _ = writeln!(s, "    table: &{:?},", grams.table);
    let _ = writeln!(s, "    keys: &{:?},", grams.keys);
    let _ = writeln!(s, "    groups: &{:?},", grams.groups);
    let _ = writeln!(s, "    table_bits: {},", grams.table_bits);
    s.push_str("    entries: &[");
    for e in &grams.entries {
        let _ = write!(
            s,
            "crate::prefilter::GramEntry {{ literal: {}, offset: {}, check_offset: {}, check: {} }}, ",
            e.literal, e.offset, e.check_offset, e.check
        );
    }
    let _ = writeln!(s, "],\n    bytes: &{:?},", grams.bytes);
    let _ = writeln!(s, "    spans: &{:?},", grams.spans);
    s.push_str("};\n");
    s
}
