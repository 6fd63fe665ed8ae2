//! What training reads of each example: the token windows the model reads at inference,
//! as texts (so the teacher and a student with another vocabulary read the same words),
//! with the labels each window should get.
//!
//! A text that fits the encoder is one view, itself. A longer one is two: the text of its
//! first window and of its last. Wrapped jailbreaks put the request at the end, after pages
//! of template, so the last window carries the row's labels; the first window of a wrapped
//! malicious request (jailbreak, with a harm category) shows only the template, so it is
//! labelled as a jailbreak preamble with no request (category none, malicious, severity 1),
//! the rule of data/README.md. Other long texts (a long post) keep their labels in both.
//!
//! A long jailbreak by a malicious user is also read in the middle: inference reads every
//! window and keeps the worst, and a window of template prose that training never showed
//! would otherwise be judged a harm of its own (a bare DAN preamble flagged, a wrapped
//! request given the category its template's words suggest). The middle window ends over
//! 120 tokens before the text does, so a wrapped request (the end of the text) is not in
//! it; it is labelled as the first window is.

use super::dataset::{Example, Labels};
use crate::Nacre;
use crate::error::Result;
use crate::taxonomy::{Category, UserType};

/// One window of one example, as training reads it.
pub struct View {
    pub text: String,
    pub labels: Labels,
    pub split: String,
}

/// The views of every example, in example order, windowed by `nacre`'s tokenizer.
pub fn views(nacre: &Nacre, examples: &[Example]) -> Result<Vec<View>> {
    let mut out = Vec::with_capacity(examples.len());
    for example in examples {
        let view = |text, labels| View { text, labels, split: example.split.clone() };
        let windows = nacre.prepare(&example.text)?.windows;
        match (windows.first(), windows.last()) {
            (Some(first), Some(last)) if windows.len() > 1 => {
                out.push(view(nacre.tokenizer.decode(first)?, preamble(example.labels)));
                if let Some(middle) = middle(windows.len()).filter(|_| is_attack(example.labels)) {
                    out.push(view(nacre.tokenizer.decode(&windows[middle])?, preamble(example.labels)));
                }
                out.push(view(nacre.tokenizer.decode(last)?, example.labels));
            }
            _ => out.push(view(example.text.clone(), example.labels)),
        }
    }
    Ok(out)
}

/// A jailbreak by a malicious user: a bare preamble or a wrapped request.
fn is_attack(labels: Labels) -> bool {
    labels.jailbreak && labels.user_type == UserType::Malicious
}

/// The labels of a long text's first window.
fn preamble(labels: Labels) -> Labels {
    if is_attack(labels) && labels.category != Category::None {
        Labels { category: Category::None, severity: 1, ..labels }
    } else {
        labels
    }
}

/// Which of `count` windows is read as the middle of a long text: halfway, but at least
/// three windows before the last. Windows start `WINDOW - OVERLAP - 2` = 62 tokens apart
/// and the last ends with the text, so the one three before it ends over 120 tokens before
/// the text does. `None` when no window lies between the first and that bound.
fn middle(count: usize) -> Option<usize> {
    (count >= 5).then(|| (count / 2).min(count - 4))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(category: Category, user_type: UserType, jailbreak: bool) -> Labels {
        Labels { category, user_type, severity: 3, jailbreak, borderline: false }
    }

    #[test]
    fn a_wrapped_requests_preamble_is_a_jailbreak_without_a_request() {
        let wrapped = preamble(labels(Category::Drugs, UserType::Malicious, true));
        assert_eq!(
            (wrapped.category, wrapped.user_type, wrapped.severity, wrapped.jailbreak),
            (Category::None, UserType::Malicious, 1, true)
        );
    }

    #[test]
    fn the_middle_window_is_between_the_first_and_three_before_the_last() {
        assert_eq!((1..=4).map(middle).collect::<Vec<_>>(), [None; 4]);
        assert_eq!(middle(5), Some(1));
        assert_eq!(middle(7), Some(3));
        assert_eq!(middle(20), Some(10));
        for count in 5..64 {
            let m = middle(count).unwrap();
            assert!(m >= 1 && m + 4 <= count, "{count} windows: middle {m}");
        }
    }

    #[test]
    fn only_attacks_are_read_in_the_middle() {
        assert!(is_attack(labels(Category::None, UserType::Malicious, true)));
        assert!(is_attack(labels(Category::Drugs, UserType::Malicious, true)));
        assert!(!is_attack(labels(Category::Cyber, UserType::Malicious, false)));
        assert!(!is_attack(labels(Category::SelfHarm, UserType::Vulnerable, true)));
    }

    #[test]
    fn other_long_texts_keep_their_labels() {
        for kept in [
            labels(Category::SelfHarm, UserType::Vulnerable, false),
            labels(Category::Cyber, UserType::Malicious, false),
            labels(Category::None, UserType::Malicious, true),
        ] {
            assert_eq!(preamble(kept), kept);
        }
    }
}
