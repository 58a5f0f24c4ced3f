#!/bin/bash
# deb post-remove: stop the service and remove links; the data in /var/lib/taxpoynt-pos-bridge is kept (receipts, keys).
if [ -d /run/systemd/system ]; then
  systemctl disable --now taxpoynt-bridge.service taxpoynt-bridge-watchdog.service 2>/dev/null || true
fi
rm -f /lib/systemd/system/taxpoynt-bridge.service /lib/systemd/system/taxpoynt-bridge-watchdog.service /usr/bin/taxpoynt-bridge '/usr/bin/${executable}'
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload || true
fi
