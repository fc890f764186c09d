#!/bin/bash
# Everything to run on a lent GPU machine in one call, after `npm run build` and ../shared/gpu/pack.sh here:
#   device run, carry [".gpu", "dist"]:  bash .gpu/run.sh bash bench/device.sh NAME [bench options...]
# 0. the probe (bench/probe.ts): the kernels' memory patterns alone at 8K (133 MB in: more than a big GPU's L2
#    holds, so repeats read memory), dispatch sizes, and an upload copy
#    before the timed pass, against the copy kernel: where the kernels' gap to the roofline comes from;
# 1. parity: every kernel, GPU against the CPU backend, byte for byte (the largest binding included);
# 2. the bench on the GPU alone (stacks 4× deeper than the defaults, which a real GPU finishes near launch overhead);
# 3. the 2D part again with two passes from the first call (and with FUSED=1, the fused kernel only), against
#    step 2's default (fused on a first call, two passes once the table is warm): the A/B of
#    shaders/orderedPalette.wgsl's two ways, warm and cold (TWO=0 skips it; the fused kernel's warm figures are
#    those of the first H200 run, so it is off by default);
# 3b. 2D and 3D again in batches of 256 MiB (--batch-mib; BATCH=0 skips it): what a dispatch's fixed costs take
#    from the kernels at the default 32 MiB;
# 4. with THREADS=1, the bench on the threaded CPU backend over every core of that machine, for the GPU/CPU ratio
#    (off by default: bench/results/h200-threads.* has it, and steps 0–3 alone come to 520 s of timeouts, of the
#    device's 600 s per command).
# Logs and results land in $OUT (the device tool's folder), packed in one tarball; the tables print last.
set -uo pipefail
name=${1:?usage: bench/device.sh NAME [bench options]}
shift
out=${OUT:-/tmp/ditherforge-device}
mkdir -p "$out/$name"
dir="$out/$name"
quiet() { grep -v 'artificially reduced' || true; }

nvidia-smi > "$dir/nvidia-smi.txt" 2>&1 || true
echo "== probe"
timeout 60 node dist/bench/probe.js --size 8K 2>&1 | quiet > "$dir/probe.md"
cat "$dir/probe.md"

echo "== parity"
timeout 100 node dist/bench/parity.js --big 2>&1 | quiet > "$dir/parity.log"
echo "parity exit ${PIPESTATUS[0]}"; grep -v '^ok ' "$dir/parity.log" | tail -8

echo "== bench: gpu"
timeout 150 node dist/bench/run.js --backends gpu --no-peers --deeper 4 --budget 3 --out "$dir" --name "$name-gpu" "$@" 2> >(quiet > "$dir/bench-gpu.log")
if [ "${FUSED:-0}" = 1 ]; then
echo "== bench: gpu, 2D, fused split kernel"
timeout 90 node dist/bench/run.js --backends gpu --no-peers --only 2d --split-passes fused --budget 3 --out "$dir" --name "$name-fused" "$@" 2> >(quiet > "$dir/bench-fused.log")
fi
if [ "${TWO:-1}" = 1 ]; then
echo "== bench: gpu, 2D, two passes from the first call"
timeout 90 node dist/bench/run.js --backends gpu --no-peers --only 2d --split-passes two --budget 3 --out "$dir" --name "$name-two" "$@" 2> >(quiet > "$dir/bench-two.log")
fi
if [ "${BATCH:-1}" = 1 ]; then
echo "== bench: gpu, 2D and 3D in batches of 256 MiB"
timeout 120 node dist/bench/run.js --backends gpu --no-peers --only 2d,3d --deeper 4 --batch-mib 256 --budget 3 --out "$dir" --name "$name-batch256" "$@" 2> >(quiet > "$dir/bench-batch256.log")
fi
if [ "${THREADS:-0}" = 1 ]; then
echo "== bench: threaded CPU"
timeout 130 node dist/bench/run.js --backends threads --no-peers --deeper 4 --repeats 3 --budget 2 --out "$dir" --name "$name-threads" "$@" 2> >(quiet > "$dir/bench-threads.log")
fi

tar -C "$out" -czf "$out/$name.tar.gz" "$name"
for f in "$dir/$name-gpu.md" "$dir/$name-fused.md" "$dir/$name-two.md" "$dir/$name-batch256.md" "$dir/$name-threads.md"; do
  [ -f "$f" ] && sed -n '/^## Roofline/,/^<details>/p' "$f" | grep -v '^<details>'
done
[ -f "$dir/$name-gpu.md" ] && sed -n '/^## Targets/,/^## Notes/p' "$dir/$name-gpu.md"
exit 0
