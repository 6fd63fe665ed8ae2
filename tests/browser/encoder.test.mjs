// The encoder in headless Chromium, on the WebGPU device (SwiftShader) and on the CPU:
// parity with sentence-transformers on the committed fixture, backend choice and fallback,
// and typed errors for bad input.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { open, loadModule } from "./harness.mjs";

const fixture = JSON.parse(readFileSync(new URL("../fixtures/parity.json", import.meta.url)));
const MODEL = "/model/encoder-int8.nacre";

/** Worst cosine between the page's embeddings and the reference, over every fixture case. */
function parity(page, backend) {
  return page.evaluate(
    async ({ cases, backend, model }) => {
      const bytes = new Uint8Array(await (await fetch(model)).arrayBuffer());
      const nacre = await Nacre.load(bytes, { backend });
      let worst = { cosine: 2, text: "" };
      for (const { text, embedding } of cases) {
        const v = await nacre.embed(text);
        let dot = 0, a = 0, b = 0;
        for (let i = 0; i < v.length; i++) {
          dot += v[i] * embedding[i];
          a += v[i] * v[i];
          b += embedding[i] * embedding[i];
        }
        const cosine = dot / Math.sqrt(a * b);
        if (cosine < worst.cosine) worst = { cosine, text: text.slice(0, 40) };
      }
      return { backend: nacre.backend, worst, count: cases.length };
    },
    { cases: fixture.cases, backend, model: MODEL },
  );
}

/** The error code a call in the page throws, or "none". */
function codeOf(page, body) {
  return page.evaluate(
    async ({ body, model }) => {
      const bytes = new Uint8Array(await (await fetch(model)).arrayBuffer());
      try {
        await new Function("Nacre", "bytes", `return (async () => { ${body} })()`)(Nacre, bytes);
        return "none";
      } catch (error) {
        return `${error.name}:${error.code}`;
      }
    },
    { body, model: MODEL },
  );
}

for (const webgpu of [true, false]) {
  const backend = webgpu ? "webgpu" : "cpu";
  test(`${backend} device`, async (t) => {
    const session = await open({ webgpu });
    t.after(() => session.close());
    await loadModule(session.page, session.origin);

    await t.test(`parity with sentence-transformers on ${backend}`, async () => {
      const result = await parity(session.page, backend);
      assert.equal(result.backend, backend);
      assert.ok(result.count >= 30);
      assert.ok(result.worst.cosine >= 0.995, `worst cosine ${result.worst.cosine} on ${result.worst.text}`);
    });

    await t.test(`auto picks ${backend}`, async () => {
      const picked = await session.page.evaluate(async (model) => {
        const bytes = new Uint8Array(await (await fetch(model)).arrayBuffer());
        return (await Nacre.load(bytes, { backend: "auto" })).backend;
      }, MODEL);
      assert.equal(picked, backend);
    });

    await t.test("bad input gives typed errors", async () => {
      const load = `const n = await Nacre.load(bytes, { backend: "${backend}" });`;
      assert.equal(await codeOf(session.page, `${load} await n.embed("")`), "NacreError:EMPTY_TEXT");
      assert.equal(await codeOf(session.page, `${load} await n.embed(" \\u200b\\n")`), "NacreError:EMPTY_TEXT");
      assert.equal(await codeOf(session.page, `${load} await n.embed("a\\ud800b")`), "NacreError:INVALID_TEXT");
      assert.equal(await codeOf(session.page, `${load} await n.embed(42)`), "NacreError:INVALID_ARGUMENT");
      assert.equal(
        await codeOf(session.page, `await Nacre.load(bytes.slice(0, bytes.length - 9), { backend: "${backend}" })`),
        "NacreError:MODEL_CORRUPT",
      );
      assert.equal(
        await codeOf(session.page, `await Nacre.load(new Uint8Array(10), { backend: "${backend}" })`),
        "NacreError:MODEL_CORRUPT",
      );
      assert.equal(
        await codeOf(session.page, `await Nacre.load(bytes, { backend: "tpu" })`),
        "NacreError:INVALID_ARGUMENT",
      );
    });

    await t.test("a megabyte of text is embedded", async () => {
      const norm = await session.page.evaluate(async ({ model, backend }) => {
        const bytes = new Uint8Array(await (await fetch(model)).arrayBuffer());
        const n = await Nacre.load(bytes, { backend });
        const v = await n.embed("lorem ipsum dolor sit amet ".repeat(40000));
        return Math.hypot(...v);
      }, { model: MODEL, backend });
      assert.ok(Math.abs(norm - 1) < 1e-3, `norm ${norm}`);
    });

    if (!webgpu) {
      await t.test("webgpu without an adapter is BACKEND_UNAVAILABLE", async () => {
        assert.equal(
          await codeOf(session.page, `await Nacre.load(bytes, { backend: "webgpu" })`),
          "NacreError:BACKEND_UNAVAILABLE",
        );
      });
    }
    assert.deepEqual(session.errors, []);
  });
}
