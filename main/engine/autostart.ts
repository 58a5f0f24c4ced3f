// Start at login: an XDG autostart .desktop file on Linux (written here), the login-item settings Electron applies on Windows and macOS.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export const DESKTOP_FILE_NAME = 'taxpoynt-pos-bridge.desktop';
/** The argument a login launch carries so the app starts in the tray, without a window. */
export const HIDDEN_ARG = '--hidden';

export interface Autostart {
  enabled(): boolean;
  set(on: boolean): void;
}

/** `$XDG_CONFIG_HOME/autostart`, or `~/.config/autostart` (XDG Autostart spec). */
export function xdgAutostartDir(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/') ? env.XDG_CONFIG_HOME : join(home, '.config');
  return join(base, 'autostart');
}

/** Desktop Entry spec "Exec key": an argument with reserved characters is double-quoted, with ", `, $ and \ escaped. */
export function execArg(arg: string): string {
  if (!/[\s"'`$\\><~|&;*?#()]/.test(arg)) return arg;
  return `"${arg.replace(/(["`$\\])/g, '\\$1')}"`;
}

export function desktopEntry(exec: string[], name = 'TaxPoynt POS Bridge'): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    `Name=${name}`,
    'Comment=Captures till receipts and sends them to TaxPoynt',
    `Exec=${exec.map(execArg).join(' ')}`,
    'Icon=taxpoynt-pos-bridge',
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

/** Linux: the .desktop file is the setting; its presence (and not being disabled) is "on". */
export class XdgAutostart implements Autostart {
  readonly file: string;
  constructor(
    private readonly exec: string[],
    dir: string = xdgAutostartDir(),
  ) {
    this.file = join(dir, DESKTOP_FILE_NAME);
  }
  enabled(): boolean {
    if (!existsSync(this.file)) return false;
    const text = readFileSync(this.file, 'utf8');
    return !/^Hidden=true$/m.test(text) && !/^X-GNOME-Autostart-enabled=false$/m.test(text);
  }
  set(on: boolean): void {
    if (!on) {
      rmSync(this.file, { force: true });
      return;
    }
    mkdirSync(dirname(this.file), { recursive: true });
    writeFileSync(this.file, desktopEntry([...this.exec, HIDDEN_ARG]), { mode: 0o644 });
  }
}

/** Electron's `app.setLoginItemSettings` argument for Windows and macOS. */
export function loginItemSettings(on: boolean, exePath: string): { openAtLogin: boolean; openAsHidden: boolean; path: string; args: string[] } {
  return { openAtLogin: on, openAsHidden: true, path: exePath, args: [HIDDEN_ARG] };
}

/**
 * Windows and macOS: the engine (in a child process) cannot call Electron, so it keeps the choice in a
 * file and the shell applies `loginItemSettings` with it after each change and at start.
 */
export class PreferenceAutostart implements Autostart {
  constructor(private readonly file: string) {}
  enabled(): boolean {
    try {
      return (JSON.parse(readFileSync(this.file, 'utf8')) as { startAtLogin?: boolean }).startAtLogin === true;
    } catch {
      return false;
    }
  }
  set(on: boolean): void {
    mkdirSync(dirname(this.file), { recursive: true });
    writeFileSync(this.file, JSON.stringify({ startAtLogin: on }) + '\n', { mode: 0o600 });
  }
}

/** The autostart for this platform; `exec` is the command line a login should run (the app executable). */
export function platformAutostart(options: { platform?: NodeJS.Platform; exec: string[]; dataDir: string; env?: NodeJS.ProcessEnv; home?: string }): Autostart {
  const platform = options.platform ?? process.platform;
  if (platform === 'linux') return new XdgAutostart(options.exec, xdgAutostartDir(options.env, options.home));
  return new PreferenceAutostart(join(options.dataDir, 'autostart.json'));
}
