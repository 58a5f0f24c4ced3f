#!/usr/bin/env bash
# The whole test suite from a fresh clone: set-up, build, type-check, lint, then every test under a real keychain.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run build
npm run typecheck:tests
npm run lint
exec bash scripts/with-keyring.sh npx vitest run
