// Runs the benchmark: every configuration in a fresh headless Chromium (empty cache), cold
// start repeated over rounds, one full round of latency, throughput and memory; then the
// native CLI; then writes bench/RESULTS.md and bench/results.json (bench/report.mjs).
// Usage: node bench/run.mjs TJS_MODEL_DIR NACRE_BIN   (./build.sh bench sets both up)
import { readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { open } from "../tests/browser/harness.mjs";
import { locate } from "../scripts/serve.mjs";
import { nativeThroughput } from "./native.mjs";
import { report } from "./report.mjs";

const [tjsModels, nacreBin] = process.argv.slice(2);
const here = new URL(".", import.meta.url).pathname;
const MOUNTS = [["/bench/", here], ["/tjs-model/", resolve(tjsModels)], ["/node_modules/", resolve(here, "../node_modules")]];
const CONFIGS = [
  { name: "nacre-cpu", stack: "nacre", device: "cpu" },
  { name: "nacre-webgpu", stack: "nacre", device: "webgpu" },
  { name: "nacre-student-cpu", stack: "nacre", device: "cpu", model: "nacre-student" },
  { name: "nacre-student-webgpu", stack: "nacre", device: "webgpu", model: "nacre-student" },
  { name: "tjs-wasm-q8", stack: "tjs", device: "wasm", dtype: "q8" },
  { name: "tjs-wasm-fp32", stack: "tjs", device: "wasm", dtype: "fp32" },
  { name: "tjs-webgpu-fp32", stack: "tjs", device: "webgpu", dtype: "fp32" },
];
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3); // cold starts per configuration (WebGPU: 1)
// A subset of configuration names, for trying the harness: no native run and no report then.
const ONLY = process.env.BENCH_ONLY?.split(",");
const PAGE_TIMEOUT_MS = 15 * 60 * 1000;
// What the page downloads to run a model (the bench page and its messages are not counted).
const SHIPPED = /^\/(pkg|model|node_modules|tjs-model)\//;

const sizes = new Map();
/** Raw and gzip -9 bytes of the file the server sent for a URL path (Chromium keeps no bodies this large). */
function sizeOf(path) {
  if (!sizes.has(path)) {
    const body = readFileSync(locate(path, MOUNTS));
    sizes.set(path, { raw: body.length, gzip: gzipSync(body, { level: 9 }).length });
  }
  return sizes.get(path);
}

/** One configuration in a fresh browser: the page's figures and what it downloaded. */
async function runOnce(config, full) {
  const session = await open({
    webgpu: true,
    args: ["--enable-precise-memory-info"],
    mounts: MOUNTS,
  });
  try {
    session.page.on("console", (message) => {
      if (message.text().startsWith("bench:")) console.log(`  ${config.name} ${message.text()}`);
    });
    const downloaded = new Set();
    session.page.on("response", (response) => {
      const path = new URL(response.url()).pathname;
      if (response.status() === 200 && SHIPPED.test(path)) downloaded.add(path);
    });
    const { name, ...params } = config;
    await session.page.goto(`${session.origin}/bench/index.html?${new URLSearchParams({ ...params, full: full ? "1" : "0" })}`);
    await session.page.waitForFunction(() => window.benchResult, null, { timeout: PAGE_TIMEOUT_MS, polling: 500 });
    const result = await session.page.evaluate(() => window.benchResult);
    if (result.error) throw new Error(`${name}: ${result.error}`);
    result.downloads = Object.fromEntries([...downloaded].sort().map((path) => [path, sizeOf(path)]));
    result.browser = session.page.context().browser().version();
    return result;
  } finally {
    await session.close();
  }
}

const loadAverage = [loadavg()[0]];
const configs = CONFIGS.filter((c) => !ONLY || ONLY.includes(c.name));
const runs = Object.fromEntries(configs.map((c) => [c.name, []]));
for (let round = 0; round < ROUNDS; round++) {
  // WebGPU (SwiftShader) is too slow here for more than its one full round.
  for (const config of configs.filter((c) => round === 0 || c.device !== "webgpu")) {
    const started = Date.now();
    const result = await runOnce(config, round === 0);
    runs[config.name].push(result);
    console.log(`${config.name} round ${round + 1}: ready ${result.ready_ms.toFixed(0)} ms, first ${result.first_ms.toFixed(0)} ms (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  }
}
const messages = JSON.parse(readFileSync(`${here}out/messages.json`));
const native = ONLY ? null : nativeThroughput(nacreBin, messages.batch);
loadAverage.push(loadavg()[0]);
writeFileSync(`${here}out/raw.json`, JSON.stringify({ runs, native, loadAverage }, null, 1));
if (ONLY) console.log(`raw figures in ${here}out/raw.json`);
else report(here, runs, native, loadAverage);
