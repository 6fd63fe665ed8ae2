//! Character-level clean-up: Unicode NFKC, invisible (zero-width, bidi) and control
//! characters removed, whitespace kept as gaps (one space, two for a wider gap, or a line
//! break) so that `words` can still tell letters written apart from words written apart.

use super::Change;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::{decompose_canonical, decompose_compatible};

/// Characters that render as nothing but can split or disguise words.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}'
        | '\u{FFA0}' | '\u{FFF0}'..='\u{FFF8}' | '\u{1D173}'..='\u{1D17A}'
        | '\u{E0000}'..='\u{E0FFF}')
}

/// Bidi controls reorder what is shown: always a disguise in a chat message.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Cleans `input`, keeping at most `max_chars` characters other than whitespace.
/// Zero-width characters between emoji (joiners, variation selectors) go silently; inside
/// a word or as bidi controls they are reported as `Invisible`.
pub fn clean(input: &str, max_chars: usize, changes: &mut Vec<Change>) -> String {
    let mut text = String::with_capacity(input.len().min(max_chars * 4));
    let mut kept = 0usize;
    let mut gap = String::new();
    let mut hidden = false;
    for c in input.nfkc() {
        if is_invisible(c) {
            if is_bidi_control(c) {
                changes.push(Change::Invisible);
            }
            hidden = true;
            continue;
        }
        if c.is_whitespace() {
            let c = if c == '\n' || gap.contains('\n') { '\n' } else { ' ' };
            if c == '\n' {
                gap = "\n".into();
            } else if gap.len() < 2 {
                gap.push(c);
            }
            hidden = false;
            continue;
        }
        if c.is_control() {
            changes.push(Change::Control);
            continue;
        }
        if kept == max_chars {
            changes.push(Change::Truncated);
            break;
        }
        if !gap.is_empty() {
            if !text.is_empty() {
                text.push_str(&gap);
            }
            gap.clear();
        }
        if hidden && c.is_alphanumeric() && text.chars().next_back().is_some_and(char::is_alphanumeric) {
            changes.push(Change::Invisible);
        }
        hidden = false;
        text.push(c);
        kept += 1;
    }
    if input.chars().any(is_compatibility_form) {
        changes.push(Change::Compatibility);
    }
    text
}

/// Whether NFKC folds `c` beyond its canonical form (full-width, ligature, styled letter).
fn is_compatibility_form(c: char) -> bool {
    if c.is_ascii() {
        return false;
    }
    let (mut canonical, mut compatible) = (String::new(), String::new());
    decompose_canonical(c, |d| canonical.push(d));
    decompose_compatible(c, |d| compatible.push(d));
    canonical != compatible
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cleaned(input: &str) -> (String, Vec<Change>) {
        let mut changes = Vec::new();
        let text = clean(input, 1000, &mut changes);
        changes.sort();
        changes.dedup();
        (text, changes)
    }

    #[test]
    fn keeps_gap_widths_and_line_breaks() {
        assert_eq!(cleaned("  a \t\r\n b   c d ").0, "a\nb  c d");
    }

    #[test]
    fn removes_invisible_inside_words_and_bidi_controls_and_reports_them() {
        let (text, changes) = cleaned("bo\u{200B}mb\u{0007} x\u{202E}");
        assert_eq!(text, "bomb x");
        assert_eq!(changes, vec![Change::Invisible, Change::Control]);
    }

    #[test]
    fn joiners_between_emoji_go_silently() {
        let (text, changes) = cleaned("family 👨\u{200D}👩\u{200D}👧 ok\u{FE0F}");
        assert_eq!(text, "family 👨👩👧 ok");
        assert!(changes.is_empty());
    }

    #[test]
    fn folds_compatibility_forms() {
        let (text, changes) = cleaned("ｈｅｌｌｏ ﬁle");
        assert_eq!(text, "hello file");
        assert_eq!(changes, vec![Change::Compatibility]);
    }
}
