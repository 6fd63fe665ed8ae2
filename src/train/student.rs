//! The student's model file, assembled from the teacher's: the pruned tokenizer, the word
//! embeddings of the kept tokens, the position embeddings it can reach, the chosen teacher
//! layers renumbered from 0, the teacher's heads, and any trained weights in their place.

use super::vocab::Pruned;
use crate::artifact::{Artifact, ArtifactWriter, Precision, Weights};
use crate::error::Result;
use crate::model::{EncoderConfig, HeadsConfig};
use std::collections::BTreeMap;

/// The student's name in its artifact.
pub const NAME: &str = "nacre-student";

/// The shape of the student made of teacher layers `layers` reading `max_len` tokens.
pub fn config(teacher: &Artifact, pruned: &Pruned, layers: &[usize], max_len: usize) -> Result<EncoderConfig> {
    let teacher: EncoderConfig = teacher.document("encoder")?;
    Ok(EncoderConfig {
        vocab_size: pruned.kept.len(),
        num_layers: layers.len(),
        max_position: max_len,
        max_len,
        ..teacher
    })
}

/// The student artifact: the teacher's weights as chosen, `trained` weights (student
/// names: `encoder.layer.{i}.*` stored int8, `heads.*` f32) in their place, and `documents`.
pub fn file(
    teacher: &Artifact,
    pruned: &Pruned,
    layers: &[usize],
    max_len: usize,
    trained: &[(String, Weights)],
    documents: &[(&str, serde_json::Value)],
) -> Result<Vec<u8>> {
    let config = config(teacher, pruned, layers, max_len)?;
    let mut writer = ArtifactWriter::new(NAME, env!("CARGO_PKG_VERSION"), &pruned.tokenizer_json);
    writer.document("encoder", serde_json::to_value(&config).expect("config serializes"));
    let heads: HeadsConfig = teacher.document("heads")?;
    writer.document("heads", serde_json::to_value(heads).expect("heads config serializes"));
    for (name, document) in documents {
        writer.document(name, document.clone());
    }
    // Student tensor name → (teacher tensor name, rows kept).
    let mut chosen: BTreeMap<String, (String, Option<Vec<usize>>)> = BTreeMap::new();
    for name in teacher.header.tensors.keys() {
        let rows = match name.as_str() {
            "embeddings.word_embeddings.weight" => Some(pruned.kept.iter().map(|&id| id as usize).collect()),
            "embeddings.position_embeddings.weight" => Some((0..max_len).collect()),
            _ => None,
        };
        if name.starts_with("embeddings.") || name.starts_with("heads.") {
            chosen.insert(name.clone(), (name.clone(), rows));
        }
        for (student, &layer) in layers.iter().enumerate() {
            if let Some(rest) = name.strip_prefix(&format!("encoder.layer.{layer}.")) {
                chosen.insert(format!("encoder.layer.{student}.{rest}"), (name.clone(), None));
            }
        }
    }
    let replaced: BTreeMap<&str, &Weights> = trained.iter().map(|(name, w)| (name.as_str(), w)).collect();
    for (name, (source, rows)) in &chosen {
        if replaced.contains_key(name.as_str()) {
            continue;
        }
        let weights = teacher.tensor(source)?;
        let weights = match rows {
            Some(rows) => gather(&weights, rows),
            None => weights,
        };
        writer.tensor(name, &weights, teacher.header.tensors[source].precision);
    }
    for (name, weights) in replaced {
        let precision = if name.starts_with("heads.") { Precision::F32 } else { Precision::I8 };
        writer.tensor(name, weights, precision);
    }
    Ok(writer.finish())
}

/// Rows `rows` of a matrix, in that order.
fn gather(weights: &Weights, rows: &[usize]) -> Weights {
    let cols = weights.shape[1];
    let values = rows.iter().flat_map(|&r| &weights.values[r * cols..(r + 1) * cols]).copied().collect();
    Weights { shape: vec![rows.len(), cols], values }
}
