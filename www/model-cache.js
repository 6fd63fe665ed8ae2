// The model's bytes: from Cache Storage when this version is there, else downloaded with
// progress, checked against the manifest's sha256 and cached under that version. The
// manifest (`manifest.json` beside the model, written by `./build.sh model`) names each
// artifact's sha256 and size; without an entry for the model it is downloaded every time.

import { nacreError } from "./nacre-error.js";

const CACHE = "nacre-models";

/** `{ sha256, bytes }` for the model at `url` from its manifest, or null. */
async function version(url) {
  try {
    const response = await fetch(new URL("manifest.json", url), { cache: "no-cache" });
    if (!response.ok) return null;
    const entry = (await response.json())[new URL(url).pathname.split("/").pop()];
    return typeof entry?.sha256 === "string" ? entry : null;
  } catch {
    return null;
  }
}

/** The body of `url`, reporting `onProgress(loaded, total)` as it arrives. */
async function download(url, expected, onProgress) {
  let response;
  try {
    response = await fetch(url, { cache: "no-store" });
  } catch (error) {
    throw nacreError("MODEL_DOWNLOAD", `could not download the model: ${error.message}`);
  }
  if (!response.ok) throw nacreError("MODEL_DOWNLOAD", `could not download the model (HTTP ${response.status})`);
  const total = Number(response.headers.get("Content-Length")) || expected || 0;
  const chunks = [];
  let loaded = 0;
  onProgress(0, total);
  for (const reader = response.body.getReader(); ; ) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    onProgress(loaded, total);
  }
  const bytes = new Uint8Array(loaded);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return bytes;
}

/** `url` with the version in its query: the Cache Storage key. */
function versioned(url, sha256) {
  const key = new URL(url);
  key.searchParams.set("sha256", sha256);
  return key.href;
}

async function sha256(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Keeps one version per model URL (older ones are dropped); a full disk only costs the cache. */
async function store(cache, url, key, bytes) {
  try {
    for (const old of await cache.keys()) {
      const unversioned = new URL(old.url);
      unversioned.searchParams.delete("sha256");
      if (unversioned.href === new URL(url).href) await cache.delete(old);
    }
    await cache.put(key, new Response(bytes, { headers: { "Content-Type": "application/octet-stream" } }));
  } catch {
    // QuotaExceededError and the like: the model still loads, it is just downloaded next time.
  }
}

/**
 * The model at `url` as `{ bytes, cached }`; `onProgress(loaded, total)` follows the
 * download (once, complete, on a cache hit).
 */
export async function fetchModel(url, onProgress) {
  const known = await version(url);
  // Cache Storage may be missing (insecure origin) or refused (storage blocked): no caching then.
  const cache = known ? await globalThis.caches?.open(CACHE).catch(() => null) : null;
  const key = known && versioned(url, known.sha256);
  const hit = cache && (await cache.match(key));
  if (hit) {
    const bytes = new Uint8Array(await hit.arrayBuffer());
    onProgress(bytes.length, bytes.length);
    return { bytes, cached: true };
  }
  const bytes = await download(url, known?.bytes, onProgress);
  if (known && (await sha256(bytes)) !== known.sha256) {
    throw nacreError("MODEL_CORRUPT", "the downloaded model does not match its manifest's sha256");
  }
  if (cache) await store(cache, url, key, bytes);
  return { bytes, cached: false };
}
