// The spooler watchdog as a service of the OS, installed by the first take-over and removed with the last release: a launchd agent
// (or daemon, as root) on macOS, a systemd user unit on Linux; the deb's system unit and the Windows installer's scheduled task cover their default data dir.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, win32 } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileDurably } from '../capture/spooler/index.js';
import { defaultDataDir } from './paths.js';

export const WATCHDOG_LABEL = 'com.taxpoynt.posbridge.watchdog';
export const WATCHDOG_UNIT = 'taxpoynt-bridge-watchdog.service';
/** The deb's system unit and the data dir it watches (resources/linux/taxpoynt-bridge-watchdog.service). */
export const DEB_UNIT_FILE = '/lib/systemd/system/taxpoynt-bridge-watchdog.service';
export const DEB_DATA_DIR = '/var/lib/taxpoynt-pos-bridge';
export const WINDOWS_TASK = 'TaxPoynt POS Bridge Watchdog';

/** Runs a service-manager tool (launchctl, systemctl) from an argv array; never throws, the exit code says. */
export type ServiceRunner = (file: string, args: string[]) => Promise<{ code: number; output: string }>;

export interface WatchdogServiceOptions {
  platform: NodeJS.Platform;
  dataDir: string;
  /** Given only when it is not <dataDir>/config.json. */
  configFile?: string;
  env: NodeJS.ProcessEnv;
  home: string;
  /** The user the service runs for (0: root, whose watchdog is a system service on macOS). */
  uid: number;
  /** How to start this CLI: the Node (or Electron) binary and cli.js. */
  exec: string[];
  /** Running on Electron: the service sets ELECTRON_RUN_AS_NODE=1, as the installed `taxpoynt-bridge` does. */
  electron: boolean;
  run: ServiceRunner;
  /** Linux: whether systemd is the init (sd_booted: /run/systemd/system exists). */
  systemdBooted: boolean;
  /** Whether the deb's system unit is installed. */
  debUnitInstalled: boolean;
  /** macOS, as root: where launch daemons go (default /Library/LaunchDaemons). */
  launchDaemonsDir?: string;
}

/** What was done, in a sentence for the merchant or the support engineer. */
export interface WatchdogServiceResult {
  /** Whether a watchdog covers this data dir now (install), or was removed / never ours (remove). */
  ok: boolean;
  message: string;
}

// ------------------------------------------------------------------ quoting

const CONTROL = /[\u0000-\u001f\u007f]/;

function noControl(values: readonly string[]): void {
  const bad = values.find((v) => CONTROL.test(v));
  if (bad !== undefined) throw new Error(`a path for the watchdog service has a control character: ${JSON.stringify(bad)}`);
}

/** XML character data and attribute text (plists are XML 1.0, which has no control characters but tab/newline). */
export function xmlText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** One systemd ExecStart= word (systemd.service "Command lines"): quoted, with "\", '"' escaped, "%" doubled (specifiers) and "$" doubled (no variable expansion). */
export function systemdExecWord(word: string): string {
  const escaped = word.replace(/%/g, '%%').replace(/\$/g, '$$$$');
  if (/^[A-Za-z0-9_./:=@+,-]+$/.test(escaped)) return escaped;
  return `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** An Environment= assignment (systemd.exec): the whole "KEY=value" quoted, "%" doubled; Environment= expands no "$". */
export function systemdEnvironment(key: string, value: string): string {
  return `Environment="${`${key}=${value}`.replace(/%/g, '%%').replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

// ------------------------------------------------------------------ what the service runs

/** The watchdog's argv for this data dir (global options inline, so a path starting with "-" stays a value). */
export function watchdogArgv(options: Pick<WatchdogServiceOptions, 'exec' | 'dataDir' | 'configFile'>): string[] {
  return [...options.exec, `--data-dir=${options.dataDir}`, ...(options.configFile ? [`--config=${options.configFile}`] : []), 'watchdog', '--every', '15'];
}

/** The environment the watchdog needs: Node mode on Electron, and the CUPS server the take-over used. */
export function watchdogEnvironment(options: Pick<WatchdogServiceOptions, 'electron' | 'env'>): Record<string, string> {
  return { ...(options.electron ? { ELECTRON_RUN_AS_NODE: '1' } : {}), ...(options.env.CUPS_SERVER ? { CUPS_SERVER: options.env.CUPS_SERVER } : {}) };
}

export function launchdPlist(options: Pick<WatchdogServiceOptions, 'exec' | 'dataDir' | 'configFile' | 'electron' | 'env'>): string {
  const argv = watchdogArgv(options);
  const env = watchdogEnvironment(options);
  noControl([...argv, ...Object.values(env)]);
  const strings = (values: string[], indent: string) => values.map((v) => `${indent}<string>${xmlText(v)}</string>`).join('\n');
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<!-- Written by taxpoynt-bridge at the first print queue take-over; the last release removes it. -->',
    '<plist version="1.0">',
    '<dict>',
    '  <key>Label</key>',
    `  <string>${WATCHDOG_LABEL}</string>`,
    '  <key>ProgramArguments</key>',
    '  <array>',
    strings(argv, '    '),
    '  </array>',
    ...(Object.keys(env).length
      ? ['  <key>EnvironmentVariables</key>', '  <dict>', ...Object.entries(env).flatMap(([k, v]) => [`    <key>${xmlText(k)}</key>`, `    <string>${xmlText(v)}</string>`]), '  </dict>']
      : []),
    '  <key>RunAtLoad</key>',
    '  <true/>',
    '  <key>KeepAlive</key>',
    '  <true/>',
    '  <key>ProcessType</key>',
    '  <string>Background</string>',
    '</dict>',
    '</plist>',
    '',
  ].join('\n');
}

export function systemdUserUnit(options: Pick<WatchdogServiceOptions, 'exec' | 'dataDir' | 'configFile' | 'electron' | 'env'>): string {
  const argv = watchdogArgv(options);
  const env = watchdogEnvironment(options);
  noControl([...argv, ...Object.values(env)]);
  return [
    '# Written by taxpoynt-bridge at the first print queue take-over; the last release removes it.',
    '[Unit]',
    'Description=TaxPoynt POS Bridge watchdog (gives taken-over print queues back while the bridge is down)',
    '',
    '[Service]',
    'Type=simple',
    ...Object.entries(env).map(([k, v]) => systemdEnvironment(k, v)),
    `ExecStart=${argv.map(systemdExecWord).join(' ')}`,
    'Restart=always',
    'RestartSec=5',
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  ].join('\n');
}

// ------------------------------------------------------------------ where it goes

type Plan =
  | { kind: 'launchd'; file: string; domain: string; content: string }
  | { kind: 'systemd-user'; file: string; content: string }
  | { kind: 'covered'; message: string }
  | { kind: 'none'; message: string };

const manualHint = (dataDir: string) => `keep \`taxpoynt-bridge --data-dir=${JSON.stringify(dataDir)} watchdog\` running beside the bridge yourself (README, "USB printers behind the print queue")`;

function plan(o: WatchdogServiceOptions): Plan {
  if (o.env.TAXPOYNT_BRIDGE_WATCHDOG_SERVICE === 'manual') return { kind: 'none', message: `TAXPOYNT_BRIDGE_WATCHDOG_SERVICE=manual: no watchdog service is installed; ${manualHint(o.dataDir)}` };
  if (o.platform === 'win32') {
    // Windows paths compare case-insensitively and with either slash.
    const taskDir = win32.normalize(defaultDataDir('win32', o.env));
    return win32.normalize(o.dataDir).toLowerCase() === taskDir.toLowerCase()
      ? { kind: 'covered', message: `the scheduled task "${WINDOWS_TASK}" the installer registered watches this data dir` }
      : { kind: 'none', message: `the installer's scheduled task "${WINDOWS_TASK}" watches only ${taskDir}; ${manualHint(o.dataDir)}` };
  }
  if (o.platform === 'darwin') {
    const root = o.uid === 0;
    const file = root ? join(o.launchDaemonsDir ?? '/Library/LaunchDaemons', `${WATCHDOG_LABEL}.plist`) : join(o.home, 'Library', 'LaunchAgents', `${WATCHDOG_LABEL}.plist`);
    return { kind: 'launchd', file, domain: root ? 'system' : `gui/${o.uid}`, content: launchdPlist(o) };
  }
  if (o.platform === 'linux') {
    if (o.debUnitInstalled && o.dataDir === DEB_DATA_DIR) return { kind: 'covered', message: `the deb's system service ${WATCHDOG_UNIT} watches this data dir` };
    if (o.env.APPIMAGE) return { kind: 'none', message: `an AppImage mounts itself at a new path each run, so no service can start it; ${manualHint(o.dataDir)}` };
    if (!o.systemdBooted) return { kind: 'none', message: `this system does not run systemd; ${manualHint(o.dataDir)}` };
    const base = o.env.XDG_CONFIG_HOME && o.env.XDG_CONFIG_HOME.startsWith('/') ? o.env.XDG_CONFIG_HOME : join(o.home, '.config');
    return { kind: 'systemd-user', file: join(base, 'systemd', 'user', WATCHDOG_UNIT), content: systemdUserUnit(o) };
  }
  return { kind: 'none', message: `no watchdog service is known for ${o.platform}; ${manualHint(o.dataDir)}` };
}

/** A service manager never reads half a file. */
const writeAtomically = (file: string, content: string): void => writeFileDurably(file, content, { mode: 0o644 });

const readText = (file: string): string | null => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
};

/** Whether a service file on disk is the one this data dir installed (another data dir's is left alone). */
function isOurs(p: Extract<Plan, { file: string }>, text: string, dataDir: string): boolean {
  const arg = `--data-dir=${dataDir}`;
  return p.kind === 'launchd' ? text.includes(`<string>${xmlText(arg)}</string>`) : text.includes(` ${systemdExecWord(arg)} `);
}

const detail = (r: { code: number; output: string }) => r.output.trim().split('\n').slice(0, 2).join(' ') || `exit ${r.code}`;

/** Installs and starts the watchdog service for this data dir (unchanged when it is already there and loaded). Never throws. */
export async function installWatchdogService(o: WatchdogServiceOptions): Promise<WatchdogServiceResult> {
  let p: Plan;
  try {
    p = plan(o);
  } catch (err) {
    return { ok: false, message: `the watchdog service was not installed: ${(err as Error).message}; ${manualHint(o.dataDir)}` };
  }
  if (p.kind === 'covered') return { ok: true, message: `Watchdog: ${p.message}.` };
  if (p.kind === 'none') return { ok: false, message: `Watchdog: not installed: ${p.message}.` };
  const before = readText(p.file);
  if (before !== null && !isOurs(p, before, o.dataDir)) {
    return { ok: false, message: `Watchdog: not installed: ${p.file} belongs to another data dir's bridge; ${manualHint(o.dataDir)}.` };
  }
  if (p.kind === 'launchd') {
    const target = `${p.domain}/${WATCHDOG_LABEL}`;
    if (before === p.content && (await o.run('launchctl', ['print', target])).code === 0) return { ok: true, message: `Watchdog: the launchd ${p.domain === 'system' ? 'daemon' : 'agent'} ${p.file} is loaded.` };
    try {
      writeAtomically(p.file, p.content);
    } catch (err) {
      return { ok: false, message: `Watchdog: not installed: ${p.file} could not be written (${(err as Error).message}); ${manualHint(o.dataDir)}.` };
    }
    // A label loaded before (an older plist) is unloaded first; a disabled one is enabled, or bootstrap refuses it.
    await o.run('launchctl', ['bootout', target]);
    await o.run('launchctl', ['enable', target]);
    const boot = await o.run('launchctl', ['bootstrap', p.domain, p.file]);
    if (boot.code !== 0) {
      rmSync(p.file, { force: true });
      return { ok: false, message: `Watchdog: not installed: launchctl bootstrap ${p.domain} refused ${p.file} (${detail(boot)}); ${manualHint(o.dataDir)}.` };
    }
    return { ok: true, message: `Watchdog: the launchd ${p.domain === 'system' ? 'daemon' : 'agent'} ${p.file} is installed and loaded.` };
  }
  const systemctl = (...args: string[]) => o.run('systemctl', ['--user', ...args]);
  try {
    if (before !== p.content) writeAtomically(p.file, p.content);
  } catch (err) {
    return { ok: false, message: `Watchdog: not installed: ${p.file} could not be written (${(err as Error).message}); ${manualHint(o.dataDir)}.` };
  }
  const reload = await systemctl('daemon-reload');
  const enable = reload.code === 0 ? await systemctl('enable', '--now', WATCHDOG_UNIT) : reload;
  if (enable.code !== 0) {
    rmSync(p.file, { force: true });
    await systemctl('daemon-reload');
    return { ok: false, message: `Watchdog: not installed: systemctl --user could not start ${WATCHDOG_UNIT} (${detail(enable)}); ${manualHint(o.dataDir)}.` };
  }
  if (before !== null && before !== p.content) await systemctl('restart', WATCHDOG_UNIT);
  return { ok: true, message: `Watchdog: the systemd user service ${WATCHDOG_UNIT} (${p.file}) is enabled and running.` };
}

/** Stops and removes the watchdog service this data dir installed (a service another data dir or the installer owns is left alone). Never throws. */
export async function removeWatchdogService(o: WatchdogServiceOptions): Promise<WatchdogServiceResult> {
  let p: Plan;
  try {
    p = plan(o);
  } catch {
    return { ok: true, message: 'Watchdog: no service of this data dir to remove.' };
  }
  if (p.kind === 'covered') return { ok: true, message: `Watchdog: left running: ${p.message} (it does nothing while no queue is taken over).` };
  if (p.kind === 'none') return { ok: true, message: 'Watchdog: no service of this data dir to remove.' };
  const text = readText(p.file);
  if (text === null || !isOurs(p, text, o.dataDir)) return { ok: true, message: 'Watchdog: no service of this data dir to remove.' };
  if (p.kind === 'launchd') {
    const out = await o.run('launchctl', ['bootout', `${p.domain}/${WATCHDOG_LABEL}`]);
    rmSync(p.file, { force: true });
    // 3 / "No such process": it was not loaded, which is what removing wants.
    if (out.code !== 0 && out.code !== 3 && !/no such process|could not find/i.test(out.output)) {
      return { ok: false, message: `Watchdog: ${p.file} removed, but launchctl bootout said: ${detail(out)}; it is gone at the next login.` };
    }
    return { ok: true, message: `Watchdog: the launchd ${p.domain === 'system' ? 'daemon' : 'agent'} is unloaded and ${p.file} removed.` };
  }
  const off = await o.run('systemctl', ['--user', 'disable', '--now', WATCHDOG_UNIT]);
  rmSync(p.file, { force: true });
  await o.run('systemctl', ['--user', 'daemon-reload']);
  if (off.code !== 0) return { ok: false, message: `Watchdog: ${p.file} removed, but systemctl --user disable said: ${detail(off)}.` };
  return { ok: true, message: `Watchdog: the systemd user service ${WATCHDOG_UNIT} is stopped and removed.` };
}

const runTool: ServiceRunner = (file, args) =>
  new Promise((resolve) => {
    execFile(file, args, { timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : 127) : 0;
      resolve({ code, output: `${stderr}${stdout}` });
    });
  });

/**
 * The binary that runs the CLI as Node. On macOS the app's engine is a utility process whose execPath is a helper
 * (`<App>.app/Contents/Frameworks/<Name> Helper.app/…`); the service runs the app's own executable, as the installed CLI does.
 */
export function cliExecutable(execPath: string, platform: NodeJS.Platform): string {
  if (platform !== 'darwin') return execPath;
  const m = /^(.*\/([^/]+)\.app)\/Contents\/Frameworks\/[^/]+ Helper(?: \([^)]*\))?\.app\/Contents\/MacOS\/[^/]+$/.exec(execPath);
  return m ? `${m[1]}/Contents/MacOS/${m[2]}` : execPath;
}

/** This process's options: the CLI it runs from (dist/main/cli.js beside this file), this user, this OS. */
export function watchdogServiceFor(dataDir: string, configFile: string, env: NodeJS.ProcessEnv = process.env): WatchdogServiceOptions {
  const cli = fileURLToPath(new URL('../cli.js', import.meta.url));
  return {
    platform: process.platform,
    dataDir,
    configFile: configFile === join(dataDir, 'config.json') ? undefined : configFile,
    env,
    home: homedir(),
    uid: process.getuid?.() ?? -1,
    exec: [cliExecutable(process.execPath, process.platform), cli],
    electron: Boolean(process.versions.electron),
    run: runTool,
    systemdBooted: existsSync('/run/systemd/system'),
    debUnitInstalled: existsSync(DEB_UNIT_FILE),
  };
}
