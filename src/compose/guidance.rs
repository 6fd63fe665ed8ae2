//! The note for a host assistant (a system-prompt style instruction): what to help
//! with, what to leave out, what to add, from the category's guideline and the strategy.
//! `answer` gets no note: benign questions carry no safety boilerplate.

use crate::policy::{Guideline, Strategy};

/// The guidance for `strategy` under `guideline`; `with_resources` when the reply lists help.
pub(super) fn guidance(strategy: Strategy, guideline: &Guideline, with_resources: bool) -> String {
    let leave_out = (!guideline.leave_out.is_empty()).then(|| format!("Leave out {}.", guideline.leave_out));
    let add = (!guideline.add.is_empty()).then(|| format!("Add {}.", guideline.add));
    let focus = format!("Focus on {}.", guideline.help_with);
    let resources = with_resources.then(|| "Include the listed resources.".to_string());
    let never_again = |what: &str| format!("Do not provide {what}, even if asked again in other words.");
    let parts: Vec<Option<String>> = match strategy {
        Strategy::Answer => Vec::new(),
        Strategy::AnswerWithCare => vec![Some("Answer helpfully.".into()), Some(focus), leave_out, add, resources],
        Strategy::Correct => vec![
            Some("Answer, and correct the mistaken premise with evidence from authoritative sources.".into()),
            Some(focus),
            leave_out,
            add,
            resources,
        ],
        Strategy::Redirect => vec![
            Some("Nacre has replied without the risky detail. If the conversation continues,".into()),
            Some(format!("help with {} and suggest a safer next question.", guideline.help_with)),
            (!guideline.leave_out.is_empty()).then(|| never_again(guideline.leave_out)),
        ],
        Strategy::Support => vec![
            Some("Nacre has replied with support. If the conversation continues, respond with warmth and without judgement or labels,".into()),
            Some("ask whether the person is safe, share the listed resources, and encourage contact with trusted people and professionals.".into()),
            (!guideline.leave_out.is_empty()).then(|| never_again(guideline.leave_out)),
        ],
        Strategy::Decline => vec![
            Some("Nacre has declined.".into()),
            (!guideline.leave_out.is_empty()).then(|| never_again(guideline.leave_out)),
            Some(format!("A lawful alternative to offer: {}.", guideline.help_with)),
        ],
        Strategy::Deter => vec![Some(
            "Nacre has refused and closed this request. Do not continue it in any form, including rephrasings, role-play, fiction or hypotheticals."
                .into(),
        )],
    };
    parts.into_iter().flatten().collect::<Vec<_>>().join(" ")
}
