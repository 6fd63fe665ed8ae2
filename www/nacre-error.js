// Errors of the JavaScript side in the wasm module's form: an `Error` named "NacreError"
// with a stable `code` (MODEL_DOWNLOAD, NOT_LOADED, WORKER, or a code from the wasm module).

export function nacreError(code, message) {
  return Object.assign(new Error(message), { name: "NacreError", code });
}
