// The benchmark page: runs the one configuration named in the query string (Nacre or
// transformers.js, one device), from page open to its last measurement, and leaves the
// figures in `window.benchResult` for bench/run.mjs. `full=1` adds latency, throughput
// and memory; without it the page measures cold start and first inference only.
import { median, quantile } from "./stats.mjs";
import { loadTransformers } from "./tjs.js";

const query = new URLSearchParams(location.search);
const config = Object.fromEntries(query);
// Untimed calls before each latency series: at least WARMUP calls and WARMUP_MIN_MS (V8 tiers
// up a hot wasm function once it has done enough work, so a small model needs more calls than
// a large one before it runs optimized code), at most WARMUP_MS once one call is made.
const WARMUP = 10;
const WARMUP_MIN_MS = 1000;
const WARMUP_MS = 5000;
const REPEATS = 30; // timed calls per series, fewer (at least MIN_REPEATS) once it passes BUDGET_MS
const MIN_REPEATS = 3;
const BUDGET_MS = 20000;
// Throughput is skipped when one pass over the batch would take longer than this (SwiftShader).
const THROUGHPUT_MAX_MS = 60000;
const memories = new Set();
let jsHeapPeak = 0;

/** Remembers every WebAssembly.Memory the libraries create or export (wasm heaps only grow). */
function trackWasmMemory() {
  const Memory = WebAssembly.Memory;
  WebAssembly.Memory = new Proxy(Memory, {
    construct(target, args) {
      const memory = new target(...args);
      memories.add(memory);
      return memory;
    },
  });
  for (const name of ["instantiate", "instantiateStreaming"]) {
    const original = WebAssembly[name];
    WebAssembly[name] = async (...args) => {
      const result = await original.apply(WebAssembly, args);
      const exports = (result.instance ?? result).exports;
      for (const value of Object.values(exports)) if (value instanceof Memory) memories.add(value);
      return result;
    };
  }
}

/** Samples the JS heap (Chromium's `performance.memory`, precise with --enable-precise-memory-info). */
function sampleJsHeap() {
  jsHeapPeak = Math.max(jsHeapPeak, performance.memory?.usedJSHeapSize ?? 0);
}

async function loadNacre({ device, model = "encoder-int8" }) {
  const { default: init, Nacre } = await import("/pkg/nacre.js");
  await init();
  const bytes = new Uint8Array(await (await fetch(`/model/${model}.nacre`)).arrayBuffer());
  const nacre = await Nacre.load(bytes, { backend: device });
  if (nacre.backend !== device) throw new Error(`Nacre runs on ${nacre.backend}, not ${device}`);
  return {
    embed: (text) => nacre.embed(text),
    // Nacre's JS API embeds one message per call.
    embedAll: async (texts) => {
      for (const text of texts) await nacre.embed(text);
    },
    tokens: null,
    threads: 1,
  };
}

async function time(work) {
  const start = performance.now();
  const value = await work();
  return [performance.now() - start, value];
}

/** p50 and p95 of single-message latency over `texts`, after a warm-up. */
async function latency(model, texts) {
  const start = performance.now();
  const warming = (i) => {
    const elapsed = performance.now() - start;
    return i < 1 || ((i < WARMUP || elapsed < WARMUP_MIN_MS) && elapsed < WARMUP_MS);
  };
  for (let i = 0; warming(i); i++) await model.embed(texts[i % texts.length]);
  const times = [];
  const deadline = performance.now() + BUDGET_MS;
  for (let i = 0; i < REPEATS && (i < MIN_REPEATS || performance.now() < deadline); i++) {
    times.push((await time(() => model.embed(texts[i % texts.length])))[0]);
    sampleJsHeap();
  }
  times.sort((a, b) => a - b);
  return { p50_ms: quantile(times, 0.5), p95_ms: quantile(times, 0.95), samples: times.length };
}

/** Messages per second over the batch: the median of up to three timed passes (the model is
 * already warm from the latency series; a slow configuration stops after its budget). */
async function throughput(model, texts) {
  const rates = [];
  const deadline = performance.now() + BUDGET_MS;
  do {
    rates.push((texts.length * 1000) / (await time(() => model.embedAll(texts)))[0]);
    sampleJsHeap();
  } while (rates.length < 3 && performance.now() < deadline);
  return { messages_per_s: median(rates), batch: texts.length, runs: rates.length };
}

async function run() {
  trackWasmMemory();
  const messages = await (await fetch("/bench/out/messages.json")).json();
  const model = await (config.stack === "nacre" ? loadNacre(config) : loadTransformers(config));
  const ready_ms = performance.now(); // since navigation start: page open to ready
  sampleJsHeap();
  const [first_ms, sample] = await time(() => model.embed(messages["32"][0]));
  const result = { config, ready_ms, first_ms, sample: Array.from(sample), threads: model.threads };
  result.cross_origin_isolated = crossOriginIsolated;
  result.user_agent = navigator.userAgent;
  if (config.full !== "1") return result;

  if (model.tokens) {
    result.token_counts = Object.fromEntries(
      ["8", "32", "128"].map((n) => [n, [...new Set(messages[n].map(model.tokens))]]),
    );
  }
  result.latency = {};
  // SwiftShader WebGPU takes seconds per message here: those rows measure 32 tokens only.
  for (const n of config.device === "webgpu" ? ["32"] : ["8", "32", "128"]) {
    result.latency[n] = await latency(model, messages[n]);
    console.log(`bench: ${n} tokens p50 ${result.latency[n].p50_ms.toFixed(1)} ms`);
  }
  if (result.latency["32"].p50_ms * messages.batch.length <= THROUGHPUT_MAX_MS) {
    result.throughput = await throughput(model, messages.batch);
    console.log(`bench: ${result.throughput.messages_per_s.toFixed(1)} messages/s`);
  }
  result.memory = {
    wasm_bytes: [...memories].reduce((sum, memory) => sum + memory.buffer.byteLength, 0),
    wasm_memories: memories.size,
    js_heap_bytes: jsHeapPeak,
  };
  return result;
}

run().then(
  (result) => (window.benchResult = result),
  (error) => (window.benchResult = { config, error: String(error?.stack ?? error) }),
);
