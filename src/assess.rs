//! From text to `Assessment`: normalize and tokenize (`Prepared`), run the encoder and
//! heads on a batch, and turn the probabilities into an `Assessment` with evidence tokens.

use crate::assessment::Assessment;
use crate::error::{Error, ErrorCode, Result};
use crate::model::{Batch, CATEGORIES, Encoder, Heads, JAILBREAK, Logits, SEVERITIES, USER_TYPES, l2_normalize, pool};
use crate::normalize::{Change, normalize};
use crate::taxonomy::{Category, UserType};
use crate::tokenize::Tokenizer;
use burn::tensor::activation::{log_softmax, softmax};
use burn::tensor::{Device, Tensor};

/// The longest text, in characters after normalization, that is read.
pub const MAX_CHARS: usize = 65_536;
/// How many evidence tokens an assessment lists.
const EVIDENCE: usize = 5;
const WIDTH: usize = CATEGORIES + USER_TYPES + SEVERITIES + JAILBREAK;

/// A text made ready for the encoder.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub ids: Vec<u32>,
    pub changes: Vec<Change>,
}

/// Normalizes and tokenizes; text that is empty after clean-up is `EMPTY_TEXT`.
pub fn prepare(tokenizer: &Tokenizer, text: &str) -> Result<Prepared> {
    let normalized = normalize(text, MAX_CHARS);
    if normalized.text.is_empty() {
        return Err(Error::new(ErrorCode::EmptyText, "the text is empty"));
    }
    Ok(Prepared { ids: tokenizer.encode(&normalized.text)?, changes: normalized.changes })
}

async fn read(tensor: Tensor<2>) -> Result<Vec<f32>> {
    let data = tensor
        .into_data_async()
        .await
        .map_err(|e| Error::new(ErrorCode::Backend, format!("reading results: {e:?}")))?;
    data.try_to_vec::<f32>()
        .map_err(|e| Error::new(ErrorCode::Backend, format!("reading results: {e:?}")))
}

/// The padded encoder batch of prepared texts.
fn batch(texts: &[Prepared], device: &Device) -> Batch {
    let ids: Vec<&[u32]> = texts.iter().map(|t| t.ids.as_slice()).collect();
    Batch::new(&ids, device)
}

/// Pooled sentence vectors of a batch, one row per text.
pub async fn embed(encoder: &Encoder, texts: &[Prepared], device: &Device) -> Result<Vec<Vec<f32>>> {
    let pooled = encoder.forward(&batch(texts, device));
    let width = pooled.dims()[1];
    Ok(read(pooled).await?.chunks(width).map(<[f32]>::to_vec).collect())
}

/// Probabilities of every head, as one `[batch, WIDTH]` tensor.
pub fn head_probs(logits: Logits) -> Tensor<2> {
    Tensor::cat(
        vec![
            softmax(logits.category, 1),
            softmax(logits.user_type, 1),
            softmax(logits.severity, 1),
            softmax(logits.jailbreak, 1),
        ],
        1,
    )
}

/// Assesses a batch of prepared texts.
pub async fn assess(
    encoder: &Encoder,
    heads: &Heads,
    tokenizer: &Tokenizer,
    texts: &[Prepared],
    device: &Device,
) -> Result<Vec<Assessment>> {
    let batch = batch(texts, device);
    let hidden = encoder.hidden_states(&batch);
    let [rows, seq, width] = hidden.dims();
    let probs = read(head_probs(heads.forward(pool(hidden.clone(), &batch)))).await?;
    // Evidence: how strongly each token, on its own, points to the message's category.
    let tokens = l2_normalize(hidden.reshape([rows * seq, width]));
    let token_scores = log_softmax(heads.forward(tokens).category, 1);
    let token_scores = read(token_scores).await?;
    Ok(texts
        .iter()
        .enumerate()
        .map(|(row, text)| {
            let mut assessment = from_probs(&probs[row * WIDTH..(row + 1) * WIDTH], text.changes.clone());
            let category = assessment.category.index();
            let scores = (0..text.ids.len()).map(|t| token_scores[(row * seq + t) * CATEGORIES + category]);
            assessment.evidence = evidence(tokenizer, &text.ids, scores);
            assessment
        })
        .collect())
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
        risk: 1.0 - category_probs[Category::None.index()],
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
        assert!((a.risk - 0.7).abs() < 1e-6);
        assert_eq!(a.user_type, UserType::Malicious);
        assert_eq!(a.severity, 3);
        assert!((a.jailbreak - 0.8).abs() < 1e-6);
        assert_eq!(a.changes, vec![Change::Invisible]);
    }
}
