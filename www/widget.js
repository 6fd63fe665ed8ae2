// <nacre-guard>: Nacre for any site, with one script tag. In shadow DOM, a small chat box
// whose messages go through Nacre in a worker on this device.
//   mode="chat"  (default) Nacre talks: its own reply, or a note that the message is fine
//                and would go to the site's assistant.
//   mode="guard" Nacre wraps the site's chat function, set with
//                `el.guard(async (text, { strategy, guidance }) => siteReply)`: a message
//                Nacre passes on goes to that function (with guidance for the assistant);
//                any other gets Nacre's own reply and never reaches the site.
// Attributes: model (URL; default DEFAULT_MODEL_URL), locale (BCP-47; default the
// browser's), mode, theme ("light" | "dark" | "auto"), backend ("auto" | "webgpu" | "cpu").
// Each message fires a `nacre-decision` CustomEvent (bubbles, composed) whose detail holds
// the decision, never the text. `el.ready` resolves once the model is loaded.
import { DEFAULT_MODEL_URL, NacreClient } from "./nacre-client.js";
import { guard, passesOn } from "./guard.js";
import { h, progressText, resourceList } from "./dom.js";

const STYLE = new CSSStyleSheet();
STYLE.replaceSync(`
:host { display: block; max-width: 26rem; font: 15px/1.45 system-ui, sans-serif;
  --bg: #ffffff; --fg: #1a1a1a; --muted: #4a4a4a; --accent: #1f5688; --accent-fg: #ffffff;
  --mine: #e8eef5; --theirs: #f3f3f0; --border: #8a8a8a; --warn: #8a1c1c; }
:host([theme="dark"]) { --bg: #15171a; --fg: #ececec; --muted: #c4c4c4; --accent: #8cc2f5; --accent-fg: #0b1a29;
  --mine: #1f2a36; --theirs: #24262a; --border: #7a7a7a; --warn: #ff9a9a; }
@media (prefers-color-scheme: dark) {
  :host(:not([theme="light"])) { --bg: #15171a; --fg: #ececec; --muted: #c4c4c4; --accent: #8cc2f5;
    --accent-fg: #0b1a29; --mine: #1f2a36; --theirs: #24262a; --border: #7a7a7a; --warn: #ff9a9a; }
}
:host([hidden]) { display: none; }
section { background: var(--bg); color: var(--fg); border: 1px solid var(--border); border-radius: 10px;
  padding: 0.8rem; display: grid; gap: 0.5rem; }
h2 { margin: 0; font-size: 1rem; }
.privacy, .status { margin: 0; font-size: 0.85rem; color: var(--muted); }
progress { width: 100%; }
ol { list-style: none; margin: 0; padding: 0; display: grid; gap: 0.4rem; max-height: 22rem; overflow-y: auto; }
li { padding: 0.4rem 0.6rem; border-radius: 8px; overflow-wrap: anywhere; }
li p { margin: 0.2rem 0; white-space: pre-wrap; }
.mine { background: var(--mine); margin-left: 2rem; }
.theirs { background: var(--theirs); margin-right: 2rem; border: 1px solid var(--border); }
.who { font-weight: 700; font-size: 0.8rem; color: var(--muted); }
.error { color: var(--warn); }
.resources { margin: 0.2rem 0; padding-left: 1.1rem; font-size: 0.9rem; }
a { color: var(--accent); }
.note { color: var(--muted); }
form { display: flex; gap: 0.4rem; align-items: end; }
label { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
input { flex: 1; font: inherit; padding: 0.4rem; color: var(--fg); background: var(--bg);
  border: 1px solid var(--border); border-radius: 4px; }
button { font: inherit; padding: 0.4rem 0.9rem; background: var(--accent); color: var(--accent-fg);
  border: 1px solid var(--accent); border-radius: 4px; cursor: pointer; }
button:disabled { opacity: 0.55; cursor: default; }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
`);

class NacreGuard extends HTMLElement {
  static observedAttributes = ["mode"];
  #client = null;
  #siteReply = null;
  #ui;
  /** Resolves once the model is loaded (rejects with a NacreError if it cannot be). */
  ready;

  constructor() {
    super();
    const root = this.attachShadow({ mode: "open" });
    root.adoptedStyleSheets = [STYLE];
    const ui = {
      title: h("h2", { id: "title" }),
      privacy: h("p", { className: "privacy" }, "Checked by Nacre on this device: your messages are not sent anywhere for the check."),
      progress: h("progress", { max: 1, attrs: { "aria-label": "Downloading the safety model" } }),
      status: h("p", { className: "status", attrs: { role: "status" } }, "Loading the safety model…"),
      log: h("ol", { attrs: { role: "log", "aria-live": "polite", "aria-labelledby": "title" } }),
      input: h("input", { id: "message", type: "text", autocomplete: "off" }),
      send: h("button", { type: "submit", disabled: true }, "Send"),
    };
    ui.form = h("form", {}, h("label", { htmlFor: "message" }, "Your message"), ui.input, ui.send);
    root.append(
      h("section", { attrs: { "aria-labelledby": "title" } }, ui.title, ui.privacy, ui.progress, ui.status, ui.log, ui.form),
    );
    ui.form.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = ui.input.value;
      ui.input.value = "";
      if (text.trim()) this.send(text);
    });
    this.#ui = ui;
    this.#showMode();
  }

  get mode() {
    return this.getAttribute("mode") === "guard" ? "guard" : "chat";
  }

  /** Wraps the site's chat function: `async (text, { strategy, guidance }) => reply`. */
  guard(siteReply) {
    if (typeof siteReply !== "function") throw new TypeError("guard() takes the site's chat function");
    this.#siteReply = siteReply;
    return this;
  }

  connectedCallback() {
    if (this.#client || this.ready) return;
    const { progress, status, send } = this.#ui;
    const loading = NacreClient.load({
      model: this.getAttribute("model") || DEFAULT_MODEL_URL,
      backend: this.getAttribute("backend") || "auto",
      onProgress: (loaded, total) => {
        progress.max = total || 1;
        progress.value = loaded;
        status.textContent = `Loading the safety model: ${progressText(loaded, total)}`;
      },
    }).then(
      (client) => {
        if (this.ready !== loading) return client.terminate(); // removed from the page meanwhile
        this.#client = client;
        progress.hidden = true;
        status.textContent = `Ready (${client.backend === "webgpu" ? "WebGPU" : "CPU"}).`;
        send.disabled = false;
        this.dataset.ready = "";
        return client.info;
      },
      (error) => {
        progress.hidden = true;
        status.textContent = `The safety check could not start (${error.code}).`;
        status.classList.add("error");
        throw error;
      },
    );
    this.ready = loading;
    this.ready.catch(() => {});
  }

  disconnectedCallback() {
    this.#client?.terminate();
    this.#client = null;
    this.ready = undefined;
  }

  attributeChangedCallback() {
    this.#showMode();
  }

  /** Sends `text` as if typed; resolves to the guarded turn (see guard.js). */
  async send(text) {
    const { log } = this.#ui;
    log.append(h("li", { className: "mine" }, h("span", { className: "who" }, "You"), h("p", {}, text)));
    const item = h("li", { className: "theirs", attrs: { "aria-busy": "true" } }, h("p", {}, "…"));
    log.append(item);
    item.scrollIntoView({ block: "nearest" });
    try {
      await this.ready;
      const locale = this.getAttribute("locale") || navigator.language;
      const siteReply = this.mode === "guard" && this.#siteReply;
      const turn = siteReply
        ? await guard(this.#client, text, siteReply, { locale })
        : await this.#client.respond(text, { locale }).then((t) => ({ ...t, passed_on: passesOn(t), answer: null }));
      this.#show(item, turn);
      this.dispatchEvent(new CustomEvent("nacre-decision", { bubbles: true, composed: true, detail: this.#detail(turn) }));
      return turn;
    } catch (error) {
      item.replaceChildren(h("p", { className: "error" }, `Something went wrong (${error.code ?? error.name}).`));
      item.dataset.error = error.code ?? error.name;
      throw error;
    } finally {
      item.removeAttribute("aria-busy");
    }
  }

  #show(item, turn) {
    const { reply } = turn;
    const fromSite = turn.passed_on && turn.answer !== null;
    const text = fromSite
      ? String(turn.answer)
      : turn.passed_on
        ? "Nothing of concern here: this would go to the site's assistant."
        : reply.message;
    item.replaceChildren(h("span", { className: "who" }, fromSite ? "Support" : "Nacre"), h("p", {}, text));
    if (reply.resources.length > 0 && !fromSite) item.append(resourceList(reply.resources));
    this.#ui.log.scrollTop = this.#ui.log.scrollHeight;
    Object.assign(item.dataset, { strategy: reply.strategy, from: fromSite ? "site" : "nacre" });
  }

  #detail(turn) {
    const { assessment, decision } = turn;
    return {
      mode: this.mode,
      strategy: decision.strategy,
      passed_on: turn.passed_on,
      category: assessment.category,
      user_type: assessment.user_type,
      risk: assessment.risk,
      jailbreak: assessment.jailbreak,
      resources: decision.resources,
      decision,
    };
  }

  #showMode() {
    this.#ui.title.textContent = this.mode === "guard" ? "Chat with support" : "Talk to Nacre";
  }
}

if (!customElements.get("nacre-guard")) customElements.define("nacre-guard", NacreGuard);
