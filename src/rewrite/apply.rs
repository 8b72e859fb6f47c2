//! Applying fixes to one text: choose a set of fixes whose edits do not
//! overlap, then splice their edits into the text.

use crate::diagnostics::{Edit, Fix};
use crate::syntax::{TextRange, TextSize};

/// Whether two edits touch the same text. Edits that merely touch at a
/// boundary also count: applying both could glue tokens together, so the
/// second one waits for the next pass, where it is re-checked against the
/// new text.
pub fn edits_conflict(a: &TextRange, b: &TextRange) -> bool {
    a.start() <= b.end() && b.start() <= a.end()
}

/// Whether a fix's own edits are well-formed: in bounds, on char boundaries,
/// and pairwise disjoint (insertions at one point count as overlapping, their
/// order would be ambiguous).
pub fn fix_is_well_formed(text: &str, fix: &Fix) -> bool {
    let len = TextSize::of(text);
    for e in &fix.edits {
        if e.range.end() > len
            || !text.is_char_boundary(usize::from(e.range.start()))
            || !text.is_char_boundary(usize::from(e.range.end()))
        {
            return false;
        }
    }
    let mut ranges: Vec<TextRange> = fix.edits.iter().map(|e| e.range).collect();
    ranges.sort_by_key(|r| (r.start(), r.end()));
    ranges.windows(2).all(|w| {
        w[0].end() < w[1].start()
            || (w[0].end() == w[1].start() && !w[0].is_empty() && !w[1].is_empty())
    })
}

/// Choose the fixes to apply in one pass: in order of their first edit, a fix
/// is taken when none of its edits conflicts with an edit already taken.
/// Returns the indices (into `fixes`) of the chosen fixes, in the order taken.
pub fn select_fixes(text: &str, fixes: &[&Fix]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..fixes.len()).collect();
    order.sort_by_key(|&i| {
        let f = fixes[i];
        let start = f.edits.iter().map(|e| e.range.start()).min();
        let end = f.edits.iter().map(|e| e.range.end()).max();
        (start, end, i)
    });
    let mut taken: Vec<TextRange> = Vec::new();
    let mut chosen = Vec::new();
    for i in order {
        let fix = fixes[i];
        if fix.edits.is_empty() || !fix_is_well_formed(text, fix) {
            continue;
        }
        let clash = fix
            .edits
            .iter()
            .any(|e| taken.iter().any(|t| edits_conflict(t, &e.range)));
        if clash {
            continue;
        }
        taken.extend(fix.edits.iter().map(|e| e.range));
        chosen.push(i);
    }
    chosen
}

/// Splice non-overlapping edits into `text`.
///
/// # Panics
/// Never for edits that passed [`select_fixes`]; overlapping or out-of-bounds
/// edits are a caller bug and are skipped.
pub fn apply_edits(text: &str, edits: &[&Edit]) -> String {
    let mut sorted: Vec<&Edit> = edits.to_vec();
    sorted.sort_by_key(|e| (e.range.start(), e.range.end()));
    let mut out = String::with_capacity(text.len());
    let mut pos = 0usize;
    for e in sorted {
        let start = usize::from(e.range.start());
        let end = usize::from(e.range.end());
        if start < pos || end > text.len() || start > end {
            continue;
        }
        out.push_str(&text[pos..start]);
        out.push_str(&e.replacement);
        pos = end;
    }
    out.push_str(&text[pos..]);
    out
}

/// Apply the chosen fixes (indices into `fixes`) to `text`.
pub fn apply_fixes(text: &str, fixes: &[&Fix], chosen: &[usize]) -> String {
    let edits: Vec<&Edit> = chosen.iter().flat_map(|&i| fixes[i].edits.iter()).collect();
    apply_edits(text, &edits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Applicability;

    fn r(a: u32, b: u32) -> TextRange {
        TextRange::new(a.into(), b.into())
    }

    fn fix(edits: Vec<Edit>) -> Fix {
        Fix {
            message: String::new(),
            applicability: Applicability::Safe,
            edits,
        }
    }

    #[test]
    fn applies_in_any_order() {
        let t = "abcdef";
        let e1 = Edit::replace(r(4, 5), "E");
        let e0 = Edit::replace(r(0, 1), "A");
        let ins = Edit::insert(2.into(), "-");
        assert_eq!(apply_edits(t, &[&e1, &e0, &ins]), "Ab-cdEf");
    }

    #[test]
    fn overlapping_fix_waits() {
        let t = "0123456789";
        let a = fix(vec![Edit::replace(r(2, 5), "x")]);
        let b = fix(vec![Edit::replace(r(4, 7), "y")]);
        let c = fix(vec![Edit::replace(r(8, 9), "z")]);
        let fixes = [&b, &a, &c];
        let chosen = select_fixes(t, &fixes);
        // a starts first and wins; b overlaps it; c is independent.
        assert_eq!(chosen, vec![1, 2]);
        assert_eq!(apply_fixes(t, &fixes, &chosen), "01x567z9");
    }

    #[test]
    fn touching_edits_wait_too() {
        let t = "0123456789";
        let a = fix(vec![Edit::replace(r(2, 5), "x")]);
        let b = fix(vec![Edit::replace(r(5, 7), "y")]);
        assert_eq!(select_fixes(t, &[&a, &b]), vec![0]);
    }

    #[test]
    fn multi_edit_fix_is_all_or_nothing() {
        let t = "0123456789";
        let a = fix(vec![
            Edit::replace(r(0, 1), "a"),
            Edit::replace(r(8, 9), "b"),
        ]);
        let b = fix(vec![Edit::replace(r(8, 9), "c")]);
        let fixes = [&a, &b];
        assert_eq!(select_fixes(t, &fixes), vec![0]);
    }

    #[test]
    fn malformed_fix_is_skipped() {
        let t = "héllo";
        // byte 2 is inside `é`
        let bad = fix(vec![Edit::replace(r(2, 3), "x")]);
        let oob = fix(vec![Edit::replace(r(3, 99), "x")]);
        let self_overlap = fix(vec![
            Edit::replace(r(0, 2), "x"),
            Edit::replace(r(1, 3), "y"),
        ]);
        assert!(select_fixes(t, &[&bad, &oob, &self_overlap]).is_empty());
    }
}
