//! The teacher's targets for distillation: its logits on every head and its pooled
//! sentence vector for each text (the first `max_tokens` tokens, as the student reads
//! them), computed once in length-sorted batches and cached on disk.

use super::cache;
use crate::Nacre;
use crate::error::{Error, ErrorCode, Result};
use crate::model::{Batch, CATEGORIES, JAILBREAK, Logits, SEVERITIES, USER_TYPES};
use burn::tensor::{Device, Tensor, TensorData};
use std::path::Path;

const BATCH: usize = 32;
const LOGITS: usize = CATEGORIES + USER_TYPES + SEVERITIES + JAILBREAK;

/// Per text: the logits of every head (in head order), then the pooled vector.
pub struct Targets {
    values: Vec<f32>,
    width: usize,
}

/// `ids` cut to at most `max` tokens, keeping the closing special token.
fn clip(mut ids: Vec<u32>, max: usize) -> Vec<u32> {
    if ids.len() > max {
        let close = ids[ids.len() - 1];
        ids.truncate(max - 1);
        ids.push(close);
    }
    ids
}

impl Targets {
    /// The teacher's targets for `texts`, read from `cache` when the teacher, the texts and
    /// `max_tokens` are the same.
    pub fn compute(teacher: &Nacre, teacher_bytes: &[u8], texts: &[&str], max_tokens: usize, cache: &Path) -> Result<Self> {
        let network = teacher.network();
        let heads = network.heads.as_ref().ok_or_else(|| Error::new(ErrorCode::InvalidArgument, "the teacher has no heads"))?;
        let width = LOGITS + network.encoder.width();
        let path = cache::path(cache, "targets", teacher_bytes, max_tokens, texts);
        if let Some(values) = cache::read(&path, texts.len() * width) {
            return Ok(Self { values, width });
        }
        let ids = texts.iter().map(|t| Ok(clip(teacher.prepare(t)?.ids, max_tokens))).collect::<Result<Vec<_>>>()?;
        let mut order: Vec<usize> = (0..ids.len()).collect();
        order.sort_by_key(|&i| ids[i].len());
        let mut values = vec![0f32; texts.len() * width];
        for chunk in order.chunks(BATCH) {
            let sequences: Vec<&[u32]> = chunk.iter().map(|&i| ids[i].as_slice()).collect();
            let pooled = network.encoder.forward(&Batch::new(&sequences, &network.device));
            let logits = heads.forward(pooled.clone());
            let row = Tensor::cat(vec![logits.category, logits.user_type, logits.severity, logits.jailbreak, pooled], 1);
            let data = row.into_data().try_to_vec::<f32>().expect("f32 targets");
            for (&i, target) in chunk.iter().zip(data.chunks(width)) {
                values[i * width..(i + 1) * width].copy_from_slice(target);
            }
        }
        cache::write(&path, &values)?;
        Ok(Self { values, width })
    }

    /// The targets of texts `rows`: each head's logits and the pooled vectors.
    pub fn batch(&self, rows: &[usize], device: &Device) -> (Logits, Tensor<2>) {
        let part = |from: usize, to: usize| {
            let values: Vec<f32> = rows.iter().flat_map(|&i| &self.values[i * self.width + from..i * self.width + to]).copied().collect();
            Tensor::from_data(TensorData::new(values, [rows.len(), to - from]), device)
        };
        let (user, severity, jailbreak) = (CATEGORIES, CATEGORIES + USER_TYPES, LOGITS - JAILBREAK);
        let logits = Logits {
            category: part(0, user),
            user_type: part(user, severity),
            severity: part(severity, jailbreak),
            jailbreak: part(jailbreak, LOGITS),
        };
        (logits, part(LOGITS, self.width))
    }
}

#[cfg(test)]
mod tests {
    use super::clip;

    #[test]
    fn clipping_keeps_the_closing_token() {
        assert_eq!(clip(vec![101, 5, 6, 7, 102], 4), vec![101, 5, 6, 102]);
        assert_eq!(clip(vec![101, 5, 102], 4), vec![101, 5, 102]);
    }
}
