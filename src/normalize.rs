//! Text clean-up before tokenizing: Unicode NFKC, invisible and control characters
//! removed, whitespace folded, length bounded. It reports what it undid, because an
//! attacker's disguise is itself evidence.

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

/// One kind of change that normalization made to the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// Compatibility forms (full-width letters, ligatures, styled letters) were folded.
    Compatibility,
    /// Zero-width, bidi and other invisible format characters were removed.
    Invisible,
    /// Control characters were removed.
    Control,
    /// The text was longer than the bound and its tail was cut.
    Truncated,
}

/// The cleaned text and what was undone to get it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Normalized {
    pub text: String,
    /// Each kind of change made, sorted, without repeats.
    pub changes: Vec<Change>,
}

/// Characters that render as nothing but can split or disguise words.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}'
        | '\u{FFA0}' | '\u{FFF0}'..='\u{FFF8}' | '\u{1D173}'..='\u{1D17A}'
        | '\u{E0000}'..='\u{E0FFF}')
}

/// Cleans `input`, keeping at most `max_chars` characters of the result.
pub fn normalize(input: &str, max_chars: usize) -> Normalized {
    let mut changes = Vec::new();
    let mut text = String::with_capacity(input.len().min(max_chars * 4));
    let mut pending_space = false;
    let mut kept = 0usize;
    let folded: String = input.nfkc().collect();
    if folded != input {
        changes.push(Change::Compatibility);
    }
    for c in folded.chars() {
        if is_invisible(c) {
            changes.push(Change::Invisible);
            continue;
        }
        if c.is_whitespace() {
            pending_space = !text.is_empty();
            continue;
        }
        if c.is_control() {
            changes.push(Change::Control);
            continue;
        }
        if kept + usize::from(pending_space) + 1 > max_chars {
            changes.push(Change::Truncated);
            break;
        }
        if pending_space {
            text.push(' ');
            kept += 1;
            pending_space = false;
        }
        text.push(c);
        kept += 1;
    }
    changes.sort();
    changes.dedup();
    Normalized { text, changes }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_unchanged() {
        let n = normalize("How do I kill a Python process?", 1000);
        assert_eq!(n.text, "How do I kill a Python process?");
        assert!(n.changes.is_empty());
    }

    #[test]
    fn folds_whitespace_and_trims() {
        let n = normalize("  a \t\n b  ", 1000);
        assert_eq!(n.text, "a b");
        assert!(n.changes.is_empty());
    }

    #[test]
    fn removes_invisible_and_control_and_reports_them() {
        let n = normalize("bo\u{200B}mb\u{0007} x\u{202E}", 1000);
        assert_eq!(n.text, "bomb x");
        assert_eq!(n.changes, vec![Change::Invisible, Change::Control]);
    }

    #[test]
    fn folds_compatibility_forms() {
        let n = normalize("ｈｅｌｌｏ ﬁle", 1000);
        assert_eq!(n.text, "hello file");
        assert_eq!(n.changes, vec![Change::Compatibility]);
    }

    #[test]
    fn bounds_length_on_char_boundaries() {
        let n = normalize(&"é".repeat(50), 10);
        assert_eq!(n.text.chars().count(), 10);
        assert_eq!(n.changes, vec![Change::Truncated]);
        let exact = normalize("abc", 3);
        assert_eq!(exact.text, "abc");
        assert!(exact.changes.is_empty());
    }

    #[test]
    fn only_invisible_text_becomes_empty() {
        assert_eq!(normalize("\u{200B}\u{FEFF} \n", 100).text, "");
    }
}
