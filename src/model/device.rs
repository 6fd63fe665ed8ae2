//! Backend choice: WebGPU through burn's wgpu runtime (browser builds), or burn's Flex
//! CPU backend. `auto` tries WebGPU and falls back to the CPU when no adapter is there.

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

#[cfg(target_arch = "wasm32")]
thread_local! {
    /// burn registers the WebGPU runtime once per page: later loads share that device.
    static WEBGPU: std::cell::RefCell<Option<Device>> = const { std::cell::RefCell::new(None) };
}

#[cfg(target_arch = "wasm32")]
async fn webgpu() -> Result<Device> {
    if let Some(device) = WEBGPU.with(|cell| cell.borrow().clone()) {
        return Ok(device);
    }
    let device = Device::wgpu_options()
        .init_async()
        .await
        .map_err(|e| Error::new(ErrorCode::BackendUnavailable, format!("WebGPU: {e}")))?;
    WEBGPU.with(|cell| *cell.borrow_mut() = Some(device.clone()));
    Ok(device)
}

#[cfg(not(target_arch = "wasm32"))]
async fn webgpu() -> Result<Device> {
    Err(Error::new(ErrorCode::BackendUnavailable, "WebGPU is only built for the browser"))
}
