// Writes `manifest.json` beside the model artifacts: each `.nacre` file's sha256 and size.
// The page caches a model in Cache Storage under its sha256, so a rebuilt model is
// downloaded again and an unchanged one never is.
// Usage: node scripts/model_manifest.mjs www/model
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.argv[2] ?? "www/model";
const manifest = {};
for (const name of readdirSync(dir).filter((n) => n.endsWith(".nacre")).sort()) {
  const bytes = readFileSync(join(dir, name));
  manifest[name] = { sha256: createHash("sha256").update(bytes).digest("hex"), bytes: bytes.length };
}
writeFileSync(join(dir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
