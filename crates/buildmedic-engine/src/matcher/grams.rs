//! Finding thousands of literals at memory speed: a sampled 4-gram filter.
//!
//! Every literal of at least [`WINDOW`] bytes is given one window of [`WINDOW`] bytes (the
//! part of it that ordinary build output least often contains, see
//! [`buildmedic_kb::GramModel`]). The
//! text is probed only at positions that are multiples of [`STRIDE`]: wherever the literal
//! occurs, exactly one of those positions falls in the first `STRIDE` bytes of its window,
//! and the four bytes there are one of the window's `STRIDE` grams. So each probe is one load,
//! one multiply and one table load, whatever the number of literals; a hit is checked against
//! the exact grams and then against the literals themselves, so what comes out is every
//! occurrence of every literal, and nothing else.
//!
//! Cost: `len / STRIDE` probes, plus work per gram hit. Gram hits are either true
//! occurrences of a window's gram (kept rare by the window choice) or table collisions
//! (kept at about one probe in seventy by sizing the table to the number of grams).

/// Bytes of text per probe. A probe reads a 4-byte gram.
pub const STRIDE: usize = buildmedic_kb::PREFILTER_STRIDE;
/// Shortest literal the filter finds: a window holds `STRIDE` grams of 4 bytes (the
/// knowledge base chooses the windows, see [`buildmedic_kb::GramModel::window`]).
pub const WINDOW: usize = buildmedic_kb::PREFILTER_WINDOW;
/// Bytes the probe loop takes at a time.
const BLOCK: usize = 8 * STRIDE;

/// An occurrence of literal `literal` at `pos`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Hit {
    pub pos: u32,
    pub literal: u32,
}

use std::borrow::Cow;

use buildmedic_kb::prefilter::{
    GramEntry as Entry, GramTables, PROBE_WORDS, StaticPrefilter, gram, probe_hash, table_hash,
};

/// The probe table is a bitset of 2^20 bits (128 KiB, in L2 next to the batch): a few
/// thousand literals set about one bit in a hundred. Probe hashes have exactly 20 bits, so
/// word indices are in bounds without a check.
type ProbeTable = [u64; PROBE_WORDS];

/// The probe table: compiled into the binary for the built-in knowledge base, else built.
enum Table {
    Static(&'static ProbeTable),
    Owned(Box<ProbeTable>),
}

impl std::ops::Deref for Table {
    type Target = ProbeTable;
    fn deref(&self) -> &ProbeTable {
        match self {
            Table::Static(t) => t,
            Table::Owned(t) => t,
        }
    }
}

/// The tables of [`buildmedic_kb::prefilter`], borrowed from the binary or owned.
pub struct GramFilter {
    /// One bit per hash value: set when some window gram has that hash.
    table: Table,
    /// Open-addressing table of the exact grams: `keys[i]` holds a gram, `groups[i]` the range
    /// of `entries` of the literals whose window has it.
    keys: Cow<'static, [u32]>,
    groups: Cow<'static, [(u32, u32)]>,
    table_bits: u32,
    /// The literals whose window has a gram, with where, and a second gram of the literal to
    /// compare before the whole literal (most gram hits are the gram in other words: `cond`
    /// of `$ conda` in every `conda`).
    entries: Cow<'static, [Entry]>,
    /// All literals, concatenated; `spans[l]` is literal `l`.
    bytes: Cow<'static, [u8]>,
    spans: Cow<'static, [(u32, u32)]>,
}

/// 1 if the bit of gram `g` is set.
fn probe(table: &ProbeTable, g: u32) -> u64 {
    let h = probe_hash(g);
    (table[(h >> 6) as usize] >> (h & 63)) & 1
}

impl GramFilter {
    /// `literals[i]` with its window start `windows[i]` (`None`: the literal is not in the
    /// filter, for literals shorter than [`WINDOW`]).
    pub fn new<L: AsRef<[u8]>>(literals: &[L], windows: &[Option<usize>]) -> Self {
        let t: GramTables = buildmedic_kb::prefilter::gram_tables(literals, windows);
        let table: Box<ProbeTable> = t
            .table
            .into_boxed_slice()
            .try_into()
            .unwrap_or_else(|_| unreachable!("gram_tables makes PROBE_WORDS words"));
        GramFilter {
            table: Table::Owned(table),
            keys: Cow::Owned(t.keys),
            groups: Cow::Owned(t.groups),
            table_bits: t.table_bits,
            entries: Cow::Owned(t.entries),
            bytes: Cow::Owned(t.bytes),
            spans: Cow::Owned(t.spans),
        }
    }

    /// The filter of the built-in knowledge base, as compiled into the binary.
    pub fn from_static(p: &'static StaticPrefilter) -> Self {
        GramFilter {
            table: Table::Static(p.table),
            keys: Cow::Borrowed(p.keys),
            groups: Cow::Borrowed(p.groups),
            table_bits: p.table_bits,
            entries: Cow::Borrowed(p.entries),
            bytes: Cow::Borrowed(p.bytes),
            spans: Cow::Borrowed(p.spans),
        }
    }

    /// Whether two filters hold the same tables (the compiled one against one built).
    pub fn same_tables(&self, other: &GramFilter) -> bool {
        self.table[..] == other.table[..]
            && self.keys == other.keys
            && self.groups == other.groups
            && self.table_bits == other.table_bits
            && self.entries == other.entries
            && self.bytes == other.bytes
            && self.spans == other.spans
    }

    pub fn literal(&self, l: u32) -> &[u8] {
        let (start, len) = self.spans[l as usize];
        &self.bytes[start as usize..(start + len) as usize]
    }

    /// Appends every occurrence in `buf` of a literal of the filter that starts at or after
    /// `from` and lies inside `from..to`, in the order of the probes that found them.
    pub fn find(&self, buf: &[u8], from: usize, to: usize, out: &mut Vec<Hit>) {
        let to = to.min(buf.len());
        if to < from + WINDOW {
            return;
        }
        let text = &buf[from..to];
        let table: &ProbeTable = &self.table;
        let probe = |g: u32| probe(table, g);
        // Eight probes per 32 bytes, one branch; the rare block with a hit is looked at
        // again out of line, so the loop keeps nothing but its cursor in registers.
        let mut chunks = text.chunks_exact(BLOCK);
        let mut p = 0;
        for c in &mut chunks {
            let mut any = 0;
            for k in 0..BLOCK / STRIDE {
                any |= probe(gram(c, k * STRIDE));
            }
            if any != 0 {
                self.verify_block(text, from, p, out);
            }
            p += BLOCK;
        }
        while p + 4 <= text.len() {
            let g = gram(text, p);
            if probe(g) != 0 {
                self.verify(text, from, p, g, out);
            }
            p += STRIDE;
        }
    }

    #[cold]
    #[inline(never)]
    fn verify_block(&self, text: &[u8], base: usize, p: usize, out: &mut Vec<Hit>) {
        for q in (p..p + BLOCK).step_by(STRIDE) {
            let g = gram(text, q);
            if probe(&self.table, g) != 0 {
                self.verify(text, base, q, g, out);
            }
        }
    }

    /// A probe of gram `g` at `text[p..p + 4]` hit the table: check the exact grams and the
    /// literals.
    fn verify(&self, text: &[u8], base: usize, p: usize, g: u32, out: &mut Vec<Hit>) {
        let mask = (1 << self.table_bits) - 1;
        let mut slot = table_hash(g, self.table_bits);
        loop {
            let (start, end) = self.groups[slot];
            if end == 0 {
                return;
            }
            if self.keys[slot] == g {
                for e in &self.entries[start as usize..end as usize] {
                    let Some(q) = p.checked_sub(e.offset as usize) else {
                        continue;
                    };
                    let c = q + e.check_offset as usize;
                    if c + 4 > text.len() || gram(text, c) != e.check {
                        continue;
                    }
                    let lit = self.literal(e.literal);
                    if text.get(q..q + lit.len()) == Some(lit) {
                        out.push(Hit {
                            pos: (base + q) as u32,
                            literal: e.literal,
                        });
                    }
                }
                return;
            }
            slot = (slot + 1) & mask;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(lits: &[&str]) -> (GramFilter, Vec<Vec<u8>>) {
        let lits: Vec<Vec<u8>> = lits.iter().map(|l| l.as_bytes().to_vec()).collect();
        let windows: Vec<Option<usize>> = lits
            .iter()
            .map(|l| (l.len() >= WINDOW).then(|| (l.len() - WINDOW) / 2))
            .collect();
        (GramFilter::new(&lits, &windows), lits)
    }

    fn naive(text: &[u8], lits: &[Vec<u8>], from: usize, to: usize) -> Vec<Hit> {
        let mut out = Vec::new();
        for (i, l) in lits.iter().enumerate() {
            if l.len() < WINDOW {
                continue;
            }
            for q in from..to.saturating_sub(l.len() - 1) {
                if &text[q..q + l.len()] == l.as_slice() {
                    out.push(Hit {
                        pos: q as u32,
                        literal: i as u32,
                    });
                }
            }
        }
        out.sort();
        out
    }

    #[test]
    fn finds_every_occurrence_at_any_alignment() {
        let (f, lits) = filter(&[
            "PackagesNotFoundError",
            "No matching distribution",
            "ERROR: No matching distribution found for ",
            "short",
            "Killed!",
        ]);
        for shift in 0..9 {
            let mut text = " ".repeat(shift).into_bytes();
            text.extend_from_slice(
                b"x PackagesNotFoundError: y\nERROR: No matching distribution found for z Killed!\nKilled!",
            );
            let mut hits = Vec::new();
            f.find(&text, 0, text.len(), &mut hits);
            hits.sort();
            assert_eq!(hits, naive(&text, &lits, 0, text.len()), "shift {shift}");
            assert_eq!(hits.len(), 5);
        }
    }

    proptest::proptest! {
        #[test]
        fn agrees_with_a_naive_search(
            text in proptest::collection::vec(proptest::sample::select(b"abc ERRORnotfound:".to_vec()), 0..400),
            from in 0usize..50,
            len in 0usize..400,
        ) {
            let (f, lits) = filter(&["ERROR: not", "not found", "abcabca", "found:", "ERRORERRORERROR", "c ERR"]);
            let from = from.min(text.len());
            let to = (from + len).min(text.len());
            let mut hits = Vec::new();
            f.find(&text, from, to, &mut hits);
            hits.sort();
            proptest::prop_assert_eq!(hits, naive(&text, &lits, from, to));
        }
    }
}
