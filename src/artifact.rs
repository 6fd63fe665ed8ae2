//! Nacre's model file: one versioned, self-checking container holding the encoder
//! configuration, the tokenizer, the weights (int8 with per-row scales, or f32) and
//! any extra JSON documents (heads metadata, policy), sealed with a sha256.
//!
//! Layout: `NACRE\0`, format version (u16 LE), header length (u32 LE), header (JSON),
//! payload, sha256 of everything before it (32 bytes).

use crate::error::{Error, ErrorCode, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

const MAGIC: &[u8; 6] = b"NACRE\0";
/// The format version this build reads and writes.
pub const FORMAT_VERSION: u16 = 1;
const PREAMBLE: usize = MAGIC.len() + 2 + 4;
const DIGEST: usize = 32;

/// How a tensor's numbers are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// 32-bit floats, exact.
    F32,
    /// Signed bytes with one f32 scale per row (symmetric, per output channel).
    I8,
}

/// Where one tensor lives in the payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TensorEntry {
    pub shape: Vec<usize>,
    pub precision: Precision,
    pub offset: usize,
    pub len: usize,
}

/// The header: what the file holds and where.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// Name and version of the trained model, e.g. `nacre-teacher` / `0.1.0`.
    pub name: String,
    pub version: String,
    /// Offset and length of `tokenizer.json` in the payload.
    pub tokenizer: (usize, usize),
    pub tensors: BTreeMap<String, TensorEntry>,
    /// Named JSON documents: the encoder config, heads metadata, policy.
    pub documents: BTreeMap<String, serde_json::Value>,
}

/// A tensor read back as f32: its shape (row-major) and values.
#[derive(Debug, Clone, PartialEq)]
pub struct Weights {
    pub shape: Vec<usize>,
    pub values: Vec<f32>,
}

/// A parsed, checksum-verified artifact.
#[derive(Debug, Clone)]
pub struct Artifact {
    pub header: Header,
    payload: Vec<u8>,
}

impl Artifact {
    /// Parses and verifies `bytes`. Any damage is `MODEL_CORRUPT`; a different format
    /// version is `MODEL_VERSION`.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        if bytes.len() < PREAMBLE + DIGEST || &bytes[..MAGIC.len()] != MAGIC {
            return Err(Error::corrupt("not a Nacre model file (bad magic or too short)"));
        }
        let version = u16::from_le_bytes([bytes[6], bytes[7]]);
        if version != FORMAT_VERSION {
            return Err(Error::new(
                ErrorCode::ModelVersion,
                format!("model format {version}, this build reads format {FORMAT_VERSION}"),
            ));
        }
        let (body, digest) = bytes.split_at(bytes.len() - DIGEST);
        if Sha256::digest(body).as_slice() != digest {
            return Err(Error::corrupt("checksum mismatch: the file is truncated or damaged"));
        }
        let header_len = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes")) as usize;
        let header_end = PREAMBLE
            .checked_add(header_len)
            .filter(|&end| end <= body.len())
            .ok_or_else(|| Error::corrupt("header runs past the end of the file"))?;
        let header: Header = serde_json::from_slice(&body[PREAMBLE..header_end])
            .map_err(|e| Error::corrupt(format!("bad header: {e}")))?;
        let artifact = Self { header, payload: body[header_end..].to_vec() };
        artifact.validate()?;
        Ok(artifact)
    }

    fn validate(&self) -> Result<()> {
        let (offset, len) = self.header.tokenizer;
        self.span(offset, len)?;
        for (name, entry) in &self.header.tensors {
            let elements: usize = entry.shape.iter().product();
            let rows = entry.shape.first().copied().unwrap_or(1);
            let expected = match entry.precision {
                Precision::F32 => elements * 4,
                Precision::I8 => elements + rows * 4,
            };
            if entry.len != expected || entry.shape.is_empty() {
                return Err(Error::corrupt(format!("tensor {name}: size does not match its shape")));
            }
            self.span(entry.offset, entry.len)?;
        }
        Ok(())
    }

    fn span(&self, offset: usize, len: usize) -> Result<&[u8]> {
        offset
            .checked_add(len)
            .and_then(|end| self.payload.get(offset..end))
            .ok_or_else(|| Error::corrupt("an entry points outside the file"))
    }

    /// The bytes of `tokenizer.json`.
    pub fn tokenizer_json(&self) -> &[u8] {
        let (offset, len) = self.header.tokenizer;
        self.span(offset, len).expect("validated at parse")
    }

    /// The same file with `documents` added or replaced; tensors and tokenizer unchanged.
    pub fn with_documents(&self, documents: Vec<(&str, serde_json::Value)>) -> Vec<u8> {
        let mut header = self.header.clone();
        header.documents.extend(documents.into_iter().map(|(name, value)| (name.to_string(), value)));
        seal(&header, &self.payload)
    }

    /// A named JSON document, deserialized.
    pub fn document<T: for<'de> Deserialize<'de>>(&self, name: &str) -> Result<T> {
        let value = self
            .header
            .documents
            .get(name)
            .ok_or_else(|| Error::corrupt(format!("missing document {name}")))?;
        T::deserialize(value).map_err(|e| Error::corrupt(format!("document {name}: {e}")))
    }

    /// Whether the artifact holds a tensor of that name.
    pub fn has_tensor(&self, name: &str) -> bool {
        self.header.tensors.contains_key(name)
    }

    /// A tensor as f32 values (int8 tensors are dequantized).
    pub fn tensor(&self, name: &str) -> Result<Weights> {
        let entry = self
            .header
            .tensors
            .get(name)
            .ok_or_else(|| Error::corrupt(format!("missing tensor {name}")))?;
        let bytes = self.span(entry.offset, entry.len)?;
        let values = match entry.precision {
            Precision::F32 => f32s(bytes),
            Precision::I8 => dequantize(bytes, entry.shape[0]),
        };
        Ok(Weights { shape: entry.shape.clone(), values })
    }

    /// An int8 tensor's codes and per-row scales as stored (no dequantization); `None` when
    /// the tensor is stored as f32.
    pub fn int8_tensor(&self, name: &str) -> Result<Option<Int8Weights>> {
        let entry = self
            .header
            .tensors
            .get(name)
            .ok_or_else(|| Error::corrupt(format!("missing tensor {name}")))?;
        if entry.precision != Precision::I8 {
            return Ok(None);
        }
        let bytes = self.span(entry.offset, entry.len)?;
        let (codes, scales) = bytes.split_at(bytes.len() - entry.shape[0] * 4);
        Ok(Some(Int8Weights {
            shape: entry.shape.clone(),
            codes: codes.iter().map(|&b| b as i8).collect(),
            scales: f32s(scales),
        }))
    }
}

/// An int8 tensor as stored: row-major codes and one f32 scale per row.
#[derive(Debug, Clone, PartialEq)]
pub struct Int8Weights {
    pub shape: Vec<usize>,
    pub codes: Vec<i8>,
    pub scales: Vec<f32>,
}

fn f32s(bytes: &[u8]) -> Vec<f32> {
    bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect()
}

fn dequantize(bytes: &[u8], rows: usize) -> Vec<f32> {
    let (codes, scales) = bytes.split_at(bytes.len() - rows * 4);
    let scales = f32s(scales);
    let cols = codes.len() / rows.max(1);
    codes
        .iter()
        .enumerate()
        .map(|(i, &q)| f32::from(q as i8) * scales[i / cols])
        .collect()
}

/// Quantizes a row-major matrix to int8 codes followed by one f32 scale per row.
fn quantize(values: &[f32], rows: usize) -> Vec<u8> {
    let cols = values.len() / rows;
    let mut codes = Vec::with_capacity(values.len());
    let mut scales = Vec::with_capacity(rows * 4);
    for row in values.chunks_exact(cols) {
        let max = row.iter().fold(0f32, |m, v| m.max(v.abs()));
        let scale = if max > 0.0 { max / 127.0 } else { 1.0 };
        codes.extend(row.iter().map(|v| (v / scale).round().clamp(-127.0, 127.0) as i8 as u8));
        scales.extend_from_slice(&scale.to_le_bytes());
    }
    codes.extend(scales);
    codes
}

/// Builds an artifact file.
pub struct ArtifactWriter {
    header: Header,
    payload: Vec<u8>,
}

impl ArtifactWriter {
    pub fn new(name: &str, version: &str, tokenizer_json: &[u8]) -> Self {
        let header = Header {
            name: name.into(),
            version: version.into(),
            tokenizer: (0, tokenizer_json.len()),
            tensors: BTreeMap::new(),
            documents: BTreeMap::new(),
        };
        Self { header, payload: tokenizer_json.to_vec() }
    }

    /// Adds a tensor; matrices may be stored as int8, vectors always stay f32.
    pub fn tensor(&mut self, name: &str, weights: &Weights, precision: Precision) -> &mut Self {
        let precision = if weights.shape.len() < 2 { Precision::F32 } else { precision };
        let bytes = match precision {
            Precision::F32 => weights.values.iter().flat_map(|v| v.to_le_bytes()).collect(),
            Precision::I8 => quantize(&weights.values, weights.shape[0]),
        };
        let entry = TensorEntry {
            shape: weights.shape.clone(),
            precision,
            offset: self.payload.len(),
            len: bytes.len(),
        };
        self.payload.extend(bytes);
        self.header.tensors.insert(name.into(), entry);
        self
    }

    /// Adds a named JSON document.
    pub fn document(&mut self, name: &str, value: serde_json::Value) -> &mut Self {
        self.header.documents.insert(name.into(), value);
        self
    }

    /// The finished file bytes.
    pub fn finish(&self) -> Vec<u8> {
        seal(&self.header, &self.payload)
    }
}

/// The file bytes for `header` and `payload`: preamble, header, payload, digest.
fn seal(header: &Header, payload: &[u8]) -> Vec<u8> {
    let header = serde_json::to_vec(header).expect("header serializes");
    let mut out = Vec::with_capacity(PREAMBLE + header.len() + payload.len() + DIGEST);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(header.len() as u32).to_le_bytes());
    out.extend_from_slice(&header);
    out.extend_from_slice(payload);
    let digest = Sha256::digest(&out);
    out.extend_from_slice(&digest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        let matrix = Weights { shape: vec![2, 3], values: vec![1.0, -0.5, 0.25, 0.0, 0.0, 0.0] };
        let vector = Weights { shape: vec![3], values: vec![0.1, 0.2, 0.3] };
        let mut writer = ArtifactWriter::new("test", "0.0.1", b"{\"tok\":1}");
        writer
            .tensor("m", &matrix, Precision::I8)
            .tensor("f", &matrix, Precision::F32)
            .tensor("v", &vector, Precision::I8)
            .document("config", serde_json::json!({"hidden": 3}));
        writer.finish()
    }

    #[test]
    fn round_trips_tensors_documents_and_tokenizer() {
        let artifact = Artifact::parse(&sample()).unwrap();
        assert_eq!(artifact.tokenizer_json(), b"{\"tok\":1}");
        assert_eq!(artifact.tensor("f").unwrap().values, vec![1.0, -0.5, 0.25, 0.0, 0.0, 0.0]);
        let m = artifact.tensor("m").unwrap();
        assert_eq!(m.shape, vec![2, 3]);
        for (got, want) in m.values.iter().zip([1.0, -0.5, 0.25, 0.0, 0.0, 0.0]) {
            assert!((got - want).abs() <= 1.0 / 254.0, "{got} vs {want}");
        }
        assert_eq!(artifact.header.tensors["v"].precision, Precision::F32);
        let raw = artifact.int8_tensor("m").unwrap().expect("stored as int8");
        assert_eq!((raw.shape, raw.codes), (vec![2, 3], vec![127, -64, 32, 0, 0, 0]));
        assert_eq!(raw.scales, vec![1.0 / 127.0, 1.0]);
        assert_eq!(artifact.int8_tensor("f").unwrap(), None);
        let config: serde_json::Value = artifact.document("config").unwrap();
        assert_eq!(config["hidden"], 3);
    }

    #[test]
    fn a_document_is_replaced_and_everything_else_kept() {
        let original = Artifact::parse(&sample()).unwrap();
        let rewritten = Artifact::parse(&original.with_documents(vec![("config", serde_json::json!({"hidden": 4}))])).unwrap();
        let config: serde_json::Value = rewritten.document("config").unwrap();
        assert_eq!(config["hidden"], 4);
        assert_eq!((rewritten.payload.as_slice(), &rewritten.header.tensors), (original.payload.as_slice(), &original.header.tensors));
    }

    #[test]
    fn every_truncation_is_a_typed_error() {
        let bytes = sample();
        for cut in 0..bytes.len() {
            let err = Artifact::parse(&bytes[..cut]).unwrap_err();
            assert_eq!(err.code, ErrorCode::ModelCorrupt, "cut at {cut}");
        }
    }

    #[test]
    fn any_flipped_byte_is_detected() {
        let bytes = sample();
        for i in (0..bytes.len()).step_by(7) {
            let mut damaged = bytes.clone();
            damaged[i] ^= 0x40;
            assert!(Artifact::parse(&damaged).is_err(), "flip at {i} went unnoticed");
        }
    }

    #[test]
    fn other_format_versions_are_refused_by_code() {
        let mut bytes = sample();
        bytes[6] = 9;
        assert_eq!(Artifact::parse(&bytes).unwrap_err().code, ErrorCode::ModelVersion);
    }

    #[test]
    fn missing_entries_are_reported() {
        let artifact = Artifact::parse(&sample()).unwrap();
        assert_eq!(artifact.tensor("nope").unwrap_err().code, ErrorCode::ModelCorrupt);
        assert!(artifact.document::<u32>("nope").is_err());
    }
}
