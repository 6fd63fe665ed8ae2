// Native throughput of `nacre assess --jsonl` (the CLI, all cores of this machine): messages
// per second once the model is loaded, from the wall time of a long run minus a one-line run.
import { spawnSync } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { median } from "./stats.mjs";

const LINES = 512; // the 64 batch messages, eight times over
const REPEATS = 3;

/** Wall seconds of one `assess --jsonl` run over `texts`; checks every line came back assessed. */
function assessSeconds(bin, texts) {
  const input = texts.map((text, i) => JSON.stringify({ id: String(i), text })).join("\n") + "\n";
  const start = process.hrtime.bigint();
  const child = spawnSync(bin, ["assess", "--jsonl"], { input, encoding: "utf8", maxBuffer: 1 << 28 });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (child.status !== 0) throw new Error(`nacre assess failed: ${child.stderr}`);
  const lines = child.stdout.trim().split("\n").map((line) => JSON.parse(line));
  if (lines.length !== texts.length || lines.some((line) => line.error || typeof line.risk !== "number")) {
    throw new Error(`nacre assess returned ${lines.length} lines for ${texts.length}, or errors`);
  }
  return seconds;
}

export function nativeThroughput(bin, batch) {
  const texts = Array.from({ length: LINES }, (_, i) => batch[i % batch.length]);
  const rates = [];
  const startups = [];
  const loads = [];
  for (let i = 0; i < REPEATS; i++) {
    loads.push(loadavg()[0]);
    const startup = assessSeconds(bin, texts.slice(0, 1));
    const total = assessSeconds(bin, texts);
    startups.push(startup);
    rates.push((LINES - 1) / (total - startup));
  }
  const result = {
    messages_per_s: median(rates),
    all_rates: rates,
    startup_s: median(startups),
    lines: LINES,
    tokens_per_message: 32,
    cores: cpus().length,
    load_average_1min: loads,
  };
  console.log(`native: ${result.messages_per_s.toFixed(1)} messages/s (runs ${rates.map((r) => r.toFixed(1)).join(", ")})`);
  return result;
}
