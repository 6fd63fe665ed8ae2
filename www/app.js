// The page: loads the model (WebGPU when the browser has it, else the CPU) and embeds
// the sentence the user types. Nothing is sent anywhere.
import init, { Nacre } from "/pkg/nacre.js";

const status = document.getElementById("status");
const form = document.getElementById("embed-form");
const text = document.getElementById("text");
const go = document.getElementById("go");
const result = document.getElementById("result");

async function start() {
  await init();
  const backend = new URLSearchParams(location.search).get("backend") ?? "auto";
  const response = await fetch("model/encoder-int8.nacre");
  if (!response.ok) throw new Error(`model download failed (${response.status})`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  const nacre = await Nacre.load(bytes, { backend });
  status.textContent = `Ready: ${nacre.model} on ${nacre.backend === "webgpu" ? "WebGPU" : "CPU"}.`;
  status.dataset.backend = nacre.backend;
  text.disabled = go.disabled = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    go.disabled = true;
    try {
      const started = performance.now();
      const vector = await nacre.embed(text.value);
      const ms = performance.now() - started;
      const head = Array.from(vector.slice(0, 8), (v) => v.toFixed(4)).join(", ");
      result.replaceChildren(
        Object.assign(document.createElement("p"), {
          textContent: `${vector.length} dimensions in ${ms.toFixed(1)} ms: `,
        }),
        Object.assign(document.createElement("code"), { textContent: `[${head}, …]` }),
      );
      result.dataset.dims = String(vector.length);
    } catch (error) {
      result.textContent = `${error.code ?? "ERROR"}: ${error.message}`;
    } finally {
      go.disabled = false;
    }
  });
}

start().catch((error) => {
  status.textContent = `Could not start: ${error.code ?? ""} ${error.message}`;
  status.dataset.error = error.code ?? "ERROR";
});
