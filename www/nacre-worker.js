// The module worker that owns the wasm module and the model, so inference never blocks
// the page. Requests are `{ id, op, args }` and are handled one at a time, in order; each
// gets `{ id, ok: true, value }` or `{ id, ok: false, error: { code, message } }`, and a
// `load` also sends `{ id, progress: { loaded, total } }` while the model downloads.
// Message text is only ever passed to the model: never logged, stored or sent.
import init, { Nacre } from "./pkg/nacre.js";
import { fetchModel } from "./model-cache.js";
import { nacreError } from "./nacre-error.js";

let nacre = null;

function loaded() {
  if (!nacre) throw nacreError("NOT_LOADED", "the model is not loaded yet");
  return nacre;
}

/** Posts progress at most once per percent (the download arrives in many small chunks). */
function progressReporter(id) {
  let last = -1;
  return (loaded, total) => {
    const percent = total ? Math.floor((100 * loaded) / total) : -1;
    if (percent === last && loaded !== total) return;
    last = percent;
    postMessage({ id, progress: { loaded, total } });
  };
}

const operations = {
  async load({ model, backend }, id) {
    await init();
    const { bytes, cached } = await fetchModel(model, progressReporter(id));
    nacre?.free();
    nacre = null;
    nacre = await Nacre.load(bytes, { backend });
    return { backend: nacre.backend, model: nacre.model, cached, bytes: bytes.length };
  },
  assess: ({ text }) => loaded().assess(text),
  respond: ({ text, locale }) => loaded().respond(text, { locale }),
  conversation: () => loaded().conversation(),
  reset: () => loaded().reset(),
};

async function handle({ id, op, args }) {
  try {
    if (!Object.hasOwn(operations, op)) throw nacreError("INVALID_ARGUMENT", `unknown operation ${op}`);
    postMessage({ id, ok: true, value: await operations[op](args ?? {}, id) });
  } catch (error) {
    postMessage({ id, ok: false, error: { code: error.code ?? "WORKER", message: String(error.message ?? error) } });
  }
}

let queue = Promise.resolve();
self.onmessage = ({ data }) => {
  queue = queue.then(() => handle(data));
};
