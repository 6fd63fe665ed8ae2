//! From text to `Assessment`: normalize and tokenize (`Prepared`: the text, or its
//! decoded form, in overlapping token windows when long), run the encoder and heads on
//! every window. A text's risk is its riskiest window's; what the harm is (category,
//! user type, severity, evidence tokens) is read from its last risky window, since a
//! wrapped request follows its template. Undone disguises raise the jailbreak probability.

use crate::assessment::Assessment;
use crate::error::{Error, ErrorCode, Result};
use crate::model::{Batch, CATEGORIES, Encoder, Heads, JAILBREAK, SEVERITIES, USER_TYPES, l2_normalize, pool};
use crate::normalize::{Change, normalize};
use crate::taxonomy::{Category, UserType};
use crate::tokenize::Tokenizer;
use burn::tensor::activation::log_softmax;
use burn::tensor::{Device, Tensor};

/// The longest text, in characters other than whitespace after normalization, that is read.
pub const MAX_CHARS: usize = 65_536;
/// The most token windows read for one text: the bound on the work per text. Text beyond it is reported as `Change::Truncated`.
pub const MAX_WINDOWS: usize = 64;
/// Windows per encoder pass: bounds memory whatever the number of windows.
const ROWS_PER_PASS: usize = 16;
/// P(jailbreak) is at least this when normalization undid a disguise (noisy-or with the head).
const DISGUISED_JAILBREAK: f32 = 0.5;
/// A window is risky above this risk: it reads as more likely harmful than not.
const RISKY: f32 = 0.5;
/// How many evidence tokens an assessment lists.
const EVIDENCE: usize = 5;
const WIDTH: usize = CATEGORIES + USER_TYPES + SEVERITIES + JAILBREAK;

/// A text made ready for the encoder.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// Token ids of the start of the cleaned text: what `embed` reads.
    pub ids: Vec<u32>,
    /// The windows an assessment reads (never empty): the text, or the decoded text when
    /// it had encoded parts (raw base64 or rot13 only says "encoded", which the jailbreak
    /// probability already carries), in overlapping windows when long. The worst decides.
    pub windows: Vec<Vec<u32>>,
    pub changes: Vec<Change>,
}

/// Normalizes and tokenizes; text that is empty after clean-up is `EMPTY_TEXT`.
pub fn prepare(tokenizer: &Tokenizer, text: &str) -> Result<Prepared> {
    let normalized = normalize(text, MAX_CHARS, &|word| tokenizer.word_id(word));
    if normalized.text.is_empty() {
        return Err(Error::new(ErrorCode::EmptyText, "the text is empty"));
    }
    let mut changes = normalized.changes;
    let mut windows = match normalized.decoded.filter(|d| !d.is_empty()) {
        Some(decoded) => tokenizer.windows(&decoded)?,
        None => tokenizer.windows(&normalized.text)?,
    };
    if windows.len() > MAX_WINDOWS {
        windows.truncate(MAX_WINDOWS);
        changes.push(Change::Truncated);
        changes.sort();
        changes.dedup();
    }
    Ok(Prepared { ids: tokenizer.encode(&normalized.text)?, windows, changes })
}

async fn read(tensor: Tensor<2>) -> Result<Vec<f32>> {
    let data = tensor
        .into_data_async()
        .await
        .map_err(|e| Error::new(ErrorCode::Backend, format!("reading results: {e:?}")))?;
    data.try_to_vec::<f32>()
        .map_err(|e| Error::new(ErrorCode::Backend, format!("reading results: {e:?}")))
}

/// Pooled sentence vectors of the first window of each text, one row per text.
pub async fn embed(encoder: &Encoder, texts: &[Prepared], device: &Device) -> Result<Vec<Vec<f32>>> {
    let ids: Vec<&[u32]> = texts.iter().map(|t| t.ids.as_slice()).collect();
    let pooled = encoder.forward(&Batch::new(&ids, device));
    let width = pooled.dims()[1];
    Ok(read(pooled).await?.chunks(width).map(<[f32]>::to_vec).collect())
}

/// The window of one text whose judgement is reported, so far.
struct Judged {
    risk: f32,
    probs: Vec<f32>,
    evidence: Vec<String>,
}

impl Judged {
    /// Whether a later window with `risk` is reported instead: the last risky window wins
    /// (in a long jailbreak, template windows come before the request, and on dev this read
    /// the harm category right more often than the riskiest window did); until a window is
    /// risky, the riskiest.
    fn yields_to(&self, risk: f32) -> bool {
        risk > RISKY || (self.risk <= RISKY && risk > self.risk)
    }
}

/// Assesses prepared texts: every window of each, in passes of at most `ROWS_PER_PASS`;
/// each text gets the highest risk and jailbreak probability of any of its windows, and
/// the rest of the judgement of its last risky window (`Judged::yields_to`).
pub async fn assess(
    encoder: &Encoder,
    heads: &Heads,
    tokenizer: &Tokenizer,
    texts: &[Prepared],
    device: &Device,
) -> Result<Vec<Assessment>> {
    let rows: Vec<(usize, &[u32])> =
        texts.iter().enumerate().flat_map(|(i, text)| text.windows.iter().map(move |w| (i, w.as_slice()))).collect();
    let mut judged: Vec<Option<Judged>> = texts.iter().map(|_| None).collect();
    let mut riskiest = vec![0.0f32; texts.len()];
    let mut jailbreak = vec![0.0f32; texts.len()];
    for pass in rows.chunks(ROWS_PER_PASS) {
        let ids: Vec<&[u32]> = pass.iter().map(|(_, w)| *w).collect();
        let batch = Batch::new(&ids, device);
        let hidden = encoder.hidden_states(&batch);
        let [count, seq, width] = hidden.dims();
        let probs = read(heads.probs(heads.forward(pool(hidden.clone(), &batch)))).await?;
        // Evidence: how strongly each token, on its own, points to each category.
        let tokens = l2_normalize(hidden.reshape([count * seq, width]));
        let token_scores = read(log_softmax(heads.forward(tokens).category, 1)).await?;
        for (row, &(text, window)) in pass.iter().enumerate() {
            let probs = &probs[row * WIDTH..(row + 1) * WIDTH];
            let risk = Assessment::risk_of(&probs[..CATEGORIES], &probs[CATEGORIES..CATEGORIES + USER_TYPES]);
            riskiest[text] = riskiest[text].max(risk);
            jailbreak[text] = jailbreak[text].max(probs[WIDTH - 1]);
            if judged[text].as_ref().is_none_or(|j| j.yields_to(risk)) {
                let category = argmax(&probs[..CATEGORIES]);
                let scores = (0..window.len()).map(|t| token_scores[(row * seq + t) * CATEGORIES + category]);
                let evidence = evidence(tokenizer, window, scores);
                judged[text] = Some(Judged { risk, probs: probs.to_vec(), evidence });
            }
        }
    }
    Ok(texts
        .iter()
        .zip(judged.into_iter().zip(riskiest.into_iter().zip(jailbreak)))
        .map(|(text, (judged, (risk, jailbreak)))| {
            let judged = judged.expect("every text has a window");
            let mut assessment = from_probs(&judged.probs, text.changes.clone());
            assessment.risk = risk;
            assessment.evidence = judged.evidence;
            assessment.jailbreak = with_disguise(jailbreak, &text.changes);
            assessment
        })
        .collect())
}

/// The jailbreak probability, raised when a disguise was undone: disguise is evidence.
fn with_disguise(jailbreak: f32, changes: &[Change]) -> f32 {
    if changes.iter().any(|c| c.is_disguise()) {
        1.0 - (1.0 - jailbreak) * (1.0 - DISGUISED_JAILBREAK)
    } else {
        jailbreak
    }
}

fn argmax(values: &[f32]) -> usize {
    values.iter().enumerate().fold(0, |best, (i, v)| if *v > values[best] { i } else { best })
}

/// The assessment for one row of head probabilities (evidence left empty).
pub fn from_probs(row: &[f32], changes: Vec<Change>) -> Assessment {
    let (category_probs, rest) = row.split_at(CATEGORIES);
    let (user_type_probs, rest) = rest.split_at(USER_TYPES);
    let (severity_probs, jailbreak) = rest.split_at(SEVERITIES);
    let category_probs: [f32; CATEGORIES] = category_probs.try_into().expect("width");
    let user_type_probs: [f32; USER_TYPES] = user_type_probs.try_into().expect("width");
    let severity_probs: [f32; SEVERITIES] = severity_probs.try_into().expect("width");
    Assessment {
        category: Category::ALL[argmax(&category_probs)],
        risk: Assessment::risk_of(&category_probs, &user_type_probs),
        category_probs,
        user_type: UserType::ALL[argmax(&user_type_probs)],
        user_type_probs,
        severity: argmax(&severity_probs) as u8,
        severity_probs,
        jailbreak: jailbreak[1],
        evidence: Vec::new(),
        changes,
    }
}

/// The highest-scoring distinct word pieces, skipping special tokens and punctuation.
fn evidence(tokenizer: &Tokenizer, ids: &[u32], scores: impl Iterator<Item = f32>) -> Vec<String> {
    let mut scored: Vec<(f32, String)> = ids
        .iter()
        .zip(scores)
        .filter_map(|(&id, score)| {
            let token = tokenizer.id_to_token(id)?;
            let word = token.trim_start_matches("##");
            let meaningful = !token.starts_with('[') && word.chars().any(char::is_alphanumeric);
            meaningful.then(|| (score, word.to_string()))
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut words: Vec<String> = Vec::new();
    for (_, word) in scored {
        if !words.contains(&word) {
            words.push(word);
        }
        if words.len() == EVIDENCE {
            break;
        }
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_risky_window_is_reported() {
        let judged = |risk| Judged { risk, probs: Vec::new(), evidence: Vec::new() };
        // A risky window gives way to any later risky one, even a less risky one.
        assert!(judged(0.99).yields_to(0.6));
        assert!(!judged(0.99).yields_to(0.4));
        // Until a window is risky, the riskiest is reported.
        assert!(judged(0.2).yields_to(0.3));
        assert!(!judged(0.3).yields_to(0.2));
    }

    #[test]
    fn from_probs_reads_each_head_in_order() {
        let mut row = vec![0.0; WIDTH];
        row[Category::Cyber.index()] = 0.7;
        row[Category::None.index()] = 0.3;
        row[CATEGORIES + UserType::Malicious.index()] = 0.9;
        row[CATEGORIES + 1] = 0.1;
        row[CATEGORIES + USER_TYPES + 3] = 1.0;
        row[WIDTH - 2] = 0.2;
        row[WIDTH - 1] = 0.8;
        let a = from_probs(&row, vec![Change::Invisible]);
        assert_eq!(a.category, Category::Cyber);
        assert!((a.risk - (0.7 + 1.0) / 2.0).abs() < 1e-6, "the mean of 1 − P(none) and 1 − P(benign)");
        assert_eq!(a.user_type, UserType::Malicious);
        assert_eq!(a.severity, 3);
        assert!((a.jailbreak - 0.8).abs() < 1e-6);
        assert_eq!(a.changes, vec![Change::Invisible]);
    }

    #[test]
    fn a_disguise_raises_the_jailbreak_probability() {
        assert_eq!(with_disguise(0.2, &[Change::Compatibility, Change::Repeated]), 0.2);
        assert!((with_disguise(0.2, &[Change::Base64]) - 0.6).abs() < 1e-6);
    }

}
