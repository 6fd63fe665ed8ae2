// The page's side of the inference worker (nacre-worker.js), shared by the page and the
// widget: `NacreClient.load()` starts a worker, loads the model there, and then forwards
// assess / respond / conversation / reset as messages, answered in order. Failures are
// `NacreError`s with the worker's `code`.

import { nacreError } from "./nacre-error.js";

/** The model the page and the widget load unless told otherwise (the one place it is named). */
export const DEFAULT_MODEL_URL = new URL("model/nacre-student.nacre", import.meta.url).href;

export class NacreClient {
  #worker;
  #pending = new Map();
  #nextId = 1;
  /** What the worker loaded: `{ backend, model, cached, bytes }`. */
  info = null;

  constructor() {
    this.#worker = new Worker(new URL("nacre-worker.js", import.meta.url), { type: "module", name: "nacre" });
    this.#worker.onmessage = ({ data }) => this.#receive(data);
    this.#worker.onerror = (event) => {
      event.preventDefault();
      this.#failAll(nacreError("WORKER", event.message || "the inference worker failed to start"));
    };
  }

  /**
   * Starts a worker and loads the model into it. `model`: its URL; `backend`: "auto",
   * "webgpu" or "cpu"; `onProgress(loaded, total)`: download progress in bytes.
   */
  static async load({ model = DEFAULT_MODEL_URL, backend = "auto", onProgress } = {}) {
    const client = new NacreClient();
    try {
      client.info = await client.#call("load", { model: new URL(model, location.href).href, backend }, onProgress);
    } catch (error) {
      client.terminate();
      throw error;
    }
    return client;
  }

  get backend() {
    return this.info.backend;
  }

  get model() {
    return this.info.model;
  }

  /** The model's judgement of `text` (see `Assessment` in pkg/nacre.d.ts). */
  assess(text) {
    return this.#call("assess", { text });
  }

  /** The next turn of the conversation: `{ assessment, decision, reply }`. */
  respond(text, { locale } = {}) {
    return this.#call("respond", { text, locale });
  }

  conversation() {
    return this.#call("conversation");
  }

  reset() {
    return this.#call("reset");
  }

  /** Stops the worker; pending calls fail with `WORKER`. */
  terminate() {
    this.#worker.terminate();
    this.#failAll(nacreError("WORKER", "the inference worker was stopped"));
  }

  #call(op, args, onProgress) {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, onProgress });
      this.#worker.postMessage({ id, op, args });
    });
  }

  #receive({ id, ok, value, error, progress }) {
    const pending = this.#pending.get(id);
    if (!pending) return;
    if (progress) return pending.onProgress?.(progress.loaded, progress.total);
    this.#pending.delete(id);
    if (ok) pending.resolve(value);
    else pending.reject(nacreError(error.code, error.message));
  }

  #failAll(error) {
    for (const { reject } of this.#pending.values()) reject(error);
    this.#pending.clear();
  }
}
