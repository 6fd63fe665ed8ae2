//! The network (encoder now, heads later) as burn modules, and the choice of device it
//! runs on. Knows nothing of text or policy.

mod device;
mod encoder;

pub use device::{Backend, BackendRequest, select_device};
pub use encoder::{Batch, Encoder, EncoderConfig};
