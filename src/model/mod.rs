//! The network (encoder and heads) as burn modules, and the choice of device it runs
//! on. Knows nothing of text or policy.

mod device;
mod encoder;
mod heads;
mod int8;
mod kernels;
mod load;
mod matmul;

pub use device::{Backend, BackendRequest, select_device, webgpu_lost};
pub use encoder::{Batch, Encoder, EncoderConfig, l2_normalize, pool};
#[cfg(not(target_arch = "wasm32"))]
pub(crate) use encoder::Layer;
pub use heads::{CATEGORIES, Heads, HeadsConfig, JAILBREAK, Logits, SEVERITIES, USER_TYPES};
