//! Token states of every training text after the encoder's frozen lower layers: computed
//! once in length-sorted batches, cached on disk, and cut into padded training batches.

use super::cache;
use crate::Nacre;
use crate::error::Result;
use crate::model::Batch;
use burn::tensor::{Device, Tensor, TensorData};
use std::path::Path;

/// Texts per encoder batch while computing the states.
const BATCH: usize = 32;

/// Every text's token ids and its `[tokens, width]` states after the frozen layers.
pub struct States {
    ids: Vec<Vec<u32>>,
    /// Where each text's states start in `values`, in rows of `width`.
    starts: Vec<usize>,
    values: Vec<f32>,
    width: usize,
}

impl States {
    /// The states of `texts` after the first `frozen` layers of `nacre`'s encoder, read
    /// from `cache` when the model, the layer count and the texts are the same.
    pub fn compute(nacre: &Nacre, model_bytes: &[u8], texts: &[&str], frozen: usize, cache: &Path) -> Result<Self> {
        let prepared = texts.iter().map(|t| nacre.prepare(t)).collect::<Result<Vec<_>>>()?;
        let ids: Vec<Vec<u32>> = prepared.into_iter().map(|p| p.ids).collect();
        let mut starts = Vec::with_capacity(ids.len());
        let mut total = 0;
        for sequence in &ids {
            starts.push(total);
            total += sequence.len();
        }
        let width = nacre.network().encoder.width();
        let path = cache::path(cache, "states", model_bytes, frozen, texts);
        if let Some(values) = cache::read(&path, total * width) {
            return Ok(Self { ids, starts, values, width });
        }
        let mut values = vec![0f32; total * width];
        let mut order: Vec<usize> = (0..ids.len()).collect();
        order.sort_by_key(|&i| ids[i].len());
        for chunk in order.chunks(BATCH) {
            let sequences: Vec<&[u32]> = chunk.iter().map(|&i| ids[i].as_slice()).collect();
            let batch = Batch::new(&sequences, &nacre.network().device);
            let states = nacre.network().encoder.lower_states(&batch, frozen);
            let seq = states.dims()[1];
            let data = states.into_data().try_to_vec::<f32>().expect("f32 states");
            for (row, &i) in chunk.iter().enumerate() {
                let len = ids[i].len();
                let from = row * seq * width;
                values[starts[i] * width..(starts[i] + len) * width].copy_from_slice(&data[from..from + len * width]);
            }
        }
        cache::write(&path, &values)?;
        Ok(Self { ids, starts, values, width })
    }

    /// One-token "states" holding a vector per text (`[texts, width]` row-major), e.g.
    /// the pooled output of the top layers, for training the heads alone. The token ids
    /// are placeholders: only the sequence lengths matter past the embeddings.
    pub fn from_vectors(values: Vec<f32>, width: usize) -> Self {
        let texts = values.len() / width;
        Self { ids: vec![vec![0]; texts], starts: (0..texts).collect(), values, width }
    }

    /// The number of texts.
    pub fn texts(&self) -> usize {
        self.ids.len()
    }

    /// The token count of text `i`.
    pub fn len(&self, i: usize) -> usize {
        self.ids[i].len()
    }

    /// Texts `rows` as one padded batch: states `[rows, seq, width]` and the masks.
    pub fn batch(&self, rows: &[usize], device: &Device) -> (Tensor<3>, Batch) {
        let seq = rows.iter().map(|&i| self.len(i)).max().unwrap_or(1).max(1);
        let mut x = vec![0f32; rows.len() * seq * self.width];
        for (row, &i) in rows.iter().enumerate() {
            let (start, len) = (self.starts[i] * self.width, self.len(i) * self.width);
            let to = row * seq * self.width;
            x[to..to + len].copy_from_slice(&self.values[start..start + len]);
        }
        let sequences: Vec<&[u32]> = rows.iter().map(|&i| self.ids[i].as_slice()).collect();
        let states = Tensor::from_data(TensorData::new(x, [rows.len(), seq, self.width]), device);
        (states, Batch::new(&sequences, device))
    }
}
