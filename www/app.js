// The chat page: loads the model in the worker with a progress bar, then sends each
// message (typed or an example) to Nacre and shows the reply, the probabilities and the
// reasoning trace. `?backend=webgpu|cpu|auto` picks the backend, `?model=URL` the model.
import { NacreClient } from "./nacre-client.js";
import { h, progressText } from "./dom.js";
import { turnView } from "./turn-view.js";

const $ = (id) => document.getElementById(id);
const [progress, progressLabel, status, log, form, input, send, reset] =
  ["progress", "progress-text", "status", "log", "composer", "message", "send", "reset"].map($);
const examples = [...document.querySelectorAll("#examples button")];
const params = new URLSearchParams(location.search);

function showProgress(loaded, total) {
  progress.max = total || 1;
  progress.value = total ? loaded : 0;
  progressLabel.textContent = progressText(loaded, total);
}

function setEnabled(enabled) {
  for (const control of [input, send, reset, ...examples]) control.disabled = !enabled;
}

/** Adds the user's message and a pending reply to the log; returns the reply's item. */
function addExchange(text) {
  log.append(h("li", { className: "user" }, h("span", { className: "who" }, "You"), h("p", {}, text)));
  const item = h("li", { className: "nacre", attrs: { "aria-busy": "true" } }, h("span", { className: "who" }, "Nacre"), h("p", {}, "Thinking…"));
  log.append(item);
  item.scrollIntoView({ block: "nearest" });
  return item;
}

async function ask(nacre, text) {
  if (!text.trim()) return;
  const item = addExchange(text);
  const started = performance.now();
  try {
    const turn = await nacre.respond(text, { locale: navigator.language });
    item.replaceChildren(item.firstChild, turnView(turn, performance.now() - started));
    item.dataset.strategy = turn.reply.strategy;
  } catch (error) {
    item.replaceChildren(item.firstChild, h("p", { className: "error" }, `${error.code}: ${error.message}`));
    item.dataset.error = error.code;
  }
  item.removeAttribute("aria-busy");
}

async function start() {
  const nacre = await NacreClient.load({
    model: params.get("model") ?? undefined,
    backend: params.get("backend") ?? "auto",
    onProgress: showProgress,
  });
  const { backend, model, cached } = nacre.info;
  $("loading").hidden = true;
  $("engine").textContent = `${model} on ${backend === "webgpu" ? "WebGPU" : "the CPU"}, ${cached ? "loaded from the cache" : "downloaded"}`;
  $("engine").hidden = false;
  status.textContent = "Ready.";
  Object.assign(document.body.dataset, { ready: "", backend, cached: String(cached) });
  setEnabled(true);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value;
    input.value = "";
    ask(nacre, text);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  for (const button of examples) button.addEventListener("click", () => ask(nacre, button.querySelector("span").textContent));
  reset.addEventListener("click", async () => {
    log.replaceChildren(); // the worker resets before it answers any later message
    await nacre.reset();
    status.textContent = "New conversation: earlier messages no longer count.";
    input.focus();
  });
}

start().catch((error) => {
  $("loading").hidden = true;
  status.textContent = `Could not start: ${error.code}: ${error.message}`;
  document.body.dataset.error = error.code;
});
