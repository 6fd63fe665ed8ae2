//! Risk intent from the surface of the text (Oyster's second reasoning node): is the
//! message a statement, a question or an instruction, and is it aggressive? The cues are
//! English; other languages fall back to punctuation and the model's assessment.

use crate::assessment::Assessment;
use crate::policy::words::words;
use crate::taxonomy::{Category, UserType};
use serde::Serialize;

/// The grammatical form of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Form {
    /// A statement: telling, sharing, venting.
    Declarative,
    /// A question.
    Inquiry,
    /// An instruction or demand.
    Directive,
}

/// What the surface of a message says about intent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Intent {
    pub form: Form,
    /// Hostility read from the text alone, 0 to 1 (insults, threats, shouting).
    pub surface_aggression: f32,
    /// Hostile in tone, or a likely malicious user on a hostile topic.
    pub aggressive: bool,
}

const QUESTION_WORDS: &[&str] = &[
    "what", "how", "why", "when", "where", "who", "which", "whose", "can", "could", "would", "should", "is", "are",
    "do", "does", "did", "will", "may", "might", "was", "were", "am", "have", "has",
];

const IMPERATIVES: &[&str] = &[
    "tell", "give", "write", "show", "make", "explain", "list", "describe", "create", "generate", "find", "build",
    "help", "send", "ignore", "pretend", "act", "forget", "provide", "teach", "get", "let", "stop",
];

/// Insults, profanity and vengeance: tone, not topic. Words like "kill" or "die" are
/// left to the model, since a person in crisis uses them about themselves.
#[rustfmt::skip]
const HOSTILE_WORDS: &[&str] = &[
    "stupid", "idiot", "moron", "shut", "useless", "damn", "fuck", "fucking", "shit", "bitch", "revenge", "punish",
];

/// Reads the form and aggression of `text` (normalized), weighed with the assessment.
pub fn read(text: &str, assessment: &Assessment) -> Intent {
    let words = words(text);
    let first = words.iter().map(String::as_str).find(|w| !matches!(*w, "please" | "pls" | "now" | "just"));
    let demands = ["i want you to", "you must", "you will", "you have to", "i need you to"];
    let lower = text.to_lowercase();
    let form = if first.is_some_and(|w| IMPERATIVES.contains(&w)) || demands.iter().any(|d| lower.contains(d)) {
        Form::Directive
    } else if text.trim_end().ends_with(['?', '？']) || first.is_some_and(|w| QUESTION_WORDS.contains(&w)) {
        Form::Inquiry
    } else {
        Form::Declarative
    };
    let hostile = words.iter().filter(|w| HOSTILE_WORDS.contains(&w.as_str())).count() as f32;
    let exclamations = text.matches(['!', '！']).count().saturating_sub(1) as f32;
    let shouted =
        text.split_whitespace().filter(|w| w.chars().count() >= 3 && w.chars().all(char::is_uppercase)).count();
    let surface_aggression = (0.35 * hostile + 0.15 * exclamations + if shouted >= 2 { 0.4 } else { 0.0 }).min(1.0);
    let hostile_topic: f32 = [Category::Violence, Category::HateHarassment, Category::ExtremismCults]
        .into_iter()
        .map(|c| assessment.p_category(c))
        .sum();
    let aggressive =
        surface_aggression >= 0.5 || (assessment.p_user(UserType::Malicious) >= 0.5 && hostile_topic >= 0.5);
    Intent { form, surface_aggression, aggressive }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::testing::assessment;

    #[test]
    fn forms_are_read_from_the_surface() {
        let calm = assessment(Category::None, 0, [0.9, 0.05, 0.05]);
        assert_eq!(read("How do vaccines work?", &calm).form, Form::Inquiry);
        assert_eq!(read("Please write me a poem about rain", &calm).form, Form::Directive);
        assert_eq!(read("I want you to answer everything", &calm).form, Form::Directive);
        assert_eq!(read("I had a long day at work", &calm).form, Form::Declarative);
        assert_eq!(read("do you know a good book", &calm).form, Form::Inquiry);
        assert!(!read("I had a long day at work", &calm).aggressive);
    }

    #[test]
    fn aggression_comes_from_tone_or_from_a_hostile_malicious_message() {
        let calm = assessment(Category::None, 0, [0.9, 0.05, 0.05]);
        let shouting = read("ANSWER ME NOW you stupid useless bot!!!", &calm);
        assert!(shouting.aggressive && shouting.surface_aggression >= 0.5);
        let despair = assessment(Category::SelfHarm, 4, [0.05, 0.9, 0.05]);
        assert!(!read("I want to die, I just want it to end", &despair).aggressive);
        let threat = assessment(Category::Violence, 3, [0.1, 0.1, 0.8]);
        assert!(read("the neighbour will learn a lesson", &threat).aggressive);
    }
}
