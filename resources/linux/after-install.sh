#!/bin/bash
# deb post-install (electron-builder expands only its own macros here, so shell variables are written without braces).
set -e
APP_DIR='/opt/${sanitizedProductName}'

ln -sf "$APP_DIR/${executable}" '/usr/bin/${executable}'
chmod 0755 "$APP_DIR/resources/linux/taxpoynt-bridge"
ln -sf "$APP_DIR/resources/linux/taxpoynt-bridge" /usr/bin/taxpoynt-bridge

# chrome-sandbox needs SUID only where user namespaces are unavailable (as electron-builder's own template).
if ! { [[ -L /proc/self/ns/user ]] && unshare --user true; } 2>/dev/null; then
  chmod 4755 "$APP_DIR/chrome-sandbox" || true
else
  chmod 0755 "$APP_DIR/chrome-sandbox" || true
fi

# Service user for headless boxes: no login, in dialout for the serial taps.
if ! getent passwd taxpoynt >/dev/null; then
  useradd --system --home-dir /var/lib/taxpoynt-pos-bridge --shell /usr/sbin/nologin --user-group taxpoynt
fi
usermod -a -G dialout taxpoynt || true
# lpadmin: the bridge re-points a CUPS queue it took over (devices takeover) and its watchdog gives it back.
getent group lpadmin >/dev/null && usermod -a -G lpadmin taxpoynt || true
install -d -m 0700 -o taxpoynt -g taxpoynt /var/lib/taxpoynt-pos-bridge

install -m 0644 "$APP_DIR/resources/linux/taxpoynt-bridge.service" /lib/systemd/system/taxpoynt-bridge.service
install -m 0644 "$APP_DIR/resources/linux/taxpoynt-bridge-watchdog.service" /lib/systemd/system/taxpoynt-bridge-watchdog.service
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload || true
  systemctl enable taxpoynt-bridge.service taxpoynt-bridge-watchdog.service || true
  systemctl restart taxpoynt-bridge.service taxpoynt-bridge-watchdog.service || true
fi

if hash update-desktop-database 2>/dev/null; then
  update-desktop-database /usr/share/applications || true
fi
