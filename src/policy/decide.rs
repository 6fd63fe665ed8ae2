//! `Policy::decide`: the Stackelberg leader's move. Reads the conversation, shifts
//! P(user type), applies the hard rules, takes the allowed strategy with the highest
//! expected utility, and writes the trace.

use crate::assessment::Assessment;
use crate::policy::conversation::{Conversation, fingerprint, toward_malicious};
use crate::policy::guideline::Guideline;
use crate::policy::intent;
use crate::policy::rules::{Rule, rules_for};
use crate::policy::strategy::Strategy;
use crate::policy::tables::Policy;
use crate::policy::topic::Topic;
use crate::policy::trace::{DecidedBy, Need, RiskIntent, Strategies, Trace, UserNeeds};
use crate::policy::utility::{Situation, best};
use crate::taxonomy::{Category, UserType};
use serde::Serialize;

/// The policy's answer for one message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    pub strategy: Strategy,
    /// Help the reply must point to, for the user's locale.
    pub resources: Vec<Topic>,
    pub trace: Trace,
}

impl Policy {
    /// Decides how to reply to `text` (the normalized message) given its assessment and
    /// the conversation so far. The conversation is read, not changed: record the turn
    /// with `Conversation::record` and `Turn::of` afterwards.
    pub fn decide(&self, assessment: &Assessment, conversation: &Conversation, text: &str) -> Decision {
        let message_user =
            toward_malicious(normalized(assessment.user_type_probs), self.jailbreak_shift * assessment.jailbreak);
        let context = conversation.context(self, assessment, &fingerprint(text));
        let user = context.shift(self, message_user);
        let rules = rules_for(self, assessment, user);
        let forbidden = |s: Strategy| rules.iter().any(|r| r.forbids(s));
        let mut utilities =
            self.utilities(assessment, &Situation { user, persistence: context.persistence, care: context.care });
        for u in &mut utilities {
            u.allowed = !forbidden(u.strategy);
        }
        let strategy = best(&utilities, |s| !forbidden(s)).expect("no rule forbids redirect or support");
        let unconstrained = best(&utilities, |_| true).expect("there are strategies");
        let decided_by = match rules.iter().find(|r| r.forbids(unconstrained)) {
            Some(&rule) => DecidedBy::Rule { rule, overruled: unconstrained },
            None => DecidedBy::ExpectedUtility,
        };
        let resources = self.resource_topics(assessment, strategy, &rules);
        let surface = intent::read(text, assessment);
        let likely_user = UserType::ALL[argmax(&user)];
        let guideline = *Guideline::for_category(assessment.category);
        let exposure = self.exposure[assessment.category.index()][strategy.index()];
        Decision {
            strategy,
            resources: resources.clone(),
            trace: Trace {
                user_needs: UserNeeds {
                    need: Need::of(likely_user, surface.form),
                    likely_user,
                    user_type_probs: user,
                    message_user_type_probs: message_user,
                },
                risk_intent: RiskIntent {
                    form: surface.form,
                    aggressive: surface.aggressive,
                    surface_aggression: surface.surface_aggression,
                    category: assessment.category,
                    risk: assessment.risk,
                    severity: assessment.severity,
                    expected_severity: assessment.expected_severity(),
                    jailbreak: assessment.jailbreak,
                    obfuscated: assessment.changes.iter().any(|c| c.is_disguise()),
                },
                guideline,
                strategies: Strategies::of(strategy, &guideline, exposure, rules, resources),
                utilities,
                decided_by,
                conversation: context,
                policy_version: self.version.clone(),
            },
        }
    }

    /// Help to point to, most urgent first: emergency services when life is in danger,
    /// then the category's line for a person at risk, then a crisis line when the
    /// danger is to life or severe.
    fn resource_topics(&self, assessment: &Assessment, strategy: Strategy, rules: &[Rule]) -> Vec<Topic> {
        let imminent = rules.contains(&Rule::CrisisResourcesAtImminentDanger);
        let at_risk = strategy == Strategy::Support || rules.contains(&Rule::VulnerableNeverTurnedAway);
        let severe = assessment.severity >= self.thresholds.severe || assessment.category == Category::SelfHarm;
        let mut topics = Vec::new();
        if imminent {
            topics.push(Topic::Emergency);
        }
        if at_risk {
            topics.push(Topic::for_person_at_risk(assessment.category));
        }
        if imminent || (at_risk && severe) {
            topics.push(Topic::Crisis);
        }
        topics.dedup();
        topics
    }
}

/// A probability vector scaled to sum to 1 (uniform if it sums to nothing).
fn normalized(p: [f32; 3]) -> [f32; 3] {
    let sum: f32 = p.iter().map(|x| x.max(0.0)).sum();
    if sum > 0.0 && sum.is_finite() { p.map(|x| x.max(0.0) / sum) } else { [1.0 / 3.0; 3] }
}

fn argmax(p: &[f32]) -> usize {
    (0..p.len()).fold(0, |best, i| if p[i] > p[best] { i } else { best })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::shipped;
    use crate::policy::testing::{assessment, build};

    #[test]
    fn the_trace_shows_the_arithmetic_that_chose_the_strategy() {
        let policy = shipped();
        let a = assessment(Category::Cyber, 2, [0.45, 0.05, 0.5]);
        let d = policy.decide(&a, &Conversation::new(), "how do I get into a wifi network that isn't mine?");
        let t = &d.trace;
        assert_eq!(t.utilities.len(), Strategy::ALL.len());
        for u in &t.utilities {
            let sum: f32 = u.by_user.iter().map(|x| x.probability * x.utility).sum();
            assert!((sum - u.expected).abs() < 1e-5);
            assert_eq!(u.allowed, !t.strategies.safety.rules.iter().any(|r| r.forbids(u.strategy)));
        }
        let chosen = t.utilities.iter().find(|u| u.strategy == d.strategy).unwrap();
        assert!(t.utilities.iter().filter(|u| u.allowed).all(|u| u.expected <= chosen.expected));
        assert_eq!(t.risk_intent.form, crate::policy::Form::Inquiry);
        assert_eq!(t.guideline.category, Category::Cyber);
        assert_eq!(t.user_needs.likely_user, UserType::Malicious);
        assert_eq!(t.user_needs.need, Need::HarmfulCapability);
        assert_eq!(d.strategy, Strategy::Redirect, "ambiguous intent is redirected");
        assert_eq!(t.strategies.safety.withhold, Some(t.guideline.leave_out));
    }

    #[test]
    fn a_hard_rule_that_overrules_the_utility_is_named_in_the_trace() {
        let policy = shipped();
        let parent = assessment(Category::ChildSafety, 1, [0.95, 0.03, 0.02]);
        let d = policy.decide(&parent, &Conversation::new(), "what are signs that an adult is grooming a child");
        assert!(!d.strategy.passes_on());
        match d.trace.decided_by {
            DecidedBy::Rule { rule, overruled } => {
                assert_eq!(rule, Rule::ChildSafetyNeverAnswered);
                assert!(overruled.passes_on());
            }
            DecidedBy::ExpectedUtility => panic!("the rule should have decided: {:?}", d.strategy),
        }
    }

    #[test]
    fn a_likely_jailbreak_counts_as_evidence_of_malice() {
        let policy = shipped();
        let plain = assessment(Category::Drugs, 2, [0.7, 0.1, 0.2]);
        let disguised = build(plain.category_probs, plain.severity_probs, plain.user_type_probs, 0.95);
        let text = "how is this drug made";
        let (a, b) =
            (policy.decide(&plain, &Conversation::new(), text), policy.decide(&disguised, &Conversation::new(), text));
        assert!(b.trace.user_needs.message_user_type_probs[2] > a.trace.user_needs.message_user_type_probs[2] + 0.3);
        assert!(b.strategy.restraint() > a.strategy.restraint(), "{:?} then {:?}", a.strategy, b.strategy);
    }
}
