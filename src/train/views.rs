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
                out.push(view(nacre.tokenizer.decode(last)?, example.labels));
            }
            _ => out.push(view(example.text.clone(), example.labels)),
        }
    }
    Ok(out)
}

/// The labels of a long text's first window.
fn preamble(labels: Labels) -> Labels {
    let wrapped = labels.jailbreak && labels.user_type == UserType::Malicious && labels.category() != Category::None;
    if wrapped { Labels { topic: Category::None, severity: 1, ..labels } } else { labels }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(category: Category, user_type: UserType, jailbreak: bool) -> Labels {
        Labels { topic: category, user_type, severity: 3, jailbreak, borderline: false }
    }

    #[test]
    fn a_wrapped_requests_preamble_is_a_jailbreak_without_a_request() {
        let wrapped = preamble(labels(Category::Drugs, UserType::Malicious, true));
        assert_eq!(
            (wrapped.category(), wrapped.user_type, wrapped.severity, wrapped.jailbreak),
            (Category::None, UserType::Malicious, 1, true)
        );
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
