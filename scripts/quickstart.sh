#!/usr/bin/env bash
# Quick start on a fresh machine: system packages (software Vulkan, Chromium) when run as root, the npm
# packages and the build, then the main job on the bundled samples.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || echo "quickstart: continuing without the system packages; the CPU backend will be used if there is no GPU"
PUPPETEER_SKIP_DOWNLOAD=1 npm ci
bash scripts/samples.sh
