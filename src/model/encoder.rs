//! The MiniLM (BERT) encoder as burn modules: embeddings with LayerNorm, post-norm
//! transformer layers (12-head self-attention with a padding mask, GELU feed-forward),
//! and attention-masked mean pooling. One definition for training, native inference
//! and the browser; the device decides where it runs.

use super::int8::Int8Layer;
use super::load::Loader;
use crate::artifact::Artifact;
use crate::error::Result;
use burn::module::{Module, Param};
use burn::nn::attention::{MhaInput, MultiHeadAttention, MultiHeadAttentionConfig};
use burn::nn::{EmbeddingConfig, Embedding, LayerNorm, Linear, LinearConfig};
use burn::tensor::activation::gelu;
use burn::tensor::{Bool, Device, Int, Tensor, TensorData};
use serde::{Deserialize, Serialize};

/// The encoder's shape, stored in the artifact as the `encoder` document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EncoderConfig {
    pub vocab_size: usize,
    pub hidden_size: usize,
    pub num_layers: usize,
    pub num_heads: usize,
    pub intermediate_size: usize,
    pub max_position: usize,
    pub layer_norm_eps: f64,
    /// Longest token sequence fed to the encoder, special tokens included.
    pub max_len: usize,
}

/// A padded batch of token sequences with its masks.
pub struct Batch {
    ids: Tensor<2, Int>,
    /// True where a position is padding.
    padding: Tensor<2, Bool>,
    /// 1.0 for real tokens, 0.0 for padding, shape `[batch, seq]`.
    weights: Tensor<2>,
}

impl Batch {
    /// Pads `sequences` (each non-empty) to the longest one.
    pub fn new(sequences: &[&[u32]], device: &Device) -> Self {
        let len = sequences.iter().map(|s| s.len()).max().unwrap_or(1).max(1);
        let mut ids = Vec::with_capacity(sequences.len() * len);
        let mut weights = Vec::with_capacity(sequences.len() * len);
        for sequence in sequences {
            for position in 0..len {
                let token = sequence.get(position);
                ids.push(token.map_or(0, |&id| id as i64));
                weights.push(if token.is_some() { 1.0f32 } else { 0.0 });
            }
        }
        let shape = [sequences.len(), len];
        let weights = Tensor::<2>::from_data(TensorData::new(weights, shape), device);
        Self {
            ids: Tensor::from_data(TensorData::new(ids, shape), device),
            padding: weights.clone().equal_elem(0.0),
            weights,
        }
    }

    /// True where a position is padding, `[batch, seq]`.
    #[cfg(not(target_arch = "wasm32"))]
    pub(crate) fn padding(&self) -> Tensor<2, Bool> {
        self.padding.clone()
    }
}

/// One transformer layer (post-norm): self-attention, then the feed-forward block.
#[derive(Module, Debug)]
pub(crate) struct Layer {
    attention: MultiHeadAttention,
    attention_norm: LayerNorm,
    ffn_in: Linear,
    ffn_out: Linear,
    ffn_norm: LayerNorm,
    /// The layer for CPU inference with int8 linear layers (see `int8`); `None` on the
    /// other paths, where the burn modules above hold the weights.
    #[module(skip)]
    int8: Option<Int8Layer>,
}

impl Layer {
    pub(crate) fn load(loader: &Loader, config: &EncoderConfig, prefix: &str) -> Result<Self> {
        let (h, ffn) = (config.hidden_size, config.intermediate_size);
        let int8 = Int8Layer::load(loader, config, prefix)?;
        // With int8 layers, burn's linear layers are never run: they keep their lazy
        // initializer (never materialized) instead of an f32 copy of the weights.
        let linear = |name: &str, d_in, d_out| match int8 {
            Some(_) => Ok(LinearConfig::new(d_in, d_out).init(loader.device())),
            None => loader.linear(&format!("{prefix}.{name}"), d_in, d_out),
        };
        let mut attention = MultiHeadAttentionConfig::new(h, config.num_heads)
            .with_dropout(0.0)
            .init(loader.device());
        attention.query = linear("attention.self.query", h, h)?;
        attention.key = linear("attention.self.key", h, h)?;
        attention.value = linear("attention.self.value", h, h)?;
        attention.output = linear("attention.output.dense", h, h)?;
        Ok(Layer {
            attention,
            attention_norm: loader.norm(&format!("{prefix}.attention.output.LayerNorm"), h)?,
            ffn_in: linear("intermediate.dense", h, ffn)?,
            ffn_out: linear("output.dense", ffn, h)?,
            ffn_norm: loader.norm(&format!("{prefix}.output.LayerNorm"), h)?,
            int8,
        })
    }

    /// The layer's weights in artifact form (Hugging Face names under `prefix`), for saving.
    #[cfg(not(target_arch = "wasm32"))]
    pub(crate) fn weights(&self, prefix: &str) -> Result<Vec<(String, crate::artifact::Weights)>> {
        use super::load::{linear_weights, norm_weights};
        if self.int8.is_some() {
            return Err(crate::error::Error::new(
                crate::error::ErrorCode::InvalidArgument,
                "a layer loaded for CPU inference holds int8 weights only: load it for training to save it",
            ));
        }
        let a = &self.attention;
        let mut out = Vec::new();
        for (name, linear) in [
            ("attention.self.query", &a.query),
            ("attention.self.key", &a.key),
            ("attention.self.value", &a.value),
            ("attention.output.dense", &a.output),
            ("intermediate.dense", &self.ffn_in),
            ("output.dense", &self.ffn_out),
        ] {
            out.extend(linear_weights(&format!("{prefix}.{name}"), linear)?);
        }
        out.extend(norm_weights(&format!("{prefix}.attention.output.LayerNorm"), &self.attention_norm)?);
        out.extend(norm_weights(&format!("{prefix}.output.LayerNorm"), &self.ffn_norm)?);
        Ok(out)
    }

    pub(crate) fn forward(&self, x: Tensor<3>, padding: Tensor<2, Bool>) -> Tensor<3> {
        if let Some(int8) = &self.int8 {
            return int8.forward(x, padding);
        }
        let attended = self.attention.forward(MhaInput::self_attn(x.clone()).mask_pad(padding)).context;
        let x = self.attention_norm.forward(x + attended);
        let hidden = self.ffn_out.forward(gelu(self.ffn_in.forward(x.clone())));
        self.ffn_norm.forward(x + hidden)
    }
}

/// The sentence encoder: token ids in, one pooled, L2-normalized vector per sequence out.
#[derive(Module, Debug)]
pub struct Encoder {
    words: Embedding,
    positions: Param<Tensor<2>>,
    token_type: Param<Tensor<1>>,
    norm: LayerNorm,
    layers: Vec<Layer>,
}

impl Encoder {
    /// Builds the encoder from the artifact's weights (Hugging Face BERT names, PyTorch layout).
    pub fn load(config: &EncoderConfig, artifact: &Artifact, device: &Device) -> Result<Self> {
        let loader = Loader::new(artifact, device, config.layer_norm_eps);
        let hidden = config.hidden_size;
        let mut words = EmbeddingConfig::new(config.vocab_size, hidden).init(device);
        words.weight = loader.matrix("embeddings.word_embeddings.weight", [config.vocab_size, hidden])?;
        let token_types = loader.weights("embeddings.token_type_embeddings.weight", &[2, hidden])?;
        let layers = (0..config.num_layers)
            .map(|i| Layer::load(&loader, config, &format!("encoder.layer.{i}")))
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            words,
            positions: loader.matrix("embeddings.position_embeddings.weight", [config.max_position, hidden])?,
            token_type: Param::from_tensor(Tensor::from_data(
                TensorData::new(token_types.values[..hidden].to_vec(), [hidden]),
                device,
            )),
            norm: loader.norm("embeddings.LayerNorm", hidden)?,
            layers,
        })
    }

    /// Token-level hidden states `[batch, seq, hidden]` of the last layer.
    pub fn hidden_states(&self, batch: &Batch) -> Tensor<3> {
        self.lower_states(batch, self.layers.len())
    }

    /// Token-level hidden states after the embeddings and the first `layers` layers.
    pub fn lower_states(&self, batch: &Batch, layers: usize) -> Tensor<3> {
        let [_, seq] = batch.ids.dims();
        let positions = self.positions.val().slice(0..seq).unsqueeze_dim::<3>(0);
        let token_type = self.token_type.val().unsqueeze_dims::<3>(&[0, 1]);
        let mut x = self.norm.forward(self.words.forward(batch.ids.clone()) + positions + token_type);
        for layer in &self.layers[..layers.min(self.layers.len())] {
            x = layer.forward(x, batch.padding.clone());
        }
        x
    }

    /// The hidden size: the width of every token state.
    pub fn width(&self) -> usize {
        self.positions.val().dims()[1]
    }

    /// The number of transformer layers.
    pub fn depth(&self) -> usize {
        self.layers.len()
    }

    /// The last `count` layers, for fine-tuning (the rest of the encoder is dropped).
    #[cfg(not(target_arch = "wasm32"))]
    pub(crate) fn into_top_layers(mut self, count: usize) -> Vec<Layer> {
        let keep = self.layers.len().saturating_sub(count);
        self.layers.split_off(keep)
    }

    /// Mean of the real tokens' hidden states, L2-normalized: `[batch, hidden]`.
    pub fn forward(&self, batch: &Batch) -> Tensor<2> {
        pool(self.hidden_states(batch), batch)
    }
}

/// Attention-masked mean pooling of hidden states, then L2 normalization.
pub fn pool(hidden: Tensor<3>, batch: &Batch) -> Tensor<2> {
    let weights = batch.weights.clone().unsqueeze_dim::<3>(2);
    let count = weights.clone().sum_dim(1).clamp_min(1e-9);
    let pooled = (hidden * weights).sum_dim(1).div(count).squeeze_dim::<2>(1);
    l2_normalize(pooled)
}

/// Scales each row of `[rows, width]` (or each vector of a higher-rank tensor's last axis) to unit length.
pub fn l2_normalize<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    let norm = x.clone().powf_scalar(2.0).sum_dim(D - 1).sqrt().clamp_min(1e-12);
    x.div(norm)
}
