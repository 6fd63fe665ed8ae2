//! The student's model file, assembled from the teacher's: the pruned tokenizer, the word
//! embeddings of the kept tokens, the position embeddings it can reach, the chosen teacher
//! layers renumbered from 0, the teacher's heads, and any trained weights in their place.
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

/// How a student is made of its encoder: which layers, how long a window, which tokens.
#[derive(Serialize, Deserialize)]
struct Makeup {
    layers: Vec<usize>,
    max_len: usize,
    kept: Vec<u32>,
}

/// What distillation made: the pruned tokenizer, the makeup, the heads' shape, the trained
/// weights (layers int8, heads f32) and `documents` (calibration, training record).
pub fn trained_file(
    pruned: &Pruned,
    layers: &[usize],
    max_len: usize,
    heads: &HeadsConfig,
    trained: &[(String, Weights)],
    documents: &[(&str, serde_json::Value)],
) -> Vec<u8> {
    let mut writer = ArtifactWriter::new(TRAINED_NAME, env!("CARGO_PKG_VERSION"), &pruned.tokenizer_json);
    let makeup = Makeup { layers: layers.to_vec(), max_len, kept: pruned.kept.clone() };
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
    file(&encoder, &trained.document("heads")?, &pruned, &makeup.layers, makeup.max_len, &weights, &documents)
}

/// The trained weights of `trained` (what an earlier distillation wrote), to start a run
/// from: its vocabulary and layers must be `pruned`'s and `layers`, and it may only hold
/// layers from `frozen` up (the ones this run trains) and heads.
pub fn trained_weights(trained: &[u8], pruned: &Pruned, layers: &[usize], frozen: usize) -> Result<Vec<(String, Weights)>> {
    let Opened { makeup, weights, .. } = open(trained)?;
    if makeup.kept != pruned.kept || makeup.layers != layers {
        return Err(Error::new(ErrorCode::InvalidArgument, "the student to start from has another vocabulary or other layers"));
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
    heads: &HeadsConfig,
    pruned: &Pruned,
    layers: &[usize],
    max_len: usize,
    trained: &[(String, Weights)],
    documents: &[(&str, serde_json::Value)],
) -> Result<Vec<u8>> {
    let config = config(teacher, pruned, layers, max_len)?;
    let mut writer = ArtifactWriter::new(NAME, env!("CARGO_PKG_VERSION"), &pruned.tokenizer_json);
    writer.document("encoder", serde_json::to_value(&config).expect("config serializes"));
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
        writer.tensor(name, weights, precision_of(name));
    }
    Ok(writer.finish())
}

/// Rows `rows` of a matrix, in that order.
fn gather(weights: &Weights, rows: &[usize]) -> Weights {
    let cols = weights.shape[1];
    let values = rows.iter().flat_map(|&r| &weights.values[r * cols..(r + 1) * cols]).copied().collect();
    Weights { shape: vec![rows.len(), cols], values }
}
