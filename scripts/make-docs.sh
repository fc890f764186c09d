#!/usr/bin/env bash
# Regenerates the example images in docs/examples/ that the README shows (run after npm run build).
set -euo pipefail
cd "$(dirname "$0")/.."
d=docs/examples
mkdir -p "$d"
run() { node dist/src/cli/main.js image "$@" --backend auto >/dev/null; }
cp samples/wizard.png "$d/wizard.png"
run samples/wizard.png -o "$d/wizard-bw.png" --palette bw
run samples/wizard.png -o "$d/wizard-bw-gamma.png" --palette bw --gamma-space
run samples/wizard.png -o "$d/wizard-pico8.png" --palette pico8
run samples/wizard.png -o "$d/wizard-pico8-offset.png" --palette pico8 --mix offset
run samples/wizard.png -o "$d/wizard-pico8-yliluoma.png" --palette pico8 --mix yliluoma
run samples/wizard.png -o "$d/wizard-auto16.png" --palette auto:16 --method bluenoise64
run samples/wizard.png -o "$d/wizard-levels.png" --levels 2,2,2
run samples/ramp16.png -o "$d/ramp-bw.png" --palette bw
run samples/ramp16.png -o "$d/ramp-bw-gamma.png" --palette bw --gamma-space
run samples/ramp16.png -o "$d/ramp-levels4.png" --levels 4
run samples/ramp16.png -o "$d/ramp-levels4-linear.png" --levels 4 --codes linear
run samples/sweep.png -o "$d/sweep-ega16.png" --palette ega16 --method bluenoise64
ls -la "$d"
