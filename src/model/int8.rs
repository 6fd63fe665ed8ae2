//! A transformer layer on the CPU inference path: its linear layers kept int8 as the
//! artifact stores them and run by the integer `matmul` (query, key and value fused into
//! one matrix), everything between them on plain vectors (`kernels`). Only an int8
//! artifact on the plain CPU device takes this path; training (autodiff) and WebGPU run
//! the burn modules.

use super::encoder::EncoderConfig;
use super::kernels::{add_and_norm, attention, gelu};
use super::load::Loader;
use super::matmul::{Int8Matrix, QuantizedRows, matmul};
use crate::error::{Error, Result};
use burn::tensor::{Bool, Device, Tensor, TensorData};

/// `x · Wᵀ + b` with `W` int8 (one scale per output) and `x` quantized per row when called.
#[derive(Debug, Clone)]
struct Int8Linear {
    weights: Int8Matrix,
    bias: Vec<f32>,
}

impl Int8Linear {
    /// `{prefix}.weight` (`[out, in]`) and `{prefix}.bias`; `None` when the weight is stored as f32.
    fn load(loader: &Loader, prefix: &str, d_in: usize, d_out: usize) -> Result<Option<Self>> {
        let name = format!("{prefix}.weight");
        let Some(stored) = loader.artifact().int8_tensor(&name)? else {
            return Ok(None);
        };
        if stored.shape != [d_out, d_in] {
            return Err(Error::corrupt(format!("tensor {name}: shape {:?}, expected {:?}", stored.shape, [d_out, d_in])));
        }
        let bias = loader.weights(&format!("{prefix}.bias"), &[d_out])?.values;
        Ok(Some(Self { weights: Int8Matrix::new(d_out, d_in, &stored.codes, stored.scales), bias }))
    }

    /// One linear layer made of several stacked by output (query, key, value).
    fn stack(parts: Vec<Self>) -> Self {
        let weights = Int8Matrix::stack(&parts.iter().map(|p| p.weights.clone()).collect::<Vec<_>>());
        Self { weights, bias: parts.into_iter().flat_map(|p| p.bias).collect() }
    }

    /// The layer on row-major `values` with `width` columns.
    fn apply(&self, values: &[f32], width: usize) -> Vec<f32> {
        matmul(&QuantizedRows::new(values, width), &self.weights, &self.bias)
    }
}

/// One transformer layer for CPU inference: int8 linear layers, f32 LayerNorms.
#[derive(Debug, Clone)]
pub(crate) struct Int8Layer {
    /// Query, key and value stacked: `[3 × hidden, hidden]`.
    qkv: Int8Linear,
    output: Int8Linear,
    attention_norm: Norm,
    ffn_in: Int8Linear,
    ffn_out: Int8Linear,
    ffn_norm: Norm,
    heads: usize,
}

/// A LayerNorm's parameters.
#[derive(Debug, Clone)]
struct Norm {
    gamma: Vec<f32>,
    beta: Vec<f32>,
    eps: f32,
}

impl Norm {
    fn load(loader: &Loader, prefix: &str, width: usize, eps: f64) -> Result<Self> {
        let vector = |name: &str| Ok::<_, Error>(loader.weights(&format!("{prefix}.{name}"), &[width])?.values);
        Ok(Self { gamma: vector("weight")?, beta: vector("bias")?, eps: eps as f32 })
    }

    /// `x ← norm(x + residual)`.
    fn add_and_norm(&self, x: &mut [f32], residual: &[f32]) {
        add_and_norm(x, residual, &self.gamma, &self.beta, self.eps);
    }
}

impl Int8Layer {
    /// The layer from the artifact when `loader` reads onto the plain CPU device and all
    /// its linear layers are stored as int8; otherwise `None` (burn's path is used).
    pub(crate) fn load(loader: &Loader, config: &EncoderConfig, prefix: &str) -> Result<Option<Self>> {
        // An autodiff device compares equal to the plain one it wraps: training needs burn's path.
        let device = loader.device();
        if *device != Device::flex() || device.is_autodiff() {
            return Ok(None);
        }
        let (h, ffn) = (config.hidden_size, config.intermediate_size);
        let linear = |name: &str, d_in, d_out| Int8Linear::load(loader, &format!("{prefix}.{name}"), d_in, d_out);
        let (Some(query), Some(key), Some(value), Some(output), Some(ffn_in), Some(ffn_out)) = (
            linear("attention.self.query", h, h)?,
            linear("attention.self.key", h, h)?,
            linear("attention.self.value", h, h)?,
            linear("attention.output.dense", h, h)?,
            linear("intermediate.dense", h, ffn)?,
            linear("output.dense", ffn, h)?,
        ) else {
            return Ok(None);
        };
        let norm = |name: &str| Norm::load(loader, &format!("{prefix}.{name}.LayerNorm"), h, config.layer_norm_eps);
        Ok(Some(Self {
            qkv: Int8Linear::stack(vec![query, key, value]),
            output,
            attention_norm: norm("attention.output")?,
            ffn_in,
            ffn_out,
            ffn_norm: norm("output")?,
            heads: config.num_heads,
        }))
    }

    /// The layer on `x` (`[batch, seq, hidden]`), padding masked out of attention: the same
    /// arithmetic as the burn modules (post-norm self-attention, then the GELU feed-forward).
    pub(crate) fn forward(&self, x: Tensor<3>, padding: Tensor<2, Bool>) -> Tensor<3> {
        let [batch, seq, hidden] = x.dims();
        let device = x.device();
        let mut x = x.into_data().try_into_vec::<f32>().expect("the CPU path computes in f32");
        let padding = padding.into_data().try_into_vec::<bool>().expect("a boolean mask");
        let context = attention(&self.qkv.apply(&x, hidden), &padding, seq, self.heads);
        let mut attended = self.output.apply(&context, hidden);
        self.attention_norm.add_and_norm(&mut attended, &x);
        x = attended;
        let mut inner = self.ffn_in.apply(&x, hidden);
        inner.iter_mut().for_each(|v| *v = gelu(*v));
        let mut out = self.ffn_out.apply(&inner, self.ffn_in.weights.rows());
        self.ffn_norm.add_and_norm(&mut out, &x);
        Tensor::from_data(TensorData::new(out, [batch, seq, hidden]), &device)
    }
}
