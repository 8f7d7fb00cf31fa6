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

/// The probe table is a bitset of 2^20 bits (128 KiB, in L2 next to the batch): a few
/// thousand literals set about one bit in a hundred. Probe hashes have exactly 20 bits, so
/// word indices are in bounds without a check.
const PROBE_BITS: u32 = 20;
type ProbeTable = [u64; 1 << (PROBE_BITS - 6)];

pub struct GramFilter {
    /// One bit per hash value: set when some window gram has that hash.
    table: Box<ProbeTable>,
    /// Open-addressing table of the exact grams: `keys[i]` holds a gram, `groups[i]` the range
    /// of `entries` of the literals whose window has it.
    keys: Vec<u32>,
    groups: Vec<(u32, u32)>,
    table_bits: u32,
    /// The literals whose window has a gram, with where.
    entries: Vec<Entry>,
    /// All literals, concatenated; `spans[l]` is literal `l`.
    bytes: Vec<u8>,
    spans: Vec<(u32, u32)>,
}

/// A literal whose window holds a gram: which, where the gram is in it, and a second gram of
/// the literal to compare before the whole literal (most gram hits are the gram in other
/// words: `cond` of `$ conda` in every `conda`).
#[derive(Debug, Clone, Copy)]
struct Entry {
    literal: u32,
    offset: u32,
    check_offset: u32,
    check: u32,
}

impl Entry {
    fn new(literal: u32, l: &[u8], offset: usize) -> Self {
        // The literal's first gram, or its last when the hit gram is the first.
        let check_offset = if offset == 0 { l.len() - 4 } else { 0 };
        Entry {
            literal,
            offset: offset as u32,
            check_offset: check_offset as u32,
            check: gram(l, check_offset),
        }
    }
}

fn gram(s: &[u8], at: usize) -> u32 {
    let mut b = [0u8; 4];
    b.copy_from_slice(&s[at..at + 4]);
    u32::from_le_bytes(b)
}

/// The probe hash: `PROBE_BITS` bits.
fn probe_hash(g: u32) -> u32 {
    g.wrapping_mul(0x9E37_79B1) >> (32 - PROBE_BITS)
}

/// 1 if the bit of gram `g` is set.
fn probe(table: &ProbeTable, g: u32) -> u64 {
    let h = probe_hash(g);
    (table[(h >> 6) as usize] >> (h & 63)) & 1
}

fn table_hash(g: u32, bits: u32) -> usize {
    (g.wrapping_mul(0x85EB_CA77) >> (32 - bits)) as usize
}

impl GramFilter {
    /// `literals[i]` with its window start `windows[i]` (`None`: the literal is not in the
    /// filter, for literals shorter than [`WINDOW`]).
    pub fn new(literals: &[Vec<u8>], windows: &[Option<usize>]) -> Self {
        let mut bytes = Vec::new();
        let mut spans = Vec::with_capacity(literals.len());
        let mut grams: Vec<(u32, u32, u32)> = Vec::new();
        for (i, (l, w)) in literals.iter().zip(windows).enumerate() {
            spans.push((bytes.len() as u32, l.len() as u32));
            bytes.extend_from_slice(l);
            if let Some(w) = *w {
                for k in w..w + STRIDE {
                    grams.push((gram(l, k), i as u32, k as u32));
                }
            }
        }
        grams.sort_unstable();
        let distinct = {
            let mut d: Vec<u32> = grams.iter().map(|g| g.0).collect();
            d.dedup();
            d
        };
        let mut table: Box<ProbeTable> = vec![0u64; 1 << (PROBE_BITS - 6)]
            .into_boxed_slice()
            .try_into()
            .unwrap_or_else(|_| unreachable!("the vector has the table's length"));
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
                entries.push(Entry::new(l, &literals[l as usize], off as usize));
                i += 1;
            }
            let mut slot = table_hash(g, table_bits);
            while groups[slot].1 != 0 {
                slot = (slot + 1) & ((1 << table_bits) - 1);
            }
            keys[slot] = g;
            groups[slot] = (start, entries.len() as u32);
        }
        GramFilter {
            table,
            keys,
            groups,
            table_bits,
            entries,
            bytes,
            spans,
        }
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
