#!/usr/bin/env bash
# The main job on the bundled samples: each one dithered to a few palettes, on the default backend.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-out}
mkdir -p "$out"
run() { node dist/src/cli/main.js image "$@"; }
for f in samples/*.png; do
  name=$(basename "$f" .png)
  run "$f" -o "$out/$name-bw.png" --palette bw --method bayer8
done
run samples/wizard.png -o "$out/wizard-pico8.png" --palette pico8 --method bayer8
run samples/sweep.png -o "$out/sweep-ega16.png" --palette ega16 --method bayer8
echo "outputs are in $out/"
