//! Hard rules (design.md): constraints that outrank the expected utility. Each rule
//! names the strategies it forbids; the thresholds come from the policy file.

use crate::assessment::Assessment;
use crate::policy::strategy::Strategy;
use crate::policy::tables::Policy;
use crate::taxonomy::{Category, UserType};
use serde::Serialize;

/// A rule that held for this message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// Child safety is never answered, in any form.
    ChildSafetyNeverAnswered,
    /// Nothing operational for weapons and CBRNE at a severe level.
    NothingOperationalForCbrne,
    /// A likely malicious user at a severe level gets no answer.
    NoAnswerToSevereMalice,
    /// A likely vulnerable user is never turned away and always gets resources.
    VulnerableNeverTurnedAway,
    /// Imminent danger with any chance of a person at risk brings crisis resources.
    CrisisResourcesAtImminentDanger,
}

impl Rule {
    /// Whether this rule rules out `strategy`.
    pub fn forbids(self, strategy: Strategy) -> bool {
        match self {
            Self::ChildSafetyNeverAnswered | Self::NothingOperationalForCbrne => strategy.passes_on(),
            Self::NoAnswerToSevereMalice => matches!(strategy, Strategy::Answer | Strategy::AnswerWithCare),
            Self::VulnerableNeverTurnedAway => strategy.refuses(),
            Self::CrisisResourcesAtImminentDanger => false,
        }
    }
}

/// The rules that hold for a message. `user` is P(user type) after the conversation;
/// a user type counts as likely if either the message alone or the conversation shows it.
pub(super) fn rules_for(policy: &Policy, assessment: &Assessment, user: [f32; 3]) -> Vec<Rule> {
    let t = &policy.thresholds;
    let severe = assessment.severity >= t.severe;
    let likely = |t: UserType| assessment.p_user(t).max(user[t.index()]);
    let vulnerable = likely(UserType::Vulnerable);
    let about = |category: Category, threshold: f32| {
        assessment.category == category || assessment.p_category(category) >= threshold
    };
    let mut rules = Vec::new();
    if about(Category::ChildSafety, t.child_safety) {
        rules.push(Rule::ChildSafetyNeverAnswered);
    }
    if severe && about(Category::WeaponsCbrne, t.weapons_cbrne) {
        rules.push(Rule::NothingOperationalForCbrne);
    }
    if severe && likely(UserType::Malicious) >= t.likely {
        rules.push(Rule::NoAnswerToSevereMalice);
    }
    if vulnerable >= t.likely {
        rules.push(Rule::VulnerableNeverTurnedAway);
    }
    if assessment.severity == 4 && vulnerable >= t.crisis_vulnerable {
        rules.push(Rule::CrisisResourcesAtImminentDanger);
    }
    rules
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_and_support_stay_open_under_every_rule() {
        let all = [
            Rule::ChildSafetyNeverAnswered,
            Rule::NothingOperationalForCbrne,
            Rule::NoAnswerToSevereMalice,
            Rule::VulnerableNeverTurnedAway,
            Rule::CrisisResourcesAtImminentDanger,
        ];
        for rule in all {
            assert!(!rule.forbids(Strategy::Redirect) && !rule.forbids(Strategy::Support), "{rule:?}");
        }
        assert!(Rule::ChildSafetyNeverAnswered.forbids(Strategy::Correct));
        assert!(Rule::VulnerableNeverTurnedAway.forbids(Strategy::Deter));
    }
}
