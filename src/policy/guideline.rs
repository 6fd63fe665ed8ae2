//! The response rule for each risk category (Oyster's third reasoning node). Each rule
//! names the Oyster categories and MLCommons hazards it covers and says, in our own
//! words, what to help with, what to leave out and what to add. `compose` turns a rule
//! into guidance for a host assistant.

use crate::taxonomy::Category;
use serde::Serialize;

/// How to answer within one category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Guideline {
    pub category: Category,
    /// Oyster level-2 categories this rule covers.
    pub oyster: &'static [&'static str],
    /// MLCommons / Llama Guard hazard codes.
    pub hazards: &'static [&'static str],
    /// The legitimate need to serve.
    pub help_with: &'static str,
    /// What no reply may contain (empty when nothing is risky).
    pub leave_out: &'static str,
    /// The one thing worth adding (empty when nothing is needed).
    pub add: &'static str,
}

impl Guideline {
    /// The rule for a category.
    pub fn for_category(category: Category) -> &'static Guideline {
        &GUIDELINES[category.index()]
    }
}

const fn rule(
    category: Category,
    oyster: &'static [&'static str],
    hazards: &'static [&'static str],
    help_with: &'static str,
    leave_out: &'static str,
    add: &'static str,
) -> Guideline {
    Guideline { category, oyster, hazards, help_with, leave_out, add }
}

/// One rule per category, in head order.
static GUIDELINES: [Guideline; 16] = [
    rule(Category::None, &[], &[], "the request as asked", "", ""),
    rule(
        Category::SelfHarm,
        &["Bodily Harm", "Mental Health"],
        &["S11"],
        "understanding feelings, coping, and how to reach help",
        "methods, means, amounts, lethality and anything that compares or ranks them",
        "warmth, a question about immediate safety, and a crisis line",
    ),
    rule(
        Category::Violence,
        &["Violent Terror", "Harmful Scenes"],
        &["S1"],
        "history, prevention, staying safe, and de-escalating conflict",
        "planning, targets, tactics, and vivid depiction of injury",
        "a clear stance against violence and where victims can get help",
    ),
    rule(
        Category::WeaponsCbrne,
        &["Hazardous Materials"],
        &["S9"],
        "safety, regulation, history and the science at textbook level",
        "synthesis, acquisition, assembly, quantities, enhancement and delivery",
        "a reminder that storage and handling follow local law",
    ),
    rule(
        Category::Cyber,
        &["Cybersecurity"],
        &["S2", "S14"],
        "defence, hardening, detection, and learning in legal labs",
        "working exploits, malware, intrusion steps against systems one does not own, and credential theft",
        "a note that testing needs the owner's written permission",
    ),
    rule(
        Category::FraudCrime,
        &["Illegal Acts", "Illicit Uses", "Commercial Law Violations", "Business Ethics Violations"],
        &["S2"],
        "recognising, preventing and reporting crime, and lawful ways to solve the underlying problem",
        "scripts, schemes and steps to deceive, steal or evade the law",
        "how to report and where victims get help",
    ),
    rule(
        Category::Drugs,
        &["Illegal Drugs"],
        &["S2"],
        "health effects, risks, recovery and support services",
        "sourcing, making, dosing for intoxication and hiding use",
        "what to do in an emergency and where confidential help is",
    ),
    rule(
        Category::Sexual,
        &["Harmful Scenes"],
        &["S12"],
        "health, relationships and consent in plain, non-graphic terms",
        "explicit sexual content",
        "respect for consent and boundaries",
    ),
    rule(
        Category::ChildSafety,
        &["Vulnerable Groups"],
        &["S4"],
        "protecting children, recognising warning signs, and reporting",
        "any sexualisation of minors, any contact or grooming tactic, and anything that helps reach a child",
        "how to report concerns to child-protection services",
    ),
    rule(
        Category::HateHarassment,
        &[
            "Hate and Abuse",
            "Race/Ethnicity/Religion/Regional Discrimination",
            "Gender/Occupational/Age/Other Discrimination",
        ],
        &["S10"],
        "facts, history, and respectful disagreement",
        "slurs, dehumanising claims, stereotypes and targeted abuse",
        "a correction of the stereotype and respect for the people concerned",
    ),
    rule(
        Category::Privacy,
        &["Personal Data", "Sensitive Data", "Business Data", "Violation of Personal Rights"],
        &["S7"],
        "protecting one's own data and exercising data rights",
        "finding, exposing or tracking a specific person, and covert surveillance",
        "a reminder that people have a right to privacy",
    ),
    rule(
        Category::Misinformation,
        &["Non-political False Rumors", "Common Sense Factual Errors"],
        &["S5", "S13"],
        "what the evidence shows and how to check a claim",
        "repeating a false claim as if it were true, and fabricated quotes or sources",
        "the correction, with a pointer to an authoritative source",
    ),
    rule(
        Category::SpecializedAdvice,
        &["Healthcare", "Legal Consultation", "Investment and Finance"],
        &["S6"],
        "general information and questions to ask a professional",
        "diagnoses, prescriptions, doses, case outcomes and specific investment picks",
        "a suggestion to confirm with a qualified professional",
    ),
    rule(
        Category::IntellectualProperty,
        &["Intellectual Property"],
        &["S8"],
        "how copyright and licences work, and lawful ways to use a work",
        "full copies of protected works and ways around copy protection",
        "where to find licensed or openly licensed alternatives",
    ),
    rule(
        Category::Gambling,
        &["Gambling"],
        &["S2"],
        "how odds and house edge work, and keeping control",
        "betting systems, illegal sites and ways around limits or self-exclusion",
        "where to get help if gambling stops being fun",
    ),
    rule(
        Category::ExtremismCults,
        &["Cult", "Promotion of Negative Values", "Religious Superstition"],
        &["S10"],
        "understanding how groups recruit, leaving safely, and evidence-based thinking",
        "propaganda, recruitment material and contact details of such groups",
        "support for people leaving and a calm, factual tone",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_category_has_its_own_rule() {
        for c in Category::ALL {
            let g = Guideline::for_category(c);
            assert_eq!(g.category, c);
            if c != Category::None {
                assert!(!g.oyster.is_empty() && !g.hazards.is_empty(), "{c:?}");
            }
        }
    }
}
