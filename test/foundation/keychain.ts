// Test support: run a command under its own private D-Bus session and gnome-keyring, unlocked or locked.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `command` (a shell line) inside a new dbus-run-session with a fresh gnome-keyring.
 * With `locked`, the login collection is locked before the command runs (no prompt can unlock it headless).
 */
export function runInKeyring(command: string, options: { locked?: boolean; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Ran> {
  const scratch = mkdtempSync(join(tmpdir(), 'tp-keyring-'));
  const script = [
    'set -e',
    `export XDG_DATA_HOME=${scratch}/data XDG_RUNTIME_DIR=${scratch}/run`,
    'mkdir -p "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR"; chmod 700 "$XDG_RUNTIME_DIR"',
    "for kv in $(printf 'pw' | gnome-keyring-daemon --unlock --components=secrets 2>/dev/null); do export \"$kv\"; done",
    options.locked ? "gdbus call --session --dest org.freedesktop.secrets --object-path /org/freedesktop/secrets --method org.freedesktop.Secret.Service.Lock \"['/org/freedesktop/secrets/collection/login']\" >/dev/null" : 'true',
    'set +e',
    command,
  ].join('\n');
  return new Promise((resolve, reject) => {
    const child = spawn('dbus-run-session', ['--', 'bash', '-c', script], {
      env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 40_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      rmSync(scratch, { recursive: true, force: true });
      resolve({ code, stdout, stderr });
    });
  });
}
