//! The JavaScript surface (wasm-bindgen), thin on purpose: argument checks, promises and
//! errors as `NacreError` exceptions carrying the stable `code`. All work is in the core.

use crate::policy::Conversation;
use crate::{BackendRequest, Error, ErrorCode};
use js_sys::{Float32Array, JsString, Promise, Reflect, Uint8Array};
use serde::Deserialize;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{JsFuture, future_to_promise};

#[wasm_bindgen(start)]
fn start() {
    console_error_panic_hook::set_once();
}

/// A JS `Error` with `name = "NacreError"` and the stable `code`.
fn js_error(error: Error) -> JsValue {
    let js = js_sys::Error::new(&error.message);
    js.set_name("NacreError");
    let _ = Reflect::set(&js, &"code".into(), &error.code.as_str().into());
    js.into()
}

/// A JS string as Rust text; non-strings and lone surrogates are typed errors.
fn text_arg(value: &JsValue) -> Result<String, JsValue> {
    let Some(text) = value.as_string() else {
        return Err(js_error(Error::new(ErrorCode::InvalidArgument, "text must be a string")));
    };
    if !JsString::from(value.clone()).is_valid_utf16() {
        return Err(js_error(Error::new(ErrorCode::InvalidText, "text contains a lone UTF-16 surrogate")));
    }
    Ok(text)
}

#[derive(Deserialize, Default)]
struct LoadOptions {
    #[serde(default)]
    backend: BackendRequest,
}

#[derive(Deserialize, Default)]
struct RespondOptions {
    locale: Option<String>,
}

/// The browser's language (`navigator.language`, in pages and workers), else `en-US`.
fn browser_locale() -> String {
    Reflect::get(&js_sys::global(), &"navigator".into())
        .and_then(|navigator| Reflect::get(&navigator, &"language".into()))
        .ok()
        .and_then(|language| language.as_string())
        .unwrap_or_else(|| "en-US".into())
}

/// A plain JS object through JSON (64-bit hashes in the conversation become JS numbers).
fn to_js<T: serde::Serialize>(value: &T) -> Result<JsValue, JsValue> {
    let json = serde_json::to_string(value).map_err(|e| js_error(Error::new(ErrorCode::Backend, e.to_string())))?;
    js_sys::JSON::parse(&json)
}

/// A loaded Nacre model.
#[wasm_bindgen(js_name = Nacre)]
pub struct JsNacre {
    inner: Rc<crate::Nacre>,
    conversation: Rc<RefCell<Conversation>>,
    /// The promise of the latest call: each call starts when the one before it is settled.
    last: RefCell<Promise>,
}

impl JsNacre {
    /// Runs `work` once every earlier call is settled: calls are answered in the order
    /// they were made, and a failed one does not stop the next.
    fn in_turn(&self, work: impl std::future::Future<Output = Result<JsValue, JsValue>> + 'static) -> Promise {
        let previous = self.last.borrow().clone();
        let promise = future_to_promise(async move {
            let _ = JsFuture::from(previous).await;
            work.await
        });
        *self.last.borrow_mut() = promise.clone();
        promise
    }
}

#[wasm_bindgen(js_class = Nacre)]
impl JsNacre {
    /// `await Nacre.load(bytes, { backend: "auto" | "webgpu" | "cpu" })`.
    pub async fn load(bytes: Uint8Array, options: JsValue) -> Result<JsNacre, JsValue> {
        let options: LoadOptions = if options.is_undefined() || options.is_null() {
            LoadOptions::default()
        } else {
            serde_wasm_bindgen::from_value(options)
                .map_err(|e| js_error(Error::new(ErrorCode::InvalidArgument, e.to_string())))?
        };
        let nacre = crate::Nacre::load(&bytes.to_vec(), options.backend).await.map_err(js_error)?;
        Ok(JsNacre { inner: Rc::new(nacre), conversation: Rc::default(), last: RefCell::new(Promise::resolve(&JsValue::UNDEFINED)) })
    }

    /// The backend in use: `"webgpu"` or `"cpu"` (`"cpu"` after the GPU was lost).
    #[wasm_bindgen(getter)]
    pub fn backend(&self) -> String {
        self.inner.backend().as_str().into()
    }

    /// The model's name and version, e.g. `"nacre-teacher 0.1.0"`.
    #[wasm_bindgen(getter)]
    pub fn model(&self) -> String {
        let (name, version) = self.inner.model();
        format!("{name} {version}")
    }

    /// `await nacre.embed(text)`: the L2-normalized sentence embedding (`Float32Array`).
    pub fn embed(&self, text: JsValue) -> Promise {
        let inner = Rc::clone(&self.inner);
        self.in_turn(async move {
            let text = text_arg(&text)?;
            let vector = inner.embed(&text).await.map_err(js_error)?;
            Ok(Float32Array::from(vector.as_slice()).into())
        })
    }

    /// `await nacre.assess(text)`: the model's judgement (categories, user type, severity,
    /// jailbreak, evidence) as a plain object.
    pub fn assess(&self, text: JsValue) -> Promise {
        let inner = Rc::clone(&self.inner);
        self.in_turn(async move {
            let text = text_arg(&text)?;
            to_js(&inner.assess(&text).await.map_err(js_error)?)
        })
    }

    /// `await nacre.respond(text, { locale })`: the next turn of this page's conversation:
    /// `{ decision: { strategy, resources, trace }, reply: { strategy, message, guidance, resources } }`.
    /// Calls are answered in the order they were made.
    pub fn respond(&self, text: JsValue, options: JsValue) -> Promise {
        let (inner, conversation) = (Rc::clone(&self.inner), Rc::clone(&self.conversation));
        self.in_turn(async move {
            let text = text_arg(&text)?;
            let options: RespondOptions = if options.is_undefined() || options.is_null() {
                RespondOptions::default()
            } else {
                serde_wasm_bindgen::from_value(options)
                    .map_err(|e| js_error(Error::new(ErrorCode::InvalidArgument, e.to_string())))?
            };
            let locale = options.locale.unwrap_or_else(browser_locale);
            let assessment = inner.assess(&text).await.map_err(js_error)?;
            let response = inner.reply(&mut conversation.borrow_mut(), &assessment, &text, &locale).map_err(js_error)?;
            to_js(&response)
        })
    }

    /// The conversation so far (the remembered turns; no message text is kept).
    pub fn conversation(&self) -> Result<JsValue, JsValue> {
        to_js(&*self.conversation.borrow())
    }

    /// Forgets the conversation.
    pub fn reset(&self) {
        *self.conversation.borrow_mut() = Conversation::new();
    }
}
