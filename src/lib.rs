//! Nacre: a constructive safety assistant that runs in the browser.
//!
//! Data flows one way: normalize → tokenize → encoder → heads → assessment → policy →
//! compose. [`Nacre`] owns a loaded model and runs that flow. When the GPU fails mid-session
//! (device or adapter lost), it rebuilds the network on the CPU and keeps answering.

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
use std::cell::RefCell;
use std::rc::Rc;
use tokenize::Tokenizer;

/// Decision thresholds chosen on the dev split, stored as the `calibration` document.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// A message is `flagged` when its risk (`Assessment::risk_of`) is above this.
    pub flag_threshold: f32,
}

/// The network (encoder and, when trained, heads) on one device.
pub(crate) struct Network {
    pub(crate) encoder: Encoder,
    heads: Option<Heads>,
    pub(crate) device: Device,
    backend: Backend,
}

impl Network {
    fn load(artifact: &Artifact, device: Device, backend: Backend) -> Result<Self> {
        let encoder = Encoder::load(&artifact.document("encoder")?, artifact, &device)?;
        let heads = if artifact.header.documents.contains_key("heads") {
            let config: HeadsConfig = artifact.document("heads")?;
            Some(Heads::load(&config, artifact, &device)?)
        } else {
            None
        };
        Ok(Self { encoder, heads, device, backend })
    }
}

/// A loaded model on a device, ready to embed and assess text.
pub struct Nacre {
    tokenizer: Tokenizer,
    /// The network in use, swapped for a CPU copy if the GPU fails. Calls hold their own
    /// `Rc` of it, never a borrow across an `await`.
    network: RefCell<Rc<Network>>,
    /// The model file, kept while the network is on the GPU, to rebuild it on the CPU.
    artifact: RefCell<Option<Artifact>>,
    calibration: Option<Calibration>,
    policy: Option<(Policy, Resources)>,
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
        let calibration =
            if artifact.header.documents.contains_key("heads") { Some(artifact.document("calibration")?) } else { None };
        let policy = match (artifact.header.documents.get("policy"), artifact.header.documents.get("resources")) {
            (Some(policy), Some(resources)) => {
                Some((Policy::from_json(&policy.to_string())?, Resources::from_json(&resources.to_string())?))
            }
            _ => None,
        };
        let (device, backend) = model::select_device(request).await?;
        let network = Network::load(&artifact, device, backend)?;
        Ok(Self {
            tokenizer,
            network: RefCell::new(Rc::new(network)),
            artifact: RefCell::new((backend == Backend::Webgpu).then_some(artifact.clone())),
            calibration,
            policy,
            name: artifact.header.name,
            version: artifact.header.version,
        })
    }

    /// Runs `work` on the network; if the GPU fails under it, moves to the CPU for good
    /// and runs it again there.
    async fn on_network<T>(&self, work: impl AsyncFn(&Network) -> Result<T>) -> Result<T> {
        let network = Rc::clone(&self.network.borrow());
        match work(&network).await {
            Err(error) if error.code == ErrorCode::Backend && network.backend == Backend::Webgpu => {
                let cpu = self.fall_back_to_cpu()?;
                work(&cpu).await
            }
            done => done,
        }
    }

    /// The network on the CPU, rebuilt from the kept model file (once; later calls share it).
    fn fall_back_to_cpu(&self) -> Result<Rc<Network>> {
        if let Some(artifact) = self.artifact.borrow_mut().take() {
            model::webgpu_lost();
            *self.network.borrow_mut() = Rc::new(Network::load(&artifact, Device::flex(), Backend::Cpu)?);
        }
        Ok(Rc::clone(&self.network.borrow()))
    }

    /// The network in use now (training reads its encoder and device).
    #[cfg(not(target_arch = "wasm32"))]
    pub(crate) fn network(&self) -> Rc<Network> {
        Rc::clone(&self.network.borrow())
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        self.network.borrow().backend
    }

    /// The model's name and version, as written in the artifact.
    pub fn model(&self) -> (&str, &str) {
        (&self.name, &self.version)
    }

    /// The thresholds shipped with the model, if it has safety heads.
    pub fn calibration(&self) -> Option<Calibration> {
        self.calibration
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
        self.on_network(async |n: &Network| assess::embed(&n.encoder, texts, &n.device).await).await
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
        if self.calibration.is_none() {
            return Err(Error::new(ErrorCode::InvalidArgument, "this model is an encoder only: it has no safety heads"));
        }
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        self.on_network(async |n: &Network| {
            let heads = n.heads.as_ref().expect("a model with a calibration has heads");
            assess::assess(&n.encoder, heads, &self.tokenizer, texts, &n.device).await
        })
        .await
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
