//! Nacre: a constructive safety assistant that runs in the browser.
//!
//! Data flows one way: normalize → tokenize → encoder → heads → assessment → policy →
//! compose. [`Nacre`] owns a loaded model and runs that flow.

pub mod artifact;
pub mod assessment;
pub mod compose;
pub mod error;
pub mod model;
pub mod normalize;
#[cfg(not(target_arch = "wasm32"))]
pub mod pack;
pub mod policy;
pub mod respond;
pub mod taxonomy;
pub mod tokenize;
#[cfg(target_arch = "wasm32")]
mod wasm;

pub use error::{Error, ErrorCode, Result};
pub use model::{Backend, BackendRequest};
pub use respond::{Response, respond};

use artifact::Artifact;
use burn::tensor::Device;
use model::{Batch, Encoder, EncoderConfig};
use tokenize::Tokenizer;

/// The longest text, in characters after normalization, that is read.
pub const MAX_CHARS: usize = 65_536;

/// A loaded model on a device, ready to embed and assess text.
pub struct Nacre {
    tokenizer: Tokenizer,
    encoder: Encoder,
    device: Device,
    backend: Backend,
    name: String,
    version: String,
}

impl Nacre {
    /// Loads a model artifact onto the requested backend.
    pub async fn load(bytes: &[u8], request: BackendRequest) -> Result<Self> {
        let artifact = Artifact::parse(bytes)?;
        let config: EncoderConfig = artifact.document("encoder")?;
        let tokenizer = Tokenizer::from_json(artifact.tokenizer_json(), config.max_len)?;
        let (device, backend) = model::select_device(request).await?;
        let encoder = Encoder::load(&config, &artifact, &device)?;
        Ok(Self {
            tokenizer,
            encoder,
            device,
            backend,
            name: artifact.header.name.clone(),
            version: artifact.header.version.clone(),
        })
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The model's name and version, as written in the artifact.
    pub fn model(&self) -> (&str, &str) {
        (&self.name, &self.version)
    }

    /// Token ids of a text after normalization; empty text is an error.
    fn token_ids(&self, text: &str) -> Result<Vec<u32>> {
        let normalized = normalize::normalize(text, MAX_CHARS);
        if normalized.text.is_empty() {
            return Err(Error::new(ErrorCode::EmptyText, "the text is empty"));
        }
        self.tokenizer.encode(&normalized.text)
    }

    /// The sentence embedding of each text (L2-normalized, one vector per text).
    pub async fn embed_batch(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let ids = texts.iter().map(|t| self.token_ids(t)).collect::<Result<Vec<_>>>()?;
        let pooled = self.encoder.forward(&Batch::new(&ids, &self.device));
        let width = pooled.dims()[1];
        let data = pooled
            .into_data_async()
            .await
            .map_err(|e| Error::new(ErrorCode::Backend, format!("reading results: {e:?}")))?;
        let values = data
            .try_to_vec::<f32>()
            .map_err(|e| Error::new(ErrorCode::Backend, format!("reading results: {e:?}")))?;
        Ok(values.chunks(width).map(<[f32]>::to_vec).collect())
    }

    /// The sentence embedding of one text.
    pub async fn embed(&self, text: &str) -> Result<Vec<f32>> {
        Ok(self.embed_batch(&[text]).await?.remove(0))
    }
}
