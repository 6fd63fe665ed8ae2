// Profiles Nacre's CPU path in headless Chromium with V8's sampling profiler (over CDP):
// loads the encoder on the CPU backend, embeds the 32-token benchmark messages and prints the
// functions (wasm and JS) with the most self time. Profile before optimising.
// Usage: node bench/profile.mjs [calls]   (needs pkg/, www/model/ and bench/out/messages.json)
import { readFileSync } from "node:fs";
import { open, loadModule } from "../tests/browser/harness.mjs";

const calls = Number(process.argv[2] ?? 40);
const messages = JSON.parse(readFileSync(new URL("out/messages.json", import.meta.url)))["32"];
const session = await open({ webgpu: false });
try {
  await loadModule(session.page, session.origin);
  await session.page.evaluate(async () => {
    const bytes = new Uint8Array(await (await fetch("/model/encoder-int8.nacre")).arrayBuffer());
    window.nacre = await Nacre.load(bytes, { backend: "cpu" });
    await window.nacre.embed("warm up");
  });
  const cdp = await session.page.context().newCDPSession(session.page);
  await cdp.send("Profiler.enable");
  await cdp.send("Profiler.setSamplingInterval", { interval: 200 });
  await cdp.send("Profiler.start");
  const wall = await session.page.evaluate(
    async ({ messages, calls }) => {
      const start = performance.now();
      for (let i = 0; i < calls; i++) await window.nacre.embed(messages[i % messages.length]);
      return performance.now() - start;
    },
    { messages, calls },
  );
  const { profile } = await cdp.send("Profiler.stop");
  const total = profile.samples.length;
  const self = new Map();
  for (const node of profile.nodes) {
    const name = node.callFrame.functionName || `(anonymous ${node.callFrame.url.split("/").pop()})`;
    self.set(name, (self.get(name) ?? 0) + (node.hitCount ?? 0));
  }
  console.log(`${calls} embeds of 32 tokens: ${(wall / calls).toFixed(1)} ms each; ${total} samples`);
  console.log("self time  function");
  for (const [name, hits] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 30)) {
    console.log(`${((100 * hits) / total).toFixed(1).padStart(8)}%  ${name.slice(0, 140)}`);
  }
} finally {
  await session.close();
}
