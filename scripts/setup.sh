#!/usr/bin/env bash
# Installs what ditherforge needs on a machine without a GPU: Mesa's lavapipe (a software Vulkan driver new
# enough for Dawn), the Vulkan loader, and Chromium for the browser tests. Run as root on Debian or Ubuntu;
# elsewhere it prints what to install. Safe to run again: it installs only what is missing.
set -euo pipefail

say() { printf 'setup: %s\n' "$*"; }

lavapipe_ok() {
  # Dawn needs Vulkan features that Mesa 22 (Debian 12's own) lacks; Mesa 23+ has them.
  local v
  v=$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || true)
  [ -n "$v" ] && dpkg --compare-versions "$v" ge 23 && dpkg-query -W libvulkan1 >/dev/null 2>&1
}

chromium_ok() { command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; }

. /etc/os-release 2>/dev/null || true
if [ "$(uname -s)" != Linux ] || ! command -v apt-get >/dev/null 2>&1; then
  say "not Debian/Ubuntu: install a Vulkan driver (or use a machine with a GPU) and Chromium yourself."
  say "macOS and Windows need nothing for the Node backend: Dawn uses Metal or D3D12."
  exit 0
fi

# DITHERFORGE_SETUP_FORCE=1 runs the install steps even when everything is present (to test this script).
if [ "${DITHERFORGE_SETUP_FORCE:-0}" != 1 ] && lavapipe_ok && chromium_ok; then
  say "software Vulkan ($(dpkg-query -W -f='${Version}' mesa-vulkan-drivers)) and Chromium are already installed"
  exit 0
fi

if [ "$(id -u)" != 0 ]; then
  say "run this script as root (sudo bash scripts/setup.sh), or install by hand:"
  [ "${VERSION_CODENAME:-}" = bookworm ] && say "  enable bookworm-backports, then: apt-get install -t bookworm-backports mesa-vulkan-drivers libvulkan1" \
    || say "  apt-get install mesa-vulkan-drivers libvulkan1"
  say "  apt-get install chromium"
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
force=${DITHERFORGE_SETUP_FORCE:-0}
if [ "$force" = 1 ] || ! lavapipe_ok; then
  if [ "${VERSION_CODENAME:-}" = bookworm ]; then
    # Debian 12's Mesa is too old for Dawn; bookworm-backports carries Mesa 25, from the mirror already in use.
    uri=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
    [ -n "$uri" ] || uri=$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
    [ -n "$uri" ] || uri=http://deb.debian.org/debian
    if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/ \
         || [ -f /etc/apt/sources.list.d/ditherforge-backports.sources ]; then
      printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
        "$uri" > /etc/apt/sources.list.d/ditherforge-backports.sources
    fi
    say "installing Mesa lavapipe from bookworm-backports"
    apt-get update -qq
    apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers libvulkan1 >/dev/null
  else
    say "installing Mesa lavapipe"
    apt-get update -qq
    apt-get install -y -qq mesa-vulkan-drivers libvulkan1 >/dev/null
  fi
fi
if [ "$force" = 1 ] || ! chromium_ok; then
  say "installing Chromium (for the browser tests and the demo)"
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null 2>&1 || apt-get install -y -qq chromium-browser >/dev/null
fi
lavapipe_ok || { say "Mesa lavapipe is still too old or missing"; exit 1; }
say "ready: mesa-vulkan-drivers $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers), $(chromium --version 2>/dev/null || chromium-browser --version)"
