//! Backend choice: WebGPU through burn's wgpu runtime (browser builds), or burn's Flex
//! CPU backend. `auto` tries WebGPU and falls back to the CPU when no adapter is there,
//! or when the page's WebGPU device was lost earlier.

use crate::error::{Error, ErrorCode, Result};
use burn::tensor::Device;
use serde::{Deserialize, Serialize};

/// The backend a caller asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendRequest {
    #[default]
    Auto,
    Webgpu,
    Cpu,
}

impl std::str::FromStr for BackendRequest {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "auto" => Ok(Self::Auto),
            "webgpu" => Ok(Self::Webgpu),
            "cpu" => Ok(Self::Cpu),
            other => Err(Error::new(
                ErrorCode::InvalidArgument,
                format!("backend must be auto, webgpu or cpu, not {other:?}"),
            )),
        }
    }
}

/// The backend actually in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Webgpu,
    Cpu,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Webgpu => "webgpu",
            Self::Cpu => "cpu",
        }
    }
}

/// Sets up the requested device. `Webgpu` fails with `BACKEND_UNAVAILABLE` when there is
/// no adapter; `Auto` then falls back to the CPU.
pub async fn select_device(request: BackendRequest) -> Result<(Device, Backend)> {
    match request {
        BackendRequest::Cpu => Ok((Device::flex(), Backend::Cpu)),
        BackendRequest::Webgpu => Ok((webgpu().await?, Backend::Webgpu)),
        BackendRequest::Auto => match webgpu().await {
            Ok(device) => Ok((device, Backend::Webgpu)),
            Err(_) => Ok((Device::flex(), Backend::Cpu)),
        },
    }
}

/// The page's WebGPU device: not made yet, ready, or lost (then WebGPU is unavailable).
#[cfg(target_arch = "wasm32")]
enum Webgpu {
    Unset,
    Ready(Device),
    Lost,
}

#[cfg(target_arch = "wasm32")]
thread_local! {
    /// burn registers the WebGPU runtime once per page: later loads share that device.
    static WEBGPU: std::cell::RefCell<Webgpu> = const { std::cell::RefCell::new(Webgpu::Unset) };
}

#[cfg(target_arch = "wasm32")]
async fn webgpu() -> Result<Device> {
    let known = WEBGPU.with(|cell| match &*cell.borrow() {
        Webgpu::Ready(device) => Some(Ok(device.clone())),
        Webgpu::Lost => Some(Err(Error::new(ErrorCode::BackendUnavailable, "the WebGPU device was lost"))),
        Webgpu::Unset => None,
    });
    if let Some(known) = known {
        return known;
    }
    let device = Device::wgpu_options()
        .init_async()
        .await
        .map_err(|e| Error::new(ErrorCode::BackendUnavailable, format!("WebGPU: {e}")))?;
    WEBGPU.with(|cell| *cell.borrow_mut() = Webgpu::Ready(device.clone()));
    Ok(device)
}

/// Marks the page's WebGPU device as lost: later loads use the CPU.
pub fn webgpu_lost() {
    #[cfg(target_arch = "wasm32")]
    WEBGPU.with(|cell| *cell.borrow_mut() = Webgpu::Lost);
}

#[cfg(not(target_arch = "wasm32"))]
async fn webgpu() -> Result<Device> {
    Err(Error::new(ErrorCode::BackendUnavailable, "WebGPU is only built for the browser"))
}
