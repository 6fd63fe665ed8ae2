//! Builds a Nacre artifact from the base encoder's files (`model.safetensors`,
//! `tokenizer.json`, `config.json` of a Hugging Face BERT) on the native side.

use crate::artifact::{Artifact, ArtifactWriter, Precision, Weights};
use crate::compose::Resources;
use crate::error::{Error, Result};
use crate::policy::Policy;
use crate::model::EncoderConfig;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// Reads every F32 tensor of a safetensors file.
pub fn read_safetensors(bytes: &[u8]) -> Result<BTreeMap<String, Weights>> {
    #[derive(Deserialize)]
    struct Entry {
        dtype: String,
        shape: Vec<usize>,
        data_offsets: (usize, usize),
    }
    let bad = |what: &str| Error::corrupt(format!("safetensors: {what}"));
    let len_bytes: [u8; 8] = bytes.get(..8).ok_or_else(|| bad("too short"))?.try_into().expect("8");
    let header_end = usize::try_from(u64::from_le_bytes(len_bytes))
        .ok()
        .and_then(|n| n.checked_add(8))
        .filter(|&end| end <= bytes.len())
        .ok_or_else(|| bad("header length"))?;
    let header: BTreeMap<String, serde_json::Value> =
        serde_json::from_slice(&bytes[8..header_end]).map_err(|e| bad(&e.to_string()))?;
    let data = &bytes[header_end..];
    let mut tensors = BTreeMap::new();
    for (name, value) in header.into_iter().filter(|(name, _)| name != "__metadata__") {
        let entry: Entry = serde_json::from_value(value).map_err(|e| bad(&e.to_string()))?;
        if entry.dtype != "F32" {
            continue;
        }
        let raw = data.get(entry.data_offsets.0..entry.data_offsets.1).ok_or_else(|| bad("offsets"))?;
        let values = raw.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
        tensors.insert(name, Weights { shape: entry.shape, values });
    }
    Ok(tensors)
}

/// The encoder shape from a Hugging Face `config.json`, with Nacre's sequence bound.
pub fn encoder_config(config_json: &[u8], max_len: usize) -> Result<EncoderConfig> {
    #[derive(Deserialize)]
    struct Hf {
        vocab_size: usize,
        hidden_size: usize,
        num_hidden_layers: usize,
        num_attention_heads: usize,
        intermediate_size: usize,
        max_position_embeddings: usize,
        layer_norm_eps: f64,
    }
    let hf: Hf = serde_json::from_slice(config_json).map_err(|e| Error::corrupt(format!("config.json: {e}")))?;
    Ok(EncoderConfig {
        vocab_size: hf.vocab_size,
        hidden_size: hf.hidden_size,
        num_layers: hf.num_hidden_layers,
        num_heads: hf.num_attention_heads,
        intermediate_size: hf.intermediate_size,
        max_position: hf.max_position_embeddings,
        layer_norm_eps: hf.layer_norm_eps,
        max_len: max_len.min(hf.max_position_embeddings),
    })
}

/// Packs the base encoder in `dir`, with the trained heads file and the policy and
/// resources JSON if given, into artifact bytes. The policy files are validated first.
pub fn pack_base(
    dir: &Path,
    name: &str,
    version: &str,
    precision: Precision,
    max_len: usize,
    heads: Option<&[u8]>,
    policy: Option<(&str, &str)>,
) -> Result<Vec<u8>> {
    let config = encoder_config(&std::fs::read(dir.join("config.json"))?, max_len)?;
    let tensors = read_safetensors(&std::fs::read(dir.join("model.safetensors"))?)?;
    let mut writer = ArtifactWriter::new(name, version, &std::fs::read(dir.join("tokenizer.json"))?);
    writer.document("encoder", serde_json::to_value(&config).expect("config serializes"));
    let base = tensors.into_iter().filter_map(|(key, weights)| {
        let key = key.strip_prefix("bert.").unwrap_or(&key).to_string();
        (key.starts_with("embeddings.") || key.starts_with("encoder.")).then_some((key, weights, precision))
    });
    let trained = heads.map(Artifact::parse).transpose()?;
    write_model(&mut writer, base, trained.as_ref(), precision)?;
    if let Some((policy, resources)) = policy {
        add_policy(&mut writer, policy, resources)?;
    }
    Ok(writer.finish())
}

/// An encoder artifact with a trained file folded in, as `pack_base` would build it (the
/// trained model exactly as it will ship; training calibrates on it).
pub fn with_trained(encoder: &[u8], trained: &[u8]) -> Result<Vec<u8>> {
    let encoder = Artifact::parse(encoder)?;
    let header = &encoder.header;
    let mut writer = ArtifactWriter::new(&header.name, &header.version, encoder.tokenizer_json());
    for (name, document) in &header.documents {
        writer.document(name, document.clone());
    }
    let base = header
        .tensors
        .iter()
        .map(|(name, entry)| Ok((name.clone(), encoder.tensor(name)?, entry.precision)))
        .collect::<Result<Vec<_>>>()?;
    write_model(&mut writer, base, Some(&Artifact::parse(trained)?), Precision::I8)?;
    Ok(writer.finish())
}

/// A finished model (e.g. the distilled student) with the policy and resources JSON
/// (validated first) put in, replacing any it had.
pub fn with_policy(model: &[u8], policy: &str, resources: &str) -> Result<Vec<u8>> {
    let model = Artifact::parse(model)?;
    let header = &model.header;
    let mut writer = ArtifactWriter::new(&header.name, &header.version, model.tokenizer_json());
    for (name, document) in &header.documents {
        writer.document(name, document.clone());
    }
    for (name, entry) in &header.tensors {
        writer.tensor(name, &model.tensor(name)?, entry.precision);
    }
    add_policy(&mut writer, policy, resources)?;
    Ok(writer.finish())
}

/// Validates the policy and resources JSON and adds them as documents.
fn add_policy(writer: &mut ArtifactWriter, policy: &str, resources: &str) -> Result<()> {
    Policy::from_json(policy)?;
    Resources::from_json(resources)?;
    let json = |text: &str| serde_json::from_str(text).map_err(|e| Error::corrupt(e.to_string()));
    writer.document("policy", json(policy)?).document("resources", json(resources)?);
    Ok(())
}

/// Writes the base tensors, then the trained file's tensors and documents: its `encoder.*`
/// tensors (fine-tuned layers) replace the base's and are stored at `precision`; heads stay f32.
fn write_model(
    writer: &mut ArtifactWriter,
    base: impl IntoIterator<Item = (String, Weights, Precision)>,
    trained: Option<&Artifact>,
    precision: Precision,
) -> Result<()> {
    let replaced = |name: &str| trained.is_some_and(|t| t.header.tensors.contains_key(name));
    for (name, weights, precision) in base {
        if !replaced(&name) {
            writer.tensor(&name, &weights, precision);
        }
    }
    let Some(trained) = trained else { return Ok(()) };
    for name in trained.header.tensors.keys() {
        let stored = if name.starts_with("encoder.") { precision } else { Precision::F32 };
        writer.tensor(name, &trained.tensor(name)?, stored);
    }
    for (name, document) in &trained.header.documents {
        writer.document(name, document.clone());
    }
    Ok(())
}
