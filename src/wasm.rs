//! The JavaScript surface (wasm-bindgen), thin on purpose: argument checks, promises and
//! errors as `NacreError` exceptions carrying the stable `code`. All work is in the core.

use crate::assessment::Assessment;
use crate::policy::Conversation;
use crate::respond::Response;
use crate::{BackendRequest, Error, ErrorCode};
use js_sys::{Float32Array, JsString, Promise, Reflect, Uint8Array};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{JsFuture, future_to_promise};

/// The TypeScript shapes of the plain objects below (hand-written to match their serde form;
/// `tests/browser/web.test.mjs` checks them against real outputs).
#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = include_str!("wasm_types.d.ts");

unsafe extern "C" {
    /// The linker's function that runs every static constructor (`inventory` registrations in
    /// the burn/cubecl crates).
    fn __wasm_call_ctors();
}

#[wasm_bindgen(start)]
fn start() {
    // Run the constructors once, at instantiation. Without this explicit call the linker wraps
    // every export in a call to them, which cost about 4% of each CPU embed (profiled).
    // SAFETY: called once, before any other export, from the module's start function.
    unsafe { __wasm_call_ctors() };
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

/// An options object (absent or `null`: the defaults); unknown shapes are typed errors.
fn options_arg<T: Default + for<'de> Deserialize<'de>>(options: Option<JsValue>) -> Result<T, JsValue> {
    match options {
        Some(value) if !value.is_null() && !value.is_undefined() => serde_wasm_bindgen::from_value(value)
            .map_err(|e| js_error(Error::new(ErrorCode::InvalidArgument, e.to_string()))),
        _ => Ok(T::default()),
    }
}

/// The browser's language (`navigator.language`, in pages and workers), else `en-US`.
fn browser_locale() -> String {
    Reflect::get(&js_sys::global(), &"navigator".into())
        .and_then(|navigator| Reflect::get(&navigator, &"language".into()))
        .ok()
        .and_then(|language| language.as_string())
        .unwrap_or_else(|| "en-US".into())
}

/// One turn as JS sees it: the assessment the policy decided on, then the decision and reply.
#[derive(Serialize)]
struct Turn<'a> {
    assessment: &'a Assessment,
    #[serde(flatten)]
    response: Response,
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
    pub async fn load(
        bytes: Uint8Array,
        #[wasm_bindgen(unchecked_param_type = "LoadOptions")] options: Option<JsValue>,
    ) -> Result<JsNacre, JsValue> {
        let options: LoadOptions = options_arg(options)?;
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
    #[wasm_bindgen(unchecked_return_type = "Promise<Float32Array>")]
    pub fn embed(&self, #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue) -> Promise {
        let inner = Rc::clone(&self.inner);
        self.in_turn(async move {
            let text = text_arg(&text)?;
            let vector = inner.embed(&text).await.map_err(js_error)?;
            Ok(Float32Array::from(vector.as_slice()).into())
        })
    }

    /// `await nacre.assess(text)`: the model's judgement (categories, user type, severity,
    /// jailbreak, evidence) as a plain object.
    #[wasm_bindgen(unchecked_return_type = "Promise<Assessment>")]
    pub fn assess(&self, #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue) -> Promise {
        let inner = Rc::clone(&self.inner);
        self.in_turn(async move {
            let text = text_arg(&text)?;
            to_js(&inner.assess(&text).await.map_err(js_error)?)
        })
    }

    /// `await nacre.respond(text, { locale })`: the next turn of this page's conversation:
    /// `{ assessment, decision: { strategy, resources, trace }, reply: { strategy, message, guidance, resources } }`.
    /// `locale` (BCP-47) picks the help lines; it defaults to the browser's language.
    /// Calls are answered in the order they were made.
    #[wasm_bindgen(unchecked_return_type = "Promise<Turn>")]
    pub fn respond(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue,
        #[wasm_bindgen(unchecked_param_type = "RespondOptions")] options: Option<JsValue>,
    ) -> Promise {
        let (inner, conversation) = (Rc::clone(&self.inner), Rc::clone(&self.conversation));
        self.in_turn(async move {
            let text = text_arg(&text)?;
            let options: RespondOptions = options_arg(options)?;
            let locale = options.locale.unwrap_or_else(browser_locale);
            let assessment = inner.assess(&text).await.map_err(js_error)?;
            let response = inner.reply(&mut conversation.borrow_mut(), &assessment, &text, &locale).map_err(js_error)?;
            to_js(&Turn { assessment: &assessment, response })
        })
    }

    /// The conversation so far (the remembered turns; no message text is kept).
    #[wasm_bindgen(unchecked_return_type = "Conversation")]
    pub fn conversation(&self) -> Result<JsValue, JsValue> {
        to_js(&*self.conversation.borrow())
    }

    /// Forgets the conversation.
    pub fn reset(&self) {
        *self.conversation.borrow_mut() = Conversation::new();
    }
}
