// transformers.js (ONNX Runtime Web) loaded from the local npm copy and the exported model in
// /tjs-model/, nothing fetched from a CDN: the competitor both bench pages time.

/** A feature-extraction pipeline for all-MiniLM-L6-v2 on `device` ("wasm" or "webgpu") with
 * `dtype` ("q8", "fp32"), mean-pooled and normalized like Nacre's embedding. */
export async function loadTransformers({ device, dtype }) {
  const { pipeline, env } = await import("/node_modules/@huggingface/transformers/dist/transformers.min.js");
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = "/tjs-model/";
  // The same ONNX Runtime Web files transformers.js would fetch from its CDN, served locally.
  const dist = "/node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.asyncify";
  env.backends.onnx.wasm.wasmPaths = { mjs: `${dist}.mjs`, wasm: `${dist}.wasm` };
  const extractor = await pipeline("feature-extraction", "all-MiniLM-L6-v2", { device, dtype });
  const run = (input) => extractor(input, { pooling: "mean", normalize: true });
  return {
    embed: async (text) => (await run(text)).data,
    // transformers.js takes the whole batch in one call (padded to the longest message).
    embedAll: (texts) => run(texts),
    tokens: (text) => extractor.tokenizer(text).input_ids.dims[1],
    threads: env.backends.onnx.wasm.numThreads,
  };
}
