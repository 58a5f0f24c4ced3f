// The spooler watchdog installed as an OS service by the first take-over and removed by the last release. launchd and a
// systemd user manager cannot run here, so launchctl/systemctl are an injected runner; the files are real, the plist is read
// back by a real plist parser (Python's plistlib), the unit is checked by `systemd-analyze verify`, and the command line the
// service runs is run for real against a data dir. launchd itself is exercised on macOS by the release workflow's smoke test.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  cliExecutable,
  DEB_DATA_DIR,
  installWatchdogService,
  launchdPlist,
  removeWatchdogService,
  systemdEnvironment,
  systemdExecWord,
  systemdUserUnit,
  watchdogArgv,
  WATCHDOG_LABEL,
  WATCHDOG_UNIT,
  type WatchdogServiceOptions,
} from '../../main/engine/watchdog-service.js';

const cli = join(process.cwd(), 'dist', 'main', 'cli.js');
const has = (tool: string, args: string[]) => {
  try {
    execFileSync(tool, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const hasPython = has('python3', ['-c', 'import plistlib']);
const hasAnalyze = has('systemd-analyze', ['--version']);
if (!hasPython) console.warn('skipped: reading the plist back, because python3 (plistlib) is not installed');
if (!hasAnalyze) console.warn('skipped: systemd-analyze verify of the unit, because systemd-analyze is not installed');

/** A data dir as hostile as a file system allows: spaces, both quotes, &, <, %, $, a leading "-" component and non-ASCII. */
const HOSTILE = `/srv/Tïll's "POS" & <bar> 100%x $HOME \\n/-x`;

describe('the watchdog service for this data dir', () => {
  let root: string;
  let calls: string[][];
  let answers: Record<string, { code: number; output: string }>;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'tp-wd-svc-'));
    calls = [];
    answers = {};
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  function options(over: Partial<WatchdogServiceOptions> = {}): WatchdogServiceOptions {
    return {
      platform: 'darwin',
      dataDir: join(root, 'data dir'),
      env: {},
      home: join(root, 'home'),
      uid: 501,
      exec: ['/Applications/TaxPoynt POS Bridge.app/Contents/MacOS/TaxPoynt POS Bridge', '/Applications/TaxPoynt POS Bridge.app/Contents/Resources/app.asar/dist/main/cli.js'],
      electron: true,
      run: async (file, args) => {
        calls.push([file, ...args]);
        return answers[args.find((a) => !a.startsWith('--'))!] ?? { code: 0, output: '' };
      },
      systemdBooted: true,
      debUnitInstalled: false,
      ...over,
    };
  }

  describe('macOS: launchd', () => {
    const agent = () => join(root, 'home', 'Library', 'LaunchAgents', `${WATCHDOG_LABEL}.plist`);

    it.runIf(hasPython)('the plist reads back, in a real plist parser, as exactly the watchdog command for a hostile data dir', () => {
      const o = options({ dataDir: HOSTILE, configFile: `${HOSTILE}/other config.json`, env: { CUPS_SERVER: '/tmp/a&b/cups.sock' } });
      const file = join(root, 'x.plist');
      writeFileSync(file, launchdPlist(o));
      const parsed = JSON.parse(execFileSync('python3', ['-c', 'import plistlib,json,sys; print(json.dumps(plistlib.load(open(sys.argv[1],"rb"))))', file], { encoding: 'utf8' })) as Record<string, unknown>;
      expect(parsed).toEqual({
        Label: WATCHDOG_LABEL,
        ProgramArguments: [...o.exec, `--data-dir=${HOSTILE}`, `--config=${HOSTILE}/other config.json`, 'watchdog', '--every', '15'],
        EnvironmentVariables: { ELECTRON_RUN_AS_NODE: '1', CUPS_SERVER: '/tmp/a&b/cups.sock' },
        RunAtLoad: true,
        KeepAlive: true,
        ProcessType: 'Background',
      });
    });

    it('a data dir with a control character is refused, never written into a plist', async () => {
      const done = await installWatchdogService(options({ dataDir: '/srv/a\nb' }));
      expect(done.ok).toBe(false);
      expect(done.message).toMatch(/control character/);
      expect(calls).toEqual([]);
    });

    it('take-over installs a LaunchAgent and loads it with launchctl bootstrap in the gui domain; a second take-over leaves it be', async () => {
      const done = await installWatchdogService(options());
      expect(done).toEqual({ ok: true, message: `Watchdog: the launchd agent ${agent()} is installed and loaded.` });
      expect(readFileSync(agent(), 'utf8')).toBe(launchdPlist(options()));
      expect(calls).toEqual([
        ['launchctl', 'bootout', `gui/501/${WATCHDOG_LABEL}`],
        ['launchctl', 'enable', `gui/501/${WATCHDOG_LABEL}`],
        ['launchctl', 'bootstrap', 'gui/501', agent()],
      ]);
      calls.length = 0;
      expect((await installWatchdogService(options())).ok).toBe(true);
      expect(calls).toEqual([['launchctl', 'print', `gui/501/${WATCHDOG_LABEL}`]]);
    });

    it('as root it is a LaunchDaemon in the system domain', async () => {
      const daemons = join(root, 'LaunchDaemons');
      const done = await installWatchdogService(options({ uid: 0, launchDaemonsDir: daemons }));
      expect(done.message).toContain('launchd daemon');
      expect(existsSync(join(daemons, `${WATCHDOG_LABEL}.plist`))).toBe(true);
      expect(calls.at(-1)).toEqual(['launchctl', 'bootstrap', 'system', join(daemons, `${WATCHDOG_LABEL}.plist`)]);
    });

    it('bootstrap refused: no plist is left behind and the message says what to run instead', async () => {
      answers.bootstrap = { code: 5, output: 'Bootstrap failed: 5: Input/output error\n' };
      const done = await installWatchdogService(options());
      expect(done.ok).toBe(false);
      expect(done.message).toContain('launchctl bootstrap gui/501 refused');
      expect(done.message).toContain('Input/output error');
      expect(done.message).toContain('watchdog` running beside the bridge yourself');
      expect(existsSync(agent())).toBe(false);
    });

    it('the last release unloads it with launchctl bootout and removes the plist; another data dir\'s agent is left alone', async () => {
      await installWatchdogService(options());
      calls.length = 0;
      const other = await removeWatchdogService(options({ dataDir: join(root, 'another') }));
      expect(other.message).toBe('Watchdog: no service of this data dir to remove.');
      expect(existsSync(agent())).toBe(true);
      expect(calls).toEqual([]);

      answers.bootout = { code: 3, output: 'Boot-out failed: 3: No such process\n' };
      const done = await removeWatchdogService(options());
      expect(done).toEqual({ ok: true, message: `Watchdog: the launchd agent is unloaded and ${agent()} removed.` });
      expect(calls).toEqual([['launchctl', 'bootout', `gui/501/${WATCHDOG_LABEL}`]]);
      expect(existsSync(agent())).toBe(false);
    });

    it('the app\'s engine runs in a helper: the service runs the app\'s own executable', () => {
      expect(cliExecutable('/Applications/TaxPoynt POS Bridge.app/Contents/Frameworks/TaxPoynt POS Bridge Helper.app/Contents/MacOS/TaxPoynt POS Bridge Helper', 'darwin')).toBe(
        '/Applications/TaxPoynt POS Bridge.app/Contents/MacOS/TaxPoynt POS Bridge',
      );
      expect(cliExecutable('/Applications/X.app/Contents/Frameworks/X Helper (Plugin).app/Contents/MacOS/X Helper (Plugin)', 'darwin')).toBe('/Applications/X.app/Contents/MacOS/X');
      expect(cliExecutable('/usr/local/bin/node', 'darwin')).toBe('/usr/local/bin/node');
      expect(cliExecutable('C:\\Program Files\\TaxPoynt POS Bridge\\TaxPoyntPOSBridge.exe', 'win32')).toBe('C:\\Program Files\\TaxPoynt POS Bridge\\TaxPoyntPOSBridge.exe');
    });
  });

  describe('Linux: systemd', () => {
    const unit = () => join(root, 'config', 'systemd', 'user', WATCHDOG_UNIT);
    const linux = (over: Partial<WatchdogServiceOptions> = {}) => options({ platform: 'linux', uid: 1000, env: { XDG_CONFIG_HOME: join(root, 'config') }, exec: [process.execPath, cli], electron: false, ...over });

    it('take-over writes a user unit and enables it with systemctl --user; the last release disables and removes it', async () => {
      const done = await installWatchdogService(linux());
      expect(done).toEqual({ ok: true, message: `Watchdog: the systemd user service ${WATCHDOG_UNIT} (${unit()}) is enabled and running.` });
      expect(readFileSync(unit(), 'utf8')).toBe(systemdUserUnit(linux()));
      expect(calls).toEqual([
        ['systemctl', '--user', 'daemon-reload'],
        ['systemctl', '--user', 'enable', '--now', WATCHDOG_UNIT],
      ]);
      calls.length = 0;
      expect((await removeWatchdogService(linux())).message).toBe(`Watchdog: the systemd user service ${WATCHDOG_UNIT} is stopped and removed.`);
      expect(calls).toEqual([
        ['systemctl', '--user', 'disable', '--now', WATCHDOG_UNIT],
        ['systemctl', '--user', 'daemon-reload'],
      ]);
      expect(existsSync(unit())).toBe(false);
    });

    it('no user manager to start it: the unit is not left behind and the message says so', async () => {
      answers['daemon-reload'] = { code: 1, output: 'Failed to connect to bus: No medium found\n' };
      const done = await installWatchdogService(linux());
      expect(done.ok).toBe(false);
      expect(done.message).toContain('Failed to connect to bus');
      expect(existsSync(unit())).toBe(false);
    });

    it("the deb's system unit covers its own data dir; without systemd, in an AppImage, or with TAXPOYNT_BRIDGE_WATCHDOG_SERVICE=manual nothing is installed, and the take-over is told why", async () => {
      expect(await installWatchdogService(linux({ dataDir: DEB_DATA_DIR, debUnitInstalled: true }))).toEqual({ ok: true, message: `Watchdog: the deb's system service ${WATCHDOG_UNIT} watches this data dir.` });
      expect((await installWatchdogService(linux({ systemdBooted: false }))).message).toMatch(/does not run systemd; keep `taxpoynt-bridge --data-dir=".*" watchdog` running/);
      expect((await installWatchdogService(linux({ env: { APPIMAGE: '/home/u/TaxPoynt.AppImage' } }))).message).toMatch(/AppImage/);
      expect((await installWatchdogService(linux({ env: { TAXPOYNT_BRIDGE_WATCHDOG_SERVICE: 'manual' } }))).ok).toBe(false);
      expect(calls).toEqual([]);
      expect(existsSync(unit())).toBe(false);
    });

    it('ExecStart words and Environment= lines: quotes and backslashes escaped, "%" (specifiers) and "$" (variables) doubled', () => {
      expect(systemdExecWord('/usr/bin/node')).toBe('/usr/bin/node');
      expect(systemdExecWord('--data-dir=/a/100%h $HOME "q" \\x')).toBe('"--data-dir=/a/100%%h $$HOME \\"q\\" \\\\x"');
      expect(systemdEnvironment('CUPS_SERVER', '/a/%h "b" $X')).toBe('Environment="CUPS_SERVER=/a/%%h \\"b\\" $X"');
    });

    it.runIf(hasAnalyze && existsSync(cli))('systemd-analyze verify accepts the unit for a hostile data dir without a warning', async () => {
      const file = join(root, WATCHDOG_UNIT);
      writeFileSync(file, systemdUserUnit(linux({ dataDir: HOSTILE, env: { CUPS_SERVER: '/tmp/100% sure/"cups".sock' } })));
      mkdirSync(join(root, 'run'), { mode: 0o700 });
      const out = await new Promise<{ code: number; text: string }>((resolve) =>
        execFile('systemd-analyze', ['verify', '--user', file], { env: { ...process.env, XDG_RUNTIME_DIR: join(root, 'run') } }, (err, stdout, stderr) =>
          resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, text: stdout + stderr }),
        ),
      );
      expect(out.text).toBe('');
      expect(out.code).toBe(0);
    });

    it.runIf(existsSync(cli))('the command the service runs works: the watchdog starts for that data dir and makes one pass', async () => {
      const dataDir = join(root, `Tïll's "POS" & 100% $HOME`);
      const argv = watchdogArgv({ exec: [process.execPath, cli], dataDir });
      const out = await new Promise<{ code: number; text: string }>((resolve) =>
        execFile(argv[0]!, [...argv.slice(1), '--once'], { env: { ...process.env, TAXPOYNT_BRIDGE_DATA_DIR: '' }, timeout: 30_000 }, (err, stdout, stderr) =>
          resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, text: stdout + stderr }),
        ),
      );
      expect(out.code, out.text).toBe(0);
      // It ran in that data dir (its log went there), not the default one.
      expect(existsSync(join(dataDir, 'logs'))).toBe(true);
    });
  });

  describe('Windows: the installer\'s scheduled task', () => {
    it('covers the default data dir; any other is told to run the watchdog itself', async () => {
      const env = { PROGRAMDATA: 'C:\\ProgramData' };
      const covered = await installWatchdogService(options({ platform: 'win32', dataDir: 'C:\\ProgramData\\TaxPoynt\\POS Bridge', env }));
      expect(covered).toEqual({ ok: true, message: 'Watchdog: the scheduled task "TaxPoynt POS Bridge Watchdog" the installer registered watches this data dir.' });
      const other = await installWatchdogService(options({ platform: 'win32', dataDir: 'D:\\bridge', env }));
      expect(other.ok).toBe(false);
      expect(other.message).toContain('watches only C:\\ProgramData\\TaxPoynt\\POS Bridge');
      expect((await removeWatchdogService(options({ platform: 'win32', dataDir: 'C:\\ProgramData\\TaxPoynt\\POS Bridge', env }))).message).toMatch(/left running/);
      expect(calls).toEqual([]);
    });
  });
});
