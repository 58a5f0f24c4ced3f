#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with a fresh, unlocked gnome-keyring (a real Secret Service),
# so tests use a real keychain and never touch the user's own entries.
set -euo pipefail
if [ -z "${TAXPOYNT_IN_KEYRING:-}" ]; then
  exec env TAXPOYNT_IN_KEYRING=1 dbus-run-session -- "$0" "$@"
fi
scratch=$(mktemp -d "${TMPDIR:-/tmp}/taxpoynt-keyring.XXXXXX")
export XDG_DATA_HOME="$scratch/data" XDG_RUNTIME_DIR="$scratch/run"
mkdir -p "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
keyring_env=$(printf 'taxpoynt-test-keyring' | gnome-keyring-daemon --unlock --components=secrets 2>/dev/null || true)
# shellcheck disable=SC2163
for kv in $keyring_env; do export "$kv"; done
export TAXPOYNT_TEST_KEYRING=1
status=0
"$@" || status=$?
rm -rf "$scratch"
exit $status
