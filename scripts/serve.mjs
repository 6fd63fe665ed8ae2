// A small static server for the page: `/pkg/…` from pkg/, everything else from www/.
// Serves .wasm as application/wasm, answers unchanged files with 304 (ETag), sets
// cross-origin isolation headers, and gives every script the page's Content-Security-Policy
// as a header: a worker's policy comes from its script's response (the pages carry the same
// policy in a meta tag, so it travels with them).
// Usage: node scripts/serve.mjs [port]   (or import { serve } for tests and the benchmark,
// which may mount more folders: serve(0, host, [["/bench/", dir], ...]) before the defaults)
import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(fileURLToPath(import.meta.url), "../..");
const pageMounts = [["/pkg/", join(root, "pkg")], ["/", join(root, "www")]];
const types = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".nacre": "application/octet-stream",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".ts": "text/plain; charset=utf-8",
  ".md": "text/plain; charset=utf-8",
  ".onnx": "application/octet-stream",
};

/** Same origin only: no connection, script, worker, style or image from anywhere else. */
export const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "connect-src 'self'",
  "worker-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join("; ");
const SCRIPTS = new Set([".js", ".mjs"]);

/** The file a URL path names (folders in `extraMounts` first), or null outside every mount. */
export function locate(urlPath, extraMounts = []) {
  const path = decodeURIComponent(urlPath.split("?")[0]);
  for (const [prefix, dir] of [...extraMounts, ...pageMounts]) {
    if (path.startsWith(prefix)) {
      const file = normalize(join(dir, path.slice(prefix.length)));
      return file.startsWith(dir) ? file : null;
    }
  }
  return null;
}

async function handle(req, res, extraMounts) {
  let file = locate(req.url, extraMounts);
  try {
    let info = await stat(file);
    if (info.isDirectory()) info = await stat((file = join(file, "index.html")));
    // Revalidated on every load (no-cache); an unchanged file costs a 304, not its bytes.
    const etag = `"${info.size}-${Math.trunc(info.mtimeMs)}"`;
    const headers = {
      "Content-Type": types[extname(file)] ?? "application/octet-stream",
      "Cache-Control": "no-cache",
      ETag: etag,
      "Cross-Origin-Opener-Policy": "same-origin",
      "Cross-Origin-Embedder-Policy": "require-corp",
      "X-Content-Type-Options": "nosniff",
      "Referrer-Policy": "no-referrer",
      ...(SCRIPTS.has(extname(file)) && { "Content-Security-Policy": CSP }),
    };
    if (req.headers["if-none-match"] === etag) {
      res.writeHead(304, headers);
      return res.end();
    }
    const body = await readFile(file);
    res.writeHead(200, { ...headers, "Content-Length": body.length });
    res.end(req.method === "HEAD" ? undefined : body);
  } catch {
    res.writeHead(404, { "Content-Type": "text/plain" });
    res.end("not found");
  }
}

export function serve(port = 0, host = "127.0.0.1", extraMounts = []) {
  return new Promise((ok) => {
    const server = createServer((req, res) => handle(req, res, extraMounts)).listen(port, host, () => ok(server));
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const server = await serve(Number(process.argv[2] ?? 8080));
  console.log(`Nacre on http://127.0.0.1:${server.address().port}/`);
}
