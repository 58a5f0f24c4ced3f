#!/usr/bin/env bash
# The demo on defaults: the sandbox cloud, a virtual POS printing a receipt to a pty every few seconds, and the bridge.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run build
exec bash scripts/with-keyring.sh node dist/sandbox/demo.js "$@"
