#!/usr/bin/env bash
# The whole test suite from a fresh clone: set-up, build, type-check, lint, then every test (unit, integration,
# end-to-end in Chromium) under a real keychain, closing with one total line.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run build
npm run build:renderer
npm run typecheck
npm run lint
# Every workflow against the GitHub Actions schema (offline), so a broken one fails here before it reaches the runners.
for workflow in .github/workflows/*.yml; do npx action-validator "$workflow" || { echo "invalid workflow: $workflow" >&2; exit 1; }; done

tally=$(mktemp)
trap 'rm -f "$tally"' EXIT
export TAXPOYNT_TEST_TALLY="$tally"
status=0
bash scripts/with-keyring.sh npx vitest run || status=$?
bash scripts/with-keyring.sh npx vitest run --config test/e2e/vitest.config.ts || status=$?

read -r passed failed skipped < <(awk '{p+=$1; f+=$2; s+=$3} END {print p+0, f+0, s+0}' "$tally")
runs=$(wc -l < "$tally")
if [ "$runs" -lt 2 ] && [ "$status" -eq 0 ]; then status=1; echo "a test run ended without reporting its counts" >&2; fi
echo
echo "all suites: $passed passed, $failed failed, $skipped skipped"
exit $status
