// Shared set-up for the browser tests: the static server and Debian's headless
// Chromium driven by playwright-core (never a downloaded browser).
import { chromium } from "playwright-core";
import { serve } from "../../scripts/serve.mjs";

const quietNetwork = [
  "--no-sandbox",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** Starts the server and a browser; `webgpu` adds SwiftShader WebGPU, `args` more flags,
 * `mounts` more folders for the server (see scripts/serve.mjs). */
export async function open({ webgpu, args = [], mounts = [] }) {
  const server = await serve(0, "127.0.0.1", mounts);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: [...quietNetwork, ...(webgpu ? ["--enable-unsafe-webgpu"] : []), ...args],
  });
  const origin = `http://127.0.0.1:${server.address().port}`;
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (error) => errors.push(error));
  return {
    origin,
    page,
    errors,
    async close() {
      await browser.close();
      server.close();
    },
  };
}

/** Loads the wasm module in the page at `origin` and returns once `Nacre` is usable. */
export async function loadModule(page, origin) {
  await page.goto(`${origin}/blank.html`);
  await page.evaluate(async () => {
    const module = await import("/pkg/nacre.js");
    await module.default();
    window.Nacre = module.Nacre;
  });
}
