// Windows administrator rights, asked for once per take-over or release and never for capture. Windows cannot run here, so the
// PowerShell runner is injected: a stand-in spooler that keeps its printers in memory and carries out the elevated step's request
// file as the elevated PowerShell would. What is checked is ours: the commands built, the quoting, the request and result files,
// the refused prompt, a failure or a crash half-way. A real UAC prompt on a real spooler is exercised on Windows by the release
// workflow's smoke test (and, until its take-over check lands, by hand: README, "USB printers behind the print queue").
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeviceConfig } from '../../main/capture/index.js';
import { resumeTakeovers, retakeGivenBack, watchdogStep, type TakeoverAlert } from '../../main/engine/takeovers.js';
import { Logger } from '../../main/telemetry/log.js';
import {
  checkElevatedOutcome,
  ELEVATION_TIMEOUT_MS,
  elevatedRequest,
  giveBack,
  parseElevationAnswer,
  parseIsElevated,
  psSingleQuoted,
  readTakeovers,
  release,
  SpoolerError,
  takeover,
  WINDOWS_SCRIPTS,
  WindowsSpooler,
  type PowerShellCommand,
  type QueueChange,
} from '../../main/capture/spooler/index.js';

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex').toUpperCase();
const decode = (b64: string) => Buffer.from(b64, 'base64').toString('utf16le');
const scriptOf = (cmd: PowerShellCommand) => decode(cmd.args[cmd.args.indexOf('-EncodedCommand') + 1]!);

/** Reads a PowerShell single-quoted literal back (any of the four quote characters, doubled, is one of them). */
function psLiteral(script: string, variable: string): string {
  const m = new RegExp(`\\$${variable} = '((?:[^'\\u2018\\u2019\\u201A\\u201B]|['\\u2018\\u2019\\u201A\\u201B]{2})*)'`).exec(script);
  if (!m) throw new Error(`no $${variable} literal in the script`);
  return m[1]!.replace(/(['\u2018\u2019\u201A\u201B])\1/g, '$1');
}

interface Printer {
  Name: string;
  DriverName: string;
  PortName: string;
}

/** The queue a till prints to: spaces, quotes, a PowerShell sub-expression and non-ASCII text, all of which Windows allows. */
const QUEUE = `Caisse "POS" 80 — Ünïcødé ’quoted’ it's; $(Remove-Item C:/x) \`n`;

/** A stand-in Windows spooler: answers the list and elevation scripts, carries out queue changes on its in-memory printers. */
class FakeWindows {
  printers: Printer[] = [
    { Name: QUEUE, DriverName: 'EPSON TM-T20II Receipt5', PortName: 'USB001' },
    { Name: 'Office', DriverName: 'HP Universal Printing PCL 6', PortName: '192.168.1.40' },
  ];
  ports = new Set(['USB001', '192.168.1.40']);
  elevated = false;
  /** How the elevated step's launcher answers: the prompt accepted, refused, or the process stopping there. */
  prompt: 'yes' | 'no' | 'hang-after-first' = 'yes';
  failStep: string | null = null;
  ran: PowerShellCommand[] = [];
  prompts: QueueChange[][] = [];
  requestDirs: string[] = [];
  launchArgs: string[] = [];

  apply(step: string, env: Record<string, string>): void {
    if (step === this.failStep) throw new Error(`${step} : The printer name is invalid.`);
    const printer = (name: string) => this.printers.find((p) => p.Name === name);
    switch (step) {
      case 'createDirect':
        if (!printer(env.TP_DIRECT!)) this.printers.push({ Name: env.TP_DIRECT!, DriverName: env.TP_DRIVER!, PortName: env.TP_PORT! });
        break;
      case 'pointAtBridge':
        this.ports.add(env.TP_PORT!);
        printer(env.TP_QUEUE!)!.PortName = env.TP_PORT!;
        break;
      case 'setPort':
        printer(env.TP_QUEUE!)!.PortName = env.TP_PORT!;
        break;
      case 'removeDirect':
        this.printers = this.printers.filter((p) => p.Name !== env.TP_DIRECT);
        break;
      case 'removePort':
        this.ports.delete(env.TP_PORT!);
        break;
      default:
        throw new Error(`unknown step ${step}`);
    }
  }

  readonly run = async (cmd: PowerShellCommand): Promise<string> => {
    this.ran.push(cmd);
    const script = scriptOf(cmd);
    if (script.includes('Get-Printer | Select-Object')) {
      return JSON.stringify({ printers: this.printers, ports: [...this.ports].map((Name) => ({ Name, PrinterHostAddress: Name === '192.168.1.40' ? Name : null, PortNumber: Name === '192.168.1.40' ? 9100 : null })) });
    }
    if (script.endsWith(WINDOWS_SCRIPTS.isElevated)) return this.elevated ? 'True\r\n' : 'False\r\n';
    if (script.endsWith(WINDOWS_SCRIPTS.runElevated)) return this.elevate(cmd);
    const step = (['pointAtBridge', 'setPort', 'createDirect', 'removeDirect', 'removePort'] as const).find((s) => script.endsWith(WINDOWS_SCRIPTS[s]));
    if (!step) throw new Error(`unexpected script: ${script.slice(0, 200)}`);
    if (!this.elevated) throw new SpoolerError('needs_admin', 'Access is denied.');
    this.apply(step, cmd.env);
    return '';
  };

  /** Called between the bridge writing the step's files and the elevated process reading them. */
  beforeElevatedRun: ((files: { script: string; request: string }) => void) | null = null;

  /**
   * What the elevated powershell.exe does with its -EncodedCommand: the bootstrap checks the two files' SHA-256, then the
   * step's script reads the request, makes the changes and writes the result.
   */
  private async elevate(cmd: PowerShellCommand): Promise<string> {
    const args = cmd.env.TP_ELEVATED_ARGS!;
    this.launchArgs.push(args);
    const bootstrap = decode(/-EncodedCommand (\S+)$/.exec(args)![1]!);
    // The folder is a quoted literal; the file names are fixed ("\\" is not special in a PowerShell double-quoted string).
    const dir = psLiteral(bootstrap, 'd');
    expect(bootstrap).toMatch(/^\$ErrorActionPreference = 'Stop';/);
    expect(bootstrap).toContain('$s = "$d\\step.ps1"');
    expect(bootstrap).toContain('(H "$d\\request.json")');
    const [, scriptHash, requestHash] = /\(H \$s\) -ne '([0-9A-F]{64})' -or \(H "[^"]+"\) -ne '([0-9A-F]{64})'/.exec(bootstrap)!;
    const scriptPath = join(dir, 'step.ps1');
    const script = readFileSync(scriptPath, 'utf8');
    const requestPath = psLiteral(script, 'request');
    expect(requestPath).toBe(join(dir, 'request.json'));
    this.beforeElevatedRun?.({ script: scriptPath, request: requestPath });
    if (sha256(scriptPath) !== scriptHash || sha256(requestPath) !== requestHash) return '{"exitCode":3}';
    const resultPath = psLiteral(script, 'result');
    this.requestDirs.push(join(requestPath, '..'));
    const changes = (JSON.parse(readFileSync(requestPath, 'utf8')) as { changes: QueueChange[] }).changes;
    this.prompts.push(changes);
    if (this.prompt === 'no') return '{"refused":true}\r\n';
    let done = 0;
    for (const c of changes) {
      try {
        this.apply(c.step, c.values);
      } catch (err) {
        writeFileSync(resultPath, JSON.stringify({ done, failed: { step: c.step, error: (err as Error).message }, elevated: true }));
        return '{"exitCode":1}';
      }
      done++;
      // The process stops here for good (killed, power cut): the promise never settles.
      if (this.prompt === 'hang-after-first') return new Promise<string>(() => undefined);
    }
    writeFileSync(resultPath, JSON.stringify({ done, failed: null, elevated: true }));
    return '{"exitCode":0}';
  }
}

describe('Windows: one administrator prompt for the take-over, none for anything else', () => {
  let dataDir: string;
  let tmp: string;
  let win: FakeWindows;
  let spooler: WindowsSpooler;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'tp-elev-data-'));
    tmp = mkdtempSync(join(tmpdir(), 'tp-elev-tmp-'));
    win = new FakeWindows();
    spooler = new WindowsSpooler(win.run, tmp);
  });
  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(tmp, { recursive: true, force: true });
  });

  const queue = () => win.printers.find((p) => p.Name === QUEUE)!;

  it('unelevated, both changes run in one elevated step; names travel only in the request file, never on a command line', async () => {
    const { entry } = await takeover({ backend: spooler, dataDir, queue: QUEUE, id: 'till' });
    expect(win.prompts).toHaveLength(1);
    expect(win.prompts[0]!.map((c) => c.step)).toEqual(['createDirect', 'pointAtBridge']);
    expect(win.prompts[0]![0]!.values).toMatchObject({ TP_DIRECT: `${QUEUE} (TaxPoynt direct)`, TP_DRIVER: 'EPSON TM-T20II Receipt5', TP_PORT: 'USB001' });
    expect(win.prompts[0]![1]!.values).toEqual({ TP_QUEUE: QUEUE, TP_PORT: `TaxPoynt_127.0.0.1_${entry.listen.port}`, TP_PORT_NUMBER: String(entry.listen.port) });
    // The queue now prints to the bridge's port; the direct queue keeps the USB port.
    expect(queue().PortName).toBe(`TaxPoynt_127.0.0.1_${entry.listen.port}`);
    expect(win.printers.find((p) => p.Name === `${QUEUE} (TaxPoynt direct)`)?.PortName).toBe('USB001');
    expect(readTakeovers(dataDir)).toMatchObject([{ id: 'till', queue: QUEUE, phase: 'taken', original: { port: 'USB001' } }]);

    const launcher = win.ran.find((c) => scriptOf(c).endsWith(WINDOWS_SCRIPTS.runElevated))!;
    expect(launcher.file).toBe('powershell.exe');
    expect(launcher.timeoutMs).toBe(ELEVATION_TIMEOUT_MS);
    expect(Object.keys(launcher.env)).toEqual(['TP_ELEVATED_ARGS']);
    expect(scriptOf(launcher)).toMatch(/\$si\.Verb = 'runas'/);
    expect(scriptOf(launcher)).toMatch(/NativeErrorCode -eq 1223/);
    const elevatedArgs = launcher.env.TP_ELEVATED_ARGS!;
    expect(elevatedArgs).toMatch(/^-NoProfile -NonInteractive -ExecutionPolicy Bypass -WindowStyle Hidden -EncodedCommand [A-Za-z0-9+/=]+$/);
    const inner = decode(elevatedArgs.split(' ').pop()!);
    // ShellExecute's parameters stay short: the step's script is a file, run only if its SHA-256 is the one on the command line.
    expect(elevatedArgs.length).toBeLessThan(2048);
    for (const text of [launcher.args.join(' '), scriptOf(launcher), elevatedArgs, inner]) {
      expect(text).not.toContain('Caisse');
      expect(text).not.toContain('Remove-Item C:');
    }
    // The request and result files are gone once the step is read.
    expect(win.requestDirs.every((d) => !existsSync(d))).toBe(true);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('a step file changed between the bridge writing it and the elevated process reading it: nothing runs, nothing changes', async () => {
    win.beforeElevatedRun = ({ request }) => {
      win.beforeElevatedRun = null;
      writeFileSync(request, readFileSync(request, 'utf8').replace('USB001', 'LPT1:'));
    };
    const err = (await takeover({ backend: spooler, dataDir, queue: QUEUE, id: 'till' }).catch((e: unknown) => e)) as SpoolerError;
    expect(err.message).toMatch(/did not run: its files changed after the bridge wrote them, so nothing was changed/);
    expect(queue().PortName).toBe('USB001');
    expect(win.printers).toHaveLength(2);
    expect(readTakeovers(dataDir)).toEqual([]);
  });

  it('a long temp path (a long user name) keeps the elevated command line short', async () => {
    const deep = join(tmp, 'x'.repeat(120), 'Ünïcødé ’user’ it\'s');
    mkdirSync(deep, { recursive: true });
    await takeover({ backend: new WindowsSpooler(win.run, deep), dataDir, queue: QUEUE, id: 'till' });
    expect(win.launchArgs).toHaveLength(1);
    expect(win.launchArgs[0]!.length).toBeLessThan(2048);
    expect(queue().PortName).toMatch(/^TaxPoynt_127\.0\.0\.1_\d+$/);
  });

  it('the prompt answered No: nothing changed, nothing saved, and the error names the queue and the port it still prints to', async () => {
    win.prompt = 'no';
    const err = (await takeover({ backend: spooler, dataDir, queue: QUEUE, id: 'till' }).catch((e: unknown) => e)) as SpoolerError;
    expect(err).toBeInstanceOf(SpoolerError);
    expect(err.code).toBe('elevation_refused');
    expect(err.message).toContain(`the queue "${QUEUE}" still prints to USB001 and no direct queue was made`);
    expect(err.message).toMatch(/answer Yes/);
    expect(win.prompts).toHaveLength(1);
    expect(queue().PortName).toBe('USB001');
    expect(win.printers).toHaveLength(2);
    expect(readTakeovers(dataDir)).toEqual([]);
  });

  it('a refused release leaves the take-over standing as it was; the next release gives the queue back exactly', async () => {
    const { entry } = await takeover({ backend: spooler, dataDir, queue: QUEUE, id: 'till' });
    win.prompt = 'no';
    const err = (await release(spooler, dataDir, 'till').catch((e: unknown) => e)) as SpoolerError;
    expect(err.code).toBe('elevation_refused');
    expect(err.message).toContain(`the queue "${QUEUE}" was left as it is; its original port USB001 is still saved`);
    // Not "releasing": the next engine start must not try to finish a release nobody allowed.
    expect(readTakeovers(dataDir)).toMatchObject([{ id: 'till', phase: 'taken' }]);
    expect(queue().PortName).toBe(entry.takenPort);

    win.prompt = 'yes';
    await release(spooler, dataDir, 'till');
    expect(win.prompts.at(-1)!.map((c) => c.step)).toEqual(['setPort', 'removeDirect', 'removePort']);
    expect(queue().PortName).toBe('USB001');
    expect(win.printers.map((p) => p.Name)).toEqual([QUEUE, 'Office']);
    expect(win.ports.has(entry.takenPort)).toBe(false);
    expect(readTakeovers(dataDir)).toEqual([]);
  });

  it('already elevated (the watchdog as SYSTEM, an administrator prompt): the changes run directly, with no prompt', async () => {
    win.elevated = true;
    await takeover({ backend: spooler, dataDir, queue: QUEUE, id: 'till' });
    await release(spooler, dataDir, 'till');
    expect(win.prompts).toEqual([]);
    expect(queue().PortName).toBe('USB001');
    // The WindowsPrincipal check ran once: a process's token does not change.
    expect(win.ran.filter((c) => scriptOf(c).endsWith(WINDOWS_SCRIPTS.isElevated))).toHaveLength(1);
  });

  it('a change failing in the elevated step says which and how far it got, and the take-over is undone', async () => {
    win.failStep = 'pointAtBridge';
    const err = (await takeover({ backend: spooler, dataDir, queue: QUEUE, id: 'till' }).catch((e: unknown) => e)) as SpoolerError;
    expect(err.code).toBe('spooler_failed');
    expect(err.message).toMatch(/pointAtBridge failed after 1 of 2 change\(s\)/);
    expect(err.message).toMatch(/printer name is invalid/);
    // Undoing took a second prompt (the direct queue made by the first had to go).
    expect(win.prompts.map((p) => p.map((c) => c.step))).toEqual([['createDirect', 'pointAtBridge'], ['removeDirect', 'removePort']]);
    expect(win.printers.map((p) => p.Name)).toEqual([QUEUE, 'Office']);
    expect(readTakeovers(dataDir)).toEqual([]);
  });

  it('a failure whose undo is refused keeps the saved settings, and `devices release` puts the queue back later', async () => {
    win.failStep = 'pointAtBridge';
    let prompts = 0;
    const run = win.run;
    const spooler2 = new WindowsSpooler(async (cmd) => {
      // The first prompt is accepted (and fails half-way); the one to undo it is refused.
      if (scriptOf(cmd).endsWith(WINDOWS_SCRIPTS.runElevated) && ++prompts === 2) win.prompt = 'no';
      return run(cmd);
    }, tmp);
    const err = (await takeover({ backend: spooler2, dataDir, queue: QUEUE, id: 'till' }).catch((e: unknown) => e)) as SpoolerError;
    expect(err.message).toMatch(/could not be undone; its original settings are kept: `taxpoynt-bridge devices release till`/);
    expect(readTakeovers(dataDir)).toMatchObject([{ id: 'till', phase: 'begun', original: { port: 'USB001' } }]);
    expect(win.printers.some((p) => p.Name === `${QUEUE} (TaxPoynt direct)`)).toBe(true);

    win.prompt = 'yes';
    win.failStep = null;
    await release(new WindowsSpooler(win.run, tmp), dataDir, 'till');
    expect(win.printers.map((p) => [p.Name, p.PortName])).toEqual([
      [QUEUE, 'USB001'],
      ['Office', '192.168.1.40'],
    ]);
    expect(readTakeovers(dataDir)).toEqual([]);
  });

  it('a crash between the two changes (the elevated step stops after the first): the saved settings let `devices release` undo it', async () => {
    win.prompt = 'hang-after-first';
    // The take-over never returns: the process is as good as dead from here on.
    void takeover({ backend: spooler, dataDir, queue: QUEUE, id: 'till' });
    await expect.poll(() => win.printers.length, { timeout: 5000 }).toBe(3);
    expect(readTakeovers(dataDir)).toMatchObject([{ id: 'till', phase: 'begun', original: { port: 'USB001', driver: 'EPSON TM-T20II Receipt5' } }]);

    // The next process: a new spooler, the same data dir.
    win.prompt = 'yes';
    const next = new WindowsSpooler(win.run, mkdtempSync(join(tmp, 'next-')));
    await release(next, dataDir, 'till');
    expect(win.printers.map((p) => [p.Name, p.PortName])).toEqual([
      [QUEUE, 'USB001'],
      ['Office', '192.168.1.40'],
    ]);
    expect(readTakeovers(dataDir)).toEqual([]);
  });

  it('a queue given back while the bridge was down: the unelevated engine never prompts, the watchdog (SYSTEM) takes it back, and the alert then names the whole window', async () => {
    const admin = new WindowsSpooler(async (cmd) => ((win.elevated = true), win.run(cmd)), tmp);
    const engine = new WindowsSpooler(async (cmd) => ((win.elevated = false), win.run(cmd)), tmp);
    const log = new Logger({ level: 'error' });
    const { entry, device } = await takeover({ backend: admin, dataDir, queue: QUEUE, id: 'till' });
    const devices = [DeviceConfig.parse(device)];
    const t0 = new Date();
    await giveBack(admin, dataDir, 'till', new Date(t0.getTime() - 400_000), t0);
    expect(queue().PortName).toBe('USB001');

    // The engine is back, its device listening.
    const engineUp = (at: Date) => {
      writeFileSync(join(dataDir, 'bridge.lock'), JSON.stringify({ pid: process.pid, host: hostname() }));
      writeFileSync(join(dataDir, 'status.json'), JSON.stringify({ updatedAt: at.toISOString(), devices: [{ deviceId: 'till', status: 'listening', detail: '' }] }));
    };
    engineUp(t0);
    const handedOver = new Map<string, TakeoverAlert>();
    const alerts = await retakeGivenBack({ dataDir, devices, backend: engine, log, handedOver });
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.message).toMatch(/prints straight to its printer since .*NOT captured/);
    expect(await retakeGivenBack({ dataDir, devices, backend: engine, log, handedOver })).toEqual([]);
    expect(win.prompts).toEqual([]);
    expect(queue().PortName).toBe('USB001');

    // The watchdog gives the engine its own chance first, then takes the queue back.
    const listeningSince = new Map<string, Date>();
    expect((await watchdogStep({ dataDir, devices, backend: admin, log, startedAt: t0, now: t0, listeningSince })).retaken).toEqual([]);
    const later = new Date(t0.getTime() + 61_000);
    engineUp(later);
    const step = await watchdogStep({ dataDir, devices, backend: admin, log, startedAt: t0, now: later, listeningSince });
    expect(step.retaken.map((e) => e.id)).toEqual(['till']);
    expect(queue().PortName).toBe(entry.takenPort);
    expect(readTakeovers(dataDir)).toMatchObject([{ id: 'till', phase: 'taken' }]);

    // The engine's alert (the same object its status shows) now says when capture resumed.
    expect(await retakeGivenBack({ dataDir, devices, backend: engine, log, handedOver })).toEqual([]);
    expect(alerts[0]!.message).toMatch(/printed straight to its printer from .* until .*, when the bridge took it over again.*NOT captured/);
    expect(handedOver.size).toBe(0);
  });

  it('the engine starting after a crash half-way never prompts: it alerts with what to run, and the saved settings stay', async () => {
    win.prompt = 'hang-after-first';
    void takeover({ backend: spooler, dataDir, queue: QUEUE, id: 'till' });
    await expect.poll(() => win.printers.length, { timeout: 5000 }).toBe(3);
    win.prompt = 'yes';
    const prompted = win.prompts.length;
    const alerts = await resumeTakeovers({ dataDir, devices: [], backend: new WindowsSpooler(win.run, tmp), log: new Logger({ level: 'error' }) });
    expect(win.prompts).toHaveLength(prompted);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.code).toBe('spooler_takeover_failed');
    expect(alerts[0]!.message).toContain(`The print queue ${QUEUE} could not be set up at start`);
    expect(alerts[0]!.message).toMatch(/`taxpoynt-bridge devices release till`/);
    expect(readTakeovers(dataDir)).toMatchObject([{ id: 'till', phase: 'begun', original: { port: 'USB001' } }]);
  });

  it('listing queues (what capture and `devices` do) never asks for elevation', async () => {
    await spooler.list();
    await spooler.printRaw(`${QUEUE} (TaxPoynt direct)`, Uint8Array.of(0x1b, 0x40)).catch(() => undefined);
    expect(win.prompts).toEqual([]);
    expect(win.ran.some((c) => scriptOf(c).endsWith(WINDOWS_SCRIPTS.isElevated))).toBe(false);
  });
});

describe('the elevated step, piece by piece', () => {
  it('PowerShell single-quoted literals: every quote character PowerShell knows is doubled', () => {
    expect(psSingleQuoted('C:\\Users\\O’Brien\\AppData\\Local\\Temp\\x')).toBe("'C:\\Users\\O’’Brien\\AppData\\Local\\Temp\\x'");
    expect(psSingleQuoted("a'b‘c‚d‛e")).toBe("'a''b‘‘c‚‚d‛‛e'");
    expect(psSingleQuoted('plain $(not code) "x"')).toBe(`'plain $(not code) "x"'`);
  });

  it('the elevation check is the WindowsPrincipal Administrator role; its answer is True or False, nothing else', () => {
    expect(WINDOWS_SCRIPTS.isElevated).toMatch(/WindowsPrincipal.*IsInRole\(\[Security\.Principal\.WindowsBuiltInRole\]::Administrator\)/);
    expect(parseIsElevated('\uFEFFTrue\r\n')).toBe(true);
    expect(parseIsElevated('False')).toBe(false);
    expect(() => parseIsElevated('The term is not recognized')).toThrow(/administrator rights/);
  });

  it('the request file holds known steps and TP_ values only', () => {
    expect(JSON.parse(elevatedRequest([{ step: 'setPort', values: { TP_QUEUE: 'Ü "x"', TP_PORT: 'USB001' } }]))).toEqual({ version: 1, changes: [{ step: 'setPort', values: { TP_QUEUE: 'Ü "x"', TP_PORT: 'USB001' } }] });
    expect(() => elevatedRequest([{ step: 'setPort', values: { PATH: 'C:\\evil' } }])).toThrow(/TP_/);
    expect(() => elevatedRequest([{ step: 'Remove-Item' as 'setPort', values: {} }])).toThrow(/not a queue change/);
  });

  it('what the elevated step said: refused, ended without a result, denied, failed, or done', () => {
    const changes: QueueChange[] = [{ step: 'setPort', values: { TP_QUEUE: 'Q', TP_PORT: 'USB001' } }];
    expect(parseElevationAnswer('{"refused":true}\r\n')).toEqual({ refused: true });
    expect(parseElevationAnswer('noise\r\n{"exitCode":0}')).toEqual({ exitCode: 0 });
    expect(() => parseElevationAnswer('Exception calling "Start"')).toThrow(/unexpected/);
    const code = (f: () => void) => {
      try {
        f();
        return 'ok';
      } catch (e) {
        return (e as SpoolerError).code;
      }
    };
    expect(code(() => checkElevatedOutcome({ refused: true }, null, changes, 'Q stays'))).toBe('elevation_refused');
    expect(() => checkElevatedOutcome({ exitCode: -1 }, null, changes, '')).toThrow(/without saying what it changed.*devices release/);
    expect(code(() => checkElevatedOutcome({ exitCode: 1 }, '{"done":0,"failed":{"step":"setPort","error":"Access is denied."},"elevated":false}', changes, ''))).toBe('needs_admin');
    expect(code(() => checkElevatedOutcome({ exitCode: 1 }, '{"done":0,"failed":{"step":"setPort","error":"not found"},"elevated":true}', changes, ''))).toBe('spooler_failed');
    expect(code(() => checkElevatedOutcome({ exitCode: 0 }, '{"done":0,"failed":null,"elevated":true}', changes, ''))).toBe('spooler_failed');
    expect(code(() => checkElevatedOutcome({ exitCode: 0 }, '\uFEFF{"done":1,"failed":null,"elevated":true}', changes, ''))).toBe('ok');
  });
});
