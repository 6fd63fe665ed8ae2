//! Nacre's own words to the user, for the strategies where Nacre answers itself
//! (redirect, support, decline, deter). Several phrasings per part, chosen by a hash of
//! the message so a reply is stable for the same text but does not read as a form.
//! Nothing here quotes the user, and nothing is operational: each refusal opens a
//! door to a legitimate alternative. Support follows safe-messaging practice: empathy,
//! no judgement or labels, a question about immediate safety, a nudge toward people.

use crate::policy::words::fnv1a;
use crate::policy::{Strategy, Topic};
use crate::taxonomy::Category;

/// Picks one phrasing; `part` keeps the choices of different parts independent.
fn pick(options: &[&'static str], seed: u64, part: u8) -> &'static str {
    let mixed = fnv1a(&[&seed.to_le_bytes()[..], &[part]].concat());
    options[(mixed % options.len() as u64) as usize]
}

/// A legitimate alternative to offer in each category, two ways of saying it.
fn doors(category: Category) -> [&'static str; 2] {
    match category {
        Category::None => [
            "I can help with a related question if you tell me a bit more about what you need.",
            "I can help with the goal behind this if you say a little more about it.",
        ],
        Category::SelfHarm => [
            "I can listen if you want to talk about what's been happening, or help you find someone to talk to.",
            "I can stay with you while you talk about how things are, or help you find support.",
        ],
        Category::Violence => [
            "I can help with staying safe, calming a conflict down, or understanding the history.",
            "I can help you find the right people to contact if someone is in danger.",
        ],
        Category::WeaponsCbrne => [
            "I can explain safety rules, regulations, or the science at a general level.",
            "I can talk about the history or the safety side of this instead.",
        ],
        Category::Cyber => [
            "I can help you secure your own accounts and systems, or explain how to report a vulnerability responsibly.",
            "I can walk through defensive steps for systems you own, and how authorised security testing works.",
        ],
        Category::FraudCrime => [
            "I can help you spot and report scams, or find a lawful way to deal with the problem behind this.",
            "I can point you to legal options and advice services if money or a dispute is behind this.",
        ],
        Category::Drugs => [
            "I can share what's known about health risks and where to find confidential support.",
            "I can help you find urgent medical advice if you or someone else is unwell.",
        ],
        Category::Sexual => [
            "I can help with questions about relationships, health, or consent in plain terms.",
            "I can talk about relationships and sexual health without explicit detail.",
        ],
        Category::ChildSafety => [
            "I can help you find out how to report a concern and keep a child safe.",
            "I can explain warning signs and how to contact child-protection services.",
        ],
        Category::HateHarassment => [
            "I can help with facts and history, or with making a point respectfully.",
            "I can help you document and report harassment if you're dealing with it.",
        ],
        Category::Privacy => [
            "I can help you protect your own data or use your data rights.",
            "I can walk through steps to protect yourself if you're worried about your own safety or data.",
        ],
        Category::Misinformation => [
            "I can help you check the claim against reliable sources.",
            "I can look at what the evidence says and how to verify it.",
        ],
        Category::SpecializedAdvice => [
            "I can share general information and questions to bring to a qualified professional.",
            "I can help you prepare for a conversation with a professional who can look at your situation.",
        ],
        Category::IntellectualProperty => [
            "I can help you find licensed or openly licensed alternatives, or explain how licences work.",
            "I can explain fair ways to use, quote or cite the work.",
        ],
        Category::Gambling => [
            "I can explain how odds work, or where to find support if gambling is getting hard to control.",
            "I can point you to free, confidential help if gambling has stopped being fun.",
        ],
        Category::ExtremismCults => [
            "I can explain how such groups recruit people, or how people leave them safely.",
            "I can point you to support for leaving if you or someone close is involved.",
        ],
    }
}

/// A line of reassurance that fits a person at risk in this category, if any.
fn reassurance(category: Category) -> Option<&'static str> {
    match category {
        Category::Violence => Some("You deserve to be safe."),
        Category::ChildSafety => Some("Whatever has happened, it is not your fault, and you deserve to be safe."),
        Category::Drugs | Category::Gambling => Some("You don't have to handle this on your own."),
        Category::Cyber | Category::FraudCrime => {
            Some("Being targeted like this can happen to anyone, and there are people whose job is to help.")
        }
        Category::HateHarassment => Some("No one deserves to be treated like that."),
        Category::Privacy => Some("Feeling watched or exposed is frightening, and you deserve to feel safe."),
        _ => None,
    }
}

const EMPATHY: &[&str] = &[
    "I'm really sorry you're going through this.",
    "Thank you for telling me. That sounds really heavy to carry.",
    "It sounds like things are very hard right now, and I'm glad you reached out.",
];

const SAFETY_QUESTIONS: &[&str] = &[
    "Are you safe right now?",
    "Can I ask how you are right now: are you somewhere safe?",
    "Before anything else: are you safe at the moment?",
];

const SELF_HARM_QUESTIONS: &[&str] = &[
    "Are you safe right now, or are you having thoughts of ending your life?",
    "Can I ask you directly: are you thinking about ending your life, and are you safe right now?",
];

const ENCOURAGEMENT: &[&str] = &[
    "Talking to someone you trust, like a friend, a family member or a doctor, can make this feel less heavy.",
    "You don't have to face this alone: someone you trust or a trained counsellor can really help.",
    "Could you reach out to someone close to you today, or to one of the services below? They want to help.",
];

const REDIRECT_OPENINGS: &[&str] = &[
    "I can't go into the specifics of that, but there's a lot I can help with.",
    "I'll leave out the details of that part, but I'd like to help with what's behind it.",
    "That part I can't get into. Here's what I can do instead.",
];

const REDIRECT_CLOSINGS: &[&str] = &["Would that help?", "What would be most useful?", "Shall we start there?"];

const DECLINE_OPENINGS: &[&str] =
    &["I can't help with that.", "That's not something I can help with.", "I won't be able to help with this one."];

const DECLINE_REASONS: &[&str] =
    &["It could put people at risk.", "It could cause real harm to others.", "Helping with it could hurt someone."];

const DETER_OPENINGS: &[&str] = &[
    "I can't help with this, however it's asked.",
    "This is something I won't help with, and rephrasing won't change that.",
    "I'm not able to help with this request in any form.",
];

/// Nacre's message for `strategy`, or an empty string when the message is passed on.
pub(super) fn message(strategy: Strategy, category: Category, resources: &[Topic], seed: u64) -> String {
    let door = pick(&doors(category), seed, 0);
    let parts: Vec<&str> = match strategy {
        Strategy::Answer | Strategy::AnswerWithCare | Strategy::Correct => Vec::new(),
        Strategy::Redirect => vec![pick(REDIRECT_OPENINGS, seed, 1), door, pick(REDIRECT_CLOSINGS, seed, 2)],
        Strategy::Decline => vec![pick(DECLINE_OPENINGS, seed, 1), pick(DECLINE_REASONS, seed, 2), door],
        Strategy::Deter => vec![pick(DETER_OPENINGS, seed, 1), door],
        Strategy::Support => {
            let questions = if category == Category::SelfHarm { SELF_HARM_QUESTIONS } else { SAFETY_QUESTIONS };
            let mut parts = vec![pick(EMPATHY, seed, 1)];
            parts.extend(reassurance(category));
            parts.push(pick(questions, seed, 2));
            parts.push(pick(ENCOURAGEMENT, seed, 3));
            if resources.contains(&Topic::Emergency) {
                parts.push("If you are in immediate danger, please call the emergency number below.");
            } else if !resources.is_empty() {
                parts.push("The services below are free, confidential and there to listen.");
            }
            parts
        }
    };
    parts.join(" ")
}
