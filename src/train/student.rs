//! The student's model file, assembled from the teacher's: the pruned tokenizer, the word
//! embeddings of the kept tokens, the position embeddings it can reach, the chosen teacher
//! layers renumbered from 0 (their feed-forward layers narrowed to the strongest neurons
//! when the shape asks), the teacher's heads, and any trained weights in their place.
//! What distillation made (the pruned vocabulary, the trained weights, calibration) is also
//! kept on its own, small enough to commit: `assemble` rebuilds the student from it and the
//! encoder artifact.

use super::vocab::Pruned;
use crate::artifact::{Artifact, ArtifactWriter, Precision, Weights};
use crate::error::{Error, ErrorCode, Result};
use crate::model::{EncoderConfig, HeadsConfig};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The student's name in its artifact.
pub const NAME: &str = "nacre-student";
/// The name of the file of what distillation made.
pub const TRAINED_NAME: &str = "nacre-student-trained";

/// The student's network: which teacher layers it keeps (bottom first), the longest token
/// window it reads, and how many feed-forward neurons each layer keeps (`None`: all).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shape {
    pub layers: Vec<usize>,
    pub max_len: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intermediate_size: Option<usize>,
}

/// How a student is made of its encoder: its shape and which tokens it keeps.
#[derive(Serialize, Deserialize)]
struct Makeup {
    #[serde(flatten)]
    shape: Shape,
    kept: Vec<u32>,
}

/// What distillation made: the pruned tokenizer, the makeup, the heads' shape, the trained
/// weights (layers int8, heads f32) and `documents` (calibration, training record).
pub fn trained_file(
    pruned: &Pruned,
    shape: &Shape,
    heads: &HeadsConfig,
    trained: &[(String, Weights)],
    documents: &[(&str, serde_json::Value)],
) -> Vec<u8> {
    let mut writer = ArtifactWriter::new(TRAINED_NAME, env!("CARGO_PKG_VERSION"), &pruned.tokenizer_json);
    let makeup = Makeup { shape: shape.clone(), kept: pruned.kept.clone() };
    writer.document("student", serde_json::to_value(makeup).expect("makeup serializes"));
    writer.document("heads", serde_json::to_value(heads).expect("heads config serializes"));
    for (name, document) in documents {
        writer.document(name, document.clone());
    }
    for (name, weights) in trained {
        writer.tensor(name, weights, precision_of(name));
    }
    writer.finish()
}

/// The student from what distillation made (`trained_file`) and `encoder`, the artifact its
/// untrained layers and embeddings come from (the base encoder, or the teacher when the
/// teacher did not tune those layers).
pub fn assemble(encoder: &[u8], trained: &[u8]) -> Result<Vec<u8>> {
    let encoder = Artifact::parse(encoder)?;
    let Opened { artifact: trained, makeup, weights } = open(trained)?;
    let pruned = Pruned { kept: makeup.kept, tokenizer_json: trained.tokenizer_json().to_vec() };
    let documents: Vec<(&str, serde_json::Value)> = trained
        .header
        .documents
        .iter()
        .filter(|(name, _)| !matches!(name.as_str(), "student" | "heads"))
        .map(|(name, value)| (name.as_str(), value.clone()))
        .collect();
    file(&encoder, &trained.document("heads")?, &pruned, &makeup.shape, &weights, &documents)
}

/// The trained weights of `trained` (what an earlier distillation wrote), to start a run
/// from: its vocabulary and shape must be `pruned`'s and `shape`, and it may only hold
/// layers from `frozen` up (the ones this run trains) and heads.
pub fn trained_weights(trained: &[u8], pruned: &Pruned, shape: &Shape, frozen: usize) -> Result<Vec<(String, Weights)>> {
    let Opened { makeup, weights, .. } = open(trained)?;
    if makeup.kept != pruned.kept || makeup.shape != *shape {
        return Err(Error::new(ErrorCode::InvalidArgument, "the student to start from has another vocabulary or another shape"));
    }
    let below = |name: &str| (0..frozen).any(|layer| name.starts_with(&format!("encoder.layer.{layer}.")));
    if let Some((name, _)) = weights.iter().find(|(name, _)| below(name)) {
        return Err(Error::new(ErrorCode::InvalidArgument, format!("the student to start from trained {name}, which this run keeps frozen")));
    }
    Ok(weights)
}

/// A trained file (`trained_file`) read back.
struct Opened {
    artifact: Artifact,
    makeup: Makeup,
    weights: Vec<(String, Weights)>,
}

fn open(trained: &[u8]) -> Result<Opened> {
    let trained = Artifact::parse(trained)?;
    if trained.header.name != TRAINED_NAME {
        return Err(Error::corrupt(format!("{} is not a distilled student's trained file", trained.header.name)));
    }
    let makeup: Makeup = trained.document("student")?;
    let weights =
        trained.header.tensors.keys().map(|name| Ok((name.clone(), trained.tensor(name)?))).collect::<Result<Vec<_>>>()?;
    Ok(Opened { artifact: trained, makeup, weights })
}

/// Trained weights are stored int8 (layers) or f32 (heads), as the teacher's.
fn precision_of(name: &str) -> Precision {
    if name.starts_with("heads.") { Precision::F32 } else { Precision::I8 }
}

/// The encoder configuration of a student of `shape` over `pruned` made from `teacher`.
pub fn config(teacher: &Artifact, pruned: &Pruned, shape: &Shape) -> Result<EncoderConfig> {
    let teacher: EncoderConfig = teacher.document("encoder")?;
    if let Some(&layer) = shape.layers.iter().find(|&&l| l >= teacher.num_layers) {
        return Err(Error::new(ErrorCode::InvalidArgument, format!("the teacher has no layer {layer}")));
    }
    let intermediate_size = shape.intermediate_size.unwrap_or(teacher.intermediate_size);
    if shape.layers.is_empty() || intermediate_size == 0 || intermediate_size > teacher.intermediate_size {
        return Err(Error::new(
            ErrorCode::InvalidArgument,
            format!("a student needs layers and a feed-forward width from 1 to {}", teacher.intermediate_size),
        ));
    }
    if !(crate::tokenize::WINDOW..=teacher.max_position).contains(&shape.max_len) {
        return Err(Error::new(
            ErrorCode::InvalidArgument,
            format!("a student's window is from {} to {} tokens", crate::tokenize::WINDOW, teacher.max_position),
        ));
    }
    Ok(EncoderConfig {
        vocab_size: pruned.kept.len(),
        num_layers: shape.layers.len(),
        intermediate_size,
        max_position: shape.max_len,
        max_len: shape.max_len,
        ..teacher
    })
}

/// The student artifact: the teacher's weights as chosen, `trained` weights (student
/// names: `encoder.layer.{i}.*` stored int8, `heads.*` f32) in their place, and `documents`.
pub fn file(
    teacher: &Artifact,
    heads: &HeadsConfig,
    pruned: &Pruned,
    shape: &Shape,
    trained: &[(String, Weights)],
    documents: &[(&str, serde_json::Value)],
) -> Result<Vec<u8>> {
    let config = config(teacher, pruned, shape)?;
    let mut writer = ArtifactWriter::new(NAME, env!("CARGO_PKG_VERSION"), &pruned.tokenizer_json);
    writer.document("encoder", serde_json::to_value(&config).expect("config serializes"));
    writer.document("heads", serde_json::to_value(heads).expect("heads config serializes"));
    for (name, document) in documents {
        writer.document(name, document.clone());
    }
    // The feed-forward neurons each student layer keeps, chosen once per layer (`None`: all).
    let neurons: Vec<Option<Vec<usize>>> = shape
        .layers
        .iter()
        .map(|&layer| shape.intermediate_size.map(|_| strongest_neurons(teacher, layer, config.intermediate_size)).transpose())
        .collect::<Result<_>>()?;
    // Student tensor name → (teacher tensor name, what of it is kept).
    let mut chosen: BTreeMap<String, (String, Keep)> = BTreeMap::new();
    for name in teacher.header.tensors.keys() {
        let keep = match name.as_str() {
            "embeddings.word_embeddings.weight" => Keep::Rows(pruned.kept.iter().map(|&id| id as usize).collect()),
            "embeddings.position_embeddings.weight" => Keep::Rows((0..shape.max_len).collect()),
            _ => Keep::All,
        };
        if name.starts_with("embeddings.") || name.starts_with("heads.") {
            chosen.insert(name.clone(), (name.clone(), keep));
        }
        for (student, &layer) in shape.layers.iter().enumerate() {
            if let Some(rest) = name.strip_prefix(&format!("encoder.layer.{layer}.")) {
                let keep = match (rest, &neurons[student]) {
                    ("intermediate.dense.weight" | "intermediate.dense.bias", Some(kept)) => Keep::Rows(kept.clone()),
                    ("output.dense.weight", Some(kept)) => Keep::Columns(kept.clone()),
                    _ => Keep::All,
                };
                chosen.insert(format!("encoder.layer.{student}.{rest}"), (name.clone(), keep));
            }
        }
    }
    let replaced: BTreeMap<&str, &Weights> = trained.iter().map(|(name, w)| (name.as_str(), w)).collect();
    for (name, (source, keep)) in &chosen {
        if replaced.contains_key(name.as_str()) {
            continue;
        }
        let weights = keep.apply(teacher.tensor(source)?);
        writer.tensor(name, &weights, teacher.header.tensors[source].precision);
    }
    for (name, weights) in replaced {
        writer.tensor(name, weights, precision_of(name));
    }
    Ok(writer.finish())
}

/// What of a teacher tensor the student keeps.
enum Keep {
    All,
    /// These rows (or elements of a vector), in this order.
    Rows(Vec<usize>),
    /// These columns of a matrix, in this order.
    Columns(Vec<usize>),
}

impl Keep {
    fn apply(&self, weights: Weights) -> Weights {
        let cols = weights.shape.get(1).copied().unwrap_or(1);
        match self {
            Keep::All => weights,
            Keep::Rows(rows) => {
                let values = rows.iter().flat_map(|&r| &weights.values[r * cols..(r + 1) * cols]).copied().collect();
                let mut shape = weights.shape;
                shape[0] = rows.len();
                Weights { shape, values }
            }
            Keep::Columns(kept) => {
                let values = weights.values.chunks(cols).flat_map(|row| kept.iter().map(|&c| row[c])).collect();
                Weights { shape: vec![weights.shape[0], kept.len()], values }
            }
        }
    }
}

/// The `width` feed-forward neurons of teacher layer `layer` that carry the most, in index
/// order: a neuron's strength is the norm of its input weights times that of its output
/// weights (how much it can read times how much it can write).
fn strongest_neurons(teacher: &Artifact, layer: usize, width: usize) -> Result<Vec<usize>> {
    let input = teacher.tensor(&format!("encoder.layer.{layer}.intermediate.dense.weight"))?;
    let output = teacher.tensor(&format!("encoder.layer.{layer}.output.dense.weight"))?;
    let (neurons, hidden) = (input.shape[0], input.shape[1]);
    if width >= neurons {
        return Ok((0..neurons).collect());
    }
    let norm = |values: &mut dyn Iterator<Item = f32>| values.map(|v| v * v).sum::<f32>().sqrt();
    let strength: Vec<f32> = (0..neurons)
        .map(|n| {
            norm(&mut input.values[n * hidden..(n + 1) * hidden].iter().copied())
                * norm(&mut output.values.chunks(neurons).map(|row| row[n]))
        })
        .collect();
    let mut order: Vec<usize> = (0..neurons).collect();
    order.sort_by(|&a, &b| strength[b].total_cmp(&strength[a]).then(a.cmp(&b)));
    let mut kept = order[..width].to_vec();
    kept.sort_unstable();
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weights(shape: &[usize], values: &[f32]) -> Weights {
        Weights { shape: shape.to_vec(), values: values.to_vec() }
    }

    #[test]
    fn a_narrowed_layer_keeps_its_strongest_neurons_in_every_feed_forward_tensor() {
        // Four neurons reading a 2-wide hidden state: strengths (input norm × output norm)
        // 1×1, 3×1, 1×0.5, 2×2, so the two strongest are 1 and 3.
        let input = weights(&[4, 2], &[1.0, 0.0, 0.0, 3.0, 1.0, 0.0, 0.0, 2.0]);
        let output = weights(&[2, 4], &[1.0, 1.0, 0.5, 0.0, 0.0, 0.0, 0.0, 2.0]);
        let mut writer = ArtifactWriter::new("teacher", "0", b"{}");
        writer.tensor("encoder.layer.0.intermediate.dense.weight", &input, Precision::F32);
        writer.tensor("encoder.layer.0.output.dense.weight", &output, Precision::F32);
        let teacher = Artifact::parse(&writer.finish()).unwrap();
        let kept = strongest_neurons(&teacher, 0, 2).unwrap();
        assert_eq!(kept, [1, 3]);
        assert_eq!(strongest_neurons(&teacher, 0, 9).unwrap(), [0, 1, 2, 3], "a width past the layer's keeps all");
        assert_eq!(Keep::Rows(kept.clone()).apply(input), weights(&[2, 2], &[0.0, 3.0, 0.0, 2.0]));
        assert_eq!(Keep::Rows(kept.clone()).apply(weights(&[4], &[0.1, 0.2, 0.3, 0.4])), weights(&[2], &[0.2, 0.4]));
        assert_eq!(Keep::Columns(kept).apply(output), weights(&[2, 2], &[1.0, 0.0, 0.0, 2.0]));
    }
}
