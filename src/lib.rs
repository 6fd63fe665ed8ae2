//! Nacre: a constructive safety assistant that runs in the browser.
//!
//! Data flows one way: normalize → tokenize → encoder → heads → assessment → policy →
//! compose. [`Nacre`] owns a loaded model and runs that flow.

pub mod artifact;
pub mod assess;
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
#[cfg(not(target_arch = "wasm32"))]
pub mod train;
#[cfg(target_arch = "wasm32")]
mod wasm;

pub use assess::MAX_CHARS;
pub use assessment::Assessment;
pub use error::{Error, ErrorCode, Result};
pub use model::{Backend, BackendRequest};
pub use respond::{Response, respond};

use artifact::Artifact;
use assess::Prepared;
use burn::tensor::Device;
use compose::Resources;
use model::{Encoder, EncoderConfig, Heads, HeadsConfig};
use policy::{Conversation, Policy};
use serde::{Deserialize, Serialize};
use tokenize::Tokenizer;

/// Decision thresholds chosen on the dev split, stored as the `calibration` document.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// A message is `flagged` when its risk (1 − P(none)) is above this.
    pub flag_threshold: f32,
}

/// A loaded model on a device, ready to embed and assess text.
pub struct Nacre {
    tokenizer: Tokenizer,
    encoder: Encoder,
    heads: Option<(Heads, Calibration)>,
    policy: Option<(Policy, Resources)>,
    device: Device,
    backend: Backend,
    name: String,
    version: String,
}

impl Nacre {
    /// Loads a model artifact onto the requested backend. An encoder-only artifact
    /// embeds but cannot assess.
    pub async fn load(bytes: &[u8], request: BackendRequest) -> Result<Self> {
        let artifact = Artifact::parse(bytes)?;
        let config: EncoderConfig = artifact.document("encoder")?;
        let tokenizer = Tokenizer::from_json(artifact.tokenizer_json(), config.max_len)?;
        let (device, backend) = model::select_device(request).await?;
        let encoder = Encoder::load(&config, &artifact, &device)?;
        let heads = if artifact.header.documents.contains_key("heads") {
            let heads_config: HeadsConfig = artifact.document("heads")?;
            Some((Heads::load(&heads_config, &artifact, &device)?, artifact.document("calibration")?))
        } else {
            None
        };
        let policy = match (artifact.header.documents.get("policy"), artifact.header.documents.get("resources")) {
            (Some(policy), Some(resources)) => {
                Some((Policy::from_json(&policy.to_string())?, Resources::from_json(&resources.to_string())?))
            }
            _ => None,
        };
        Ok(Self {
            tokenizer,
            encoder,
            heads,
            policy,
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

    /// The thresholds shipped with the model, if it has safety heads.
    pub fn calibration(&self) -> Option<Calibration> {
        self.heads.as_ref().map(|(_, calibration)| *calibration)
    }

    /// Whether the model carries the policy that `reply` and `respond` need.
    pub fn has_policy(&self) -> bool {
        self.policy.is_some()
    }

    /// Normalizes and tokenizes one text (no model work).
    pub fn prepare(&self, text: &str) -> Result<Prepared> {
        assess::prepare(&self.tokenizer, text)
    }

    /// Sentence embeddings (L2-normalized) of prepared texts.
    pub async fn embed_prepared(&self, texts: &[Prepared]) -> Result<Vec<Vec<f32>>> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        assess::embed(&self.encoder, texts, &self.device).await
    }

    /// The sentence embedding of each text (L2-normalized, one vector per text).
    pub async fn embed_batch(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        let prepared = texts.iter().map(|t| self.prepare(t)).collect::<Result<Vec<_>>>()?;
        self.embed_prepared(&prepared).await
    }

    /// The sentence embedding of one text.
    pub async fn embed(&self, text: &str) -> Result<Vec<f32>> {
        Ok(self.embed_batch(&[text]).await?.remove(0))
    }

    /// Assessments of prepared texts, in order.
    pub async fn assess_prepared(&self, texts: &[Prepared]) -> Result<Vec<Assessment>> {
        let Some((heads, _)) = &self.heads else {
            return Err(Error::new(ErrorCode::InvalidArgument, "this model is an encoder only: it has no safety heads"));
        };
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        assess::assess(&self.encoder, heads, &self.tokenizer, texts, &self.device).await
    }

    /// The assessment of one text.
    pub async fn assess(&self, text: &str) -> Result<Assessment> {
        let prepared = self.prepare(text)?;
        Ok(self.assess_prepared(&[prepared]).await?.remove(0))
    }

    /// Decides with the shipped policy and composes the reply to an assessed `text` for a
    /// user in `locale` (BCP 47, e.g. `en-GB`); the turn is remembered in `conversation`.
    pub fn reply(
        &self,
        conversation: &mut Conversation,
        assessment: &Assessment,
        text: &str,
        locale: &str,
    ) -> Result<Response> {
        let Some((policy, resources)) = &self.policy else {
            return Err(Error::new(ErrorCode::InvalidArgument, "this model carries no policy: it cannot respond"));
        };
        Ok(respond::respond(policy, resources, conversation, assessment, text, locale))
    }

    /// Assesses `text`, then [`reply`](Self::reply).
    pub async fn respond(&self, conversation: &mut Conversation, text: &str, locale: &str) -> Result<Response> {
        let assessment = self.assess(text).await?;
        self.reply(conversation, &assessment, text, locale)
    }
}
