// Compares two builds of Nacre's wasm on the CPU backend in one headless Chromium page: the
// built pkg/ against a base build (e.g. main's pkg/ copied aside), same messages, calls
// interleaved (the order alternates), so machine load hits both alike. Prints p50 per
// message length and their ratio (pkg / base; below 1 means pkg is faster), each module's
// wasm memory, and the cosine between the two builds' embeddings of the data set's first
// dev texts (the quality effect of a change to the CPU path). With TJS_MODEL_DIR set (the
// folder ./build.sh bench exports, e.g. ~/.cache/nacre/tjs), transformers.js on wasm q8 (ONNX
// Runtime Web, one thread) is timed in the same interleaved loop, and pkg / tjs is printed too.
// Usage: [TJS_MODEL_DIR=DIR] node bench/compare.mjs BASE_PKG_DIR [calls per length] [dev texts]
//        (needs pkg/, www/model/ and bench/out/messages.json from ./build.sh bench or messages.py)
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { open } from "../tests/browser/harness.mjs";
import { median } from "./stats.mjs";

const [base, calls = "30", devCount = "200"] = process.argv.slice(2);
if (!base) throw new Error("usage: node bench/compare.mjs BASE_PKG_DIR [calls] [dev texts]");
const root = new URL("..", import.meta.url);
const messages = JSON.parse(readFileSync(new URL("bench/out/messages.json", root)));
const dev = readFileSync(new URL("data/nacre.jsonl", root), "utf8")
  .split("\n")
  .filter(Boolean)
  .map((line) => JSON.parse(line))
  .filter((row) => row.split === "dev")
  .slice(0, Number(devCount))
  .map((row) => row.text);

const tjs = process.env.TJS_MODEL_DIR;
const mounts = [["/base/", resolve(base) + "/"]];
if (tjs) {
  mounts.push(
    ["/bench/", new URL("bench/", root).pathname],
    ["/tjs-model/", resolve(tjs) + "/"],
    ["/node_modules/", new URL("node_modules/", root).pathname],
  );
}
const session = await open({ webgpu: false, mounts });
try {
  await session.page.goto(`${session.origin}/blank.html`);
  const memory = await session.page.evaluate(async () => {
    const bytes = new Uint8Array(await (await fetch("/model/encoder-int8.nacre")).arrayBuffer());
    window.builds = {};
    const memory = {};
    for (const [name, url] of [["pkg", "/pkg/nacre.js"], ["base", "/base/nacre.js"]]) {
      const module = await import(url);
      const wasm = await module.default();
      const nacre = await module.Nacre.load(bytes, { backend: "cpu" });
      await nacre.embed("warm up");
      window.builds[name] = nacre;
      memory[name] = wasm.memory.buffer.byteLength / 2 ** 20;
    }
    return memory;
  });
  if (tjs) {
    await session.page.evaluate(async () => {
      const { loadTransformers } = await import("/bench/tjs.js");
      window.builds.tjs = await loadTransformers({ device: "wasm", dtype: "q8" });
      await window.builds.tjs.embed("warm up");
    });
  }
  const names = tjs ? ["pkg", "base", "tjs"] : ["pkg", "base"];
  console.log(`wasm memory after load (MiB): pkg ${memory.pkg.toFixed(1)}, base ${memory.base.toFixed(1)}`);

  for (const length of ["8", "32", "128"]) {
    const times = await session.page.evaluate(
      async ({ texts, calls, names }) => {
        const times = Object.fromEntries(names.map((name) => [name, []]));
        for (let i = 0; i < calls; i++) {
          const order = i % 2 ? names : [...names].reverse();
          for (const name of order) {
            const start = performance.now();
            await window.builds[name].embed(texts[i % texts.length]);
            times[name].push(performance.now() - start);
          }
        }
        return times;
      },
      { texts: messages[length], calls: Number(calls), names },
    );
    const [pkg, baseP50] = [median(times.pkg), median(times.base)];
    let line = `${length.padStart(3)} tokens: p50 pkg ${pkg.toFixed(1)} ms, base ${baseP50.toFixed(1)} ms, ratio ${(pkg / baseP50).toFixed(2)}`;
    if (tjs) line += `; tjs wasm q8 ${median(times.tjs).toFixed(1)} ms, pkg / tjs ${(pkg / median(times.tjs)).toFixed(2)}`;
    console.log(line);
  }

  const cosines = await session.page.evaluate(async (texts) => {
    const out = [];
    for (const text of texts) {
      const [a, b] = [await window.builds.pkg.embed(text), await window.builds.base.embed(text)];
      let dot = 0;
      for (let i = 0; i < a.length; i++) dot += a[i] * b[i];
      out.push(dot);
    }
    return out;
  }, dev);
  const mean = cosines.reduce((s, c) => s + c, 0) / cosines.length;
  console.log(`cosine pkg vs base over ${cosines.length} dev texts: min ${Math.min(...cosines).toFixed(6)}, mean ${mean.toFixed(6)}`);
  if (session.errors.length) throw session.errors[0];
} finally {
  await session.close();
}
