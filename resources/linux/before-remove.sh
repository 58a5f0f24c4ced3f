#!/bin/bash
# deb pre-remove: give every taken-over print queue back to its printer while the CLI is still installed (on upgrade, keep them).
if [ "$1" = "remove" ] || [ "$1" = "purge" ]; then
  if [ -d /run/systemd/system ]; then
    systemctl disable --now taxpoynt-bridge-watchdog.service 2>/dev/null || true
  fi
  TAXPOYNT_BRIDGE_DATA_DIR=/var/lib/taxpoynt-pos-bridge /usr/bin/taxpoynt-bridge devices release --all || true
fi
