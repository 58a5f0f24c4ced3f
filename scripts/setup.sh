#!/usr/bin/env bash
# One-time set-up on a fresh Debian/Ubuntu machine: the system packages the bridge and its tests need, then `npm ci`.
# Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(socat gnome-keyring dbus libglib2.0-bin libsecret-1-dev libsecret-tools libusb-1.0-0 libudev-dev udev chromium python3 make g++ cups cups-client cups-bsd tesseract-ocr tesseract-ocr-eng fonts-dejavu-core fonts-liberation2)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    echo "setup: installing Debian packages: ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: not a Debian/Ubuntu machine; install these yourself: ${missing[*]}" >&2
  fi
fi

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "setup: Node 20 or newer is needed (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

# The Electron binary is not needed to build, test or run the engine; its download is skipped (typings still install).
stamp=node_modules/.taxpoynt-lock-hash
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: npm ci (native modules compile from source, a few minutes the first time)"
  ELECTRON_SKIP_BINARY_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi
