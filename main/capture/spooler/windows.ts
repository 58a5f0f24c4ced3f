// The Windows spooler: fixed PowerShell scripts (PrintManagement cmdlets, a P/Invoke RAW writer) with every name passed in environment variables, never in the script text.
import { AsyncLocalStorage } from 'node:async_hooks';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkElevatedOutcome,
  elevatedArguments,
  elevatedBootstrap,
  elevatedRequest,
  elevatedScript,
  ELEVATED_FILES,
  IS_ELEVATED_SCRIPT,
  parseElevationAnswer,
  parseIsElevated,
  RUN_ELEVATED_SCRIPT,
  sha256Hex,
  type ChangeStep,
  type QueueChange,
} from './elevated.js';
import { SpoolerError, type DirectRoute, type QueueInfo, type SpoolerBackend } from './types.js';

/** A command as execFile takes it: no shell, the script base64-encoded (UTF-16LE, as -EncodedCommand wants), the values in `env`. */
export interface PowerShellCommand {
  file: string;
  args: string[];
  env: Record<string, string>;
  /** How long it may run (default 60 s); the elevation waits for a person to answer the UAC prompt. */
  timeoutMs?: number;
}

/** Builds the argv for a fixed script; `values` reach it only as $env:TP_* variables, so no name can become code. */
export function powershellCommand(script: string, values: Record<string, string> = {}): PowerShellCommand {
  for (const key of Object.keys(values)) if (!/^TP_[A-Z_]+$/.test(key)) throw new Error(`not a TP_ variable: ${key}`);
  const prelude = "$ErrorActionPreference = 'Stop'; $ProgressPreference = 'SilentlyContinue'; [Console]::OutputEncoding = [Text.Encoding]::UTF8;\n";
  return {
    file: 'powershell.exe',
    args: ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-EncodedCommand', Buffer.from(prelude + script, 'utf16le').toString('base64')],
    env: values,
  };
}

/** The scripts, constant text: each reads its inputs from $env:TP_*. */
export const SCRIPTS = {
  list:
    '@{ printers = @(Get-Printer | Select-Object Name,DriverName,PortName,Shared,Comment,Location,Type); ' +
    'ports = @(Get-PrinterPort | Select-Object Name,Description,PrinterHostAddress,PortNumber) } | ConvertTo-Json -Depth 4 -Compress',
  pointAtBridge:
    'if (-not (Get-PrinterPort -Name $env:TP_PORT -ErrorAction SilentlyContinue)) { Add-PrinterPort -Name $env:TP_PORT -PrinterHostAddress 127.0.0.1 -PortNumber ([int]$env:TP_PORT_NUMBER) }; ' +
    'Set-Printer -Name $env:TP_QUEUE -PortName $env:TP_PORT',
  setPort: 'Set-Printer -Name $env:TP_QUEUE -PortName $env:TP_PORT',
  createDirect:
    'if (-not (Get-Printer -Name $env:TP_DIRECT -ErrorAction SilentlyContinue)) { Add-Printer -Name $env:TP_DIRECT -DriverName $env:TP_DRIVER -PortName $env:TP_PORT -Comment $env:TP_COMMENT }',
  removeDirect: 'if (Get-Printer -Name $env:TP_DIRECT -ErrorAction SilentlyContinue) { Remove-Printer -Name $env:TP_DIRECT }',
  removePort: 'if (Get-PrinterPort -Name $env:TP_PORT -ErrorAction SilentlyContinue) { Remove-PrinterPort -Name $env:TP_PORT }',
  isElevated: IS_ELEVATED_SCRIPT,
  runElevated: RUN_ELEVATED_SCRIPT,
  /** OpenPrinter/StartDocPrinter with the RAW datatype/WritePrinter: the spooler hands the bytes to the port unchanged. */
  printRaw: `
Add-Type -TypeDefinition @'
using System; using System.Runtime.InteropServices;
public static class TaxPoyntRaw {
  [StructLayout(LayoutKind.Sequential, CharSet = CharSet.Unicode)] public class DOCINFO { public string pDocName; public string pOutputFile; public string pDataType; }
  [DllImport("winspool.drv", CharSet = CharSet.Unicode, SetLastError = true)] static extern bool OpenPrinter(string name, out IntPtr h, IntPtr d);
  [DllImport("winspool.drv", SetLastError = true)] static extern bool ClosePrinter(IntPtr h);
  [DllImport("winspool.drv", CharSet = CharSet.Unicode, SetLastError = true)] static extern int StartDocPrinter(IntPtr h, int level, [In] DOCINFO di);
  [DllImport("winspool.drv", SetLastError = true)] static extern bool EndDocPrinter(IntPtr h);
  [DllImport("winspool.drv", SetLastError = true)] static extern bool StartPagePrinter(IntPtr h);
  [DllImport("winspool.drv", SetLastError = true)] static extern bool EndPagePrinter(IntPtr h);
  [DllImport("winspool.drv", SetLastError = true)] static extern bool WritePrinter(IntPtr h, byte[] b, int n, out int written);
  public static void Send(string printer, byte[] bytes) {
    IntPtr h;
    if (!OpenPrinter(printer, out h, IntPtr.Zero)) throw new System.ComponentModel.Win32Exception(Marshal.GetLastWin32Error());
    try {
      var di = new DOCINFO { pDocName = "TaxPoynt pass-through", pDataType = "RAW" };
      if (StartDocPrinter(h, 1, di) == 0) throw new System.ComponentModel.Win32Exception(Marshal.GetLastWin32Error());
      try {
        StartPagePrinter(h);
        int written;
        if (!WritePrinter(h, bytes, bytes.Length, out written) || written != bytes.Length) throw new System.ComponentModel.Win32Exception(Marshal.GetLastWin32Error());
        EndPagePrinter(h);
      } finally { EndDocPrinter(h); }
    } finally { ClosePrinter(h); }
  }
}
'@
[TaxPoyntRaw]::Send($env:TP_QUEUE, [IO.File]::ReadAllBytes($env:TP_FILE))`,
} as const;

/** Windows refuses "\\" and "," in printer names; the rest (spaces, quotes, ";") is fine, being passed as data. */
export function windowsQueueNameProblem(name: string): string | null {
  if (name.length === 0 || name.length > 200) return `a Windows printer name is 1–200 characters (got ${name.length})`;
  if (/[\\,\u0000-\u001f\u007f]/.test(name)) return 'a Windows printer name has no "\\", "," or control characters';
  return null;
}

const asArray = (v: unknown): Array<Record<string, unknown>> => (Array.isArray(v) ? v : v && typeof v === 'object' ? [v as Record<string, unknown>] : []) as Array<Record<string, unknown>>;
const text = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : null);

/**
 * The list script's JSON (`Get-Printer` and `Get-PrinterPort` through ConvertTo-Json): Windows
 * PowerShell 5.1 writes one object where there is one printer, an array otherwise, and nothing where
 * there is none. A TCP/IP port's host and number are added to the queue's snapshot.
 */
export function parseGetPrinter(json: string): QueueInfo[] {
  const trimmed = json.replace(/^\uFEFF/, '').trim();
  if (!trimmed) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch (err) {
    throw new SpoolerError('spooler_failed', `Get-Printer's output is not JSON (${(err as Error).message}): ${trimmed.slice(0, 120)}`);
  }
  const root = parsed && typeof parsed === 'object' && !Array.isArray(parsed) && 'printers' in parsed ? (parsed as { printers: unknown; ports?: unknown }) : { printers: parsed, ports: [] };
  const ports = new Map(asArray(root.ports).map((p) => [text(p.Name) ?? '', p]));
  const out: QueueInfo[] = [];
  for (const p of asArray(root.printers)) {
    const name = text(p.Name);
    if (!name) continue;
    const portName = text(p.PortName) ?? '';
    const snapshot: Record<string, string> = {};
    for (const [k, v] of Object.entries(p)) {
      const t = text(v);
      if (t !== null) snapshot[k] = t;
    }
    const port = ports.get(portName);
    if (port) {
      const fields = { PortHostAddress: port.PrinterHostAddress, PortNumber: port.PortNumber, PortDescription: port.Description };
      for (const [k, v] of Object.entries(fields)) {
        const t = text(v);
        if (t !== null) snapshot[k] = t;
      }
    }
    out.push({ name, driver: text(p.DriverName), port: portName, description: text(p.Comment), snapshot });
  }
  return out;
}

/** Whether PowerShell's error says the take-over needs an elevated prompt. */
export function isAccessDenied(stderr: string): boolean {
  return /access (is|was) denied|0x80070005|UnauthorizedAccess|PermissionDenied/i.test(stderr);
}

export type PowerShellRunner = (cmd: PowerShellCommand) => Promise<string>;

const runPowerShell: PowerShellRunner = (cmd) =>
  new Promise((resolve, reject) => {
    execFile(cmd.file, cmd.args, { env: { ...process.env, ...cmd.env }, timeout: cmd.timeoutMs ?? 60_000, maxBuffer: 16 * 1024 * 1024, windowsHide: true }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout);
      const detail = (stderr || error.message).trim().split('\n').slice(0, 3).join(' ');
      reject(
        isAccessDenied(detail)
          ? new SpoolerError('needs_admin', 'Changing a Windows print queue needs administrator rights: `taxpoynt-bridge devices takeover` and `devices release` (and the app\'s buttons) ask for them with one Windows prompt. Capture itself never needs them.')
          : new SpoolerError('spooler_failed', `the Windows spooler refused: ${detail}`),
      );
    });
  });

/** The elevated step may wait this long for a person to answer the UAC prompt. */
export const ELEVATION_TIMEOUT_MS = 10 * 60_000;

export class WindowsSpooler implements SpoolerBackend {
  readonly kind = 'windows' as const;
  /** Queue changes made inside privileged(): collected, then run in one elevated process. */
  private readonly pending = new AsyncLocalStorage<QueueChange[]>();
  private elevated: Promise<boolean> | null = null;

  constructor(
    private readonly run: PowerShellRunner = runPowerShell,
    /** Where the request and result files of an elevated step go (a fresh folder inside it, only this user's). */
    private readonly tmpRoot: string = tmpdir(),
  ) {}

  /** Whether this process already has administrator rights (asked once per spooler: a process's token does not change). */
  isElevated(): Promise<boolean> {
    this.elevated ??= this.run(powershellCommand(SCRIPTS.isElevated)).then(parseIsElevated);
    this.elevated.catch(() => (this.elevated = null));
    return this.elevated;
  }

  /**
   * Runs `work`, whose queue changes need administrator rights. Elevated (the watchdog as SYSTEM, an administrator
   * prompt): they run as they come. Otherwise they are collected and run together in one elevated PowerShell: one UAC
   * prompt for the whole step, and nothing changed when it is refused (`untouched` says what stays as it was).
   */
  async privileged<T>(untouched: string, work: () => Promise<T>): Promise<T> {
    if (await this.isElevated()) return work();
    const changes: QueueChange[] = [];
    const result = await this.pending.run(changes, work);
    if (changes.length) await this.runElevated(changes, untouched);
    return result;
  }

  private async runElevated(changes: QueueChange[], untouched: string): Promise<void> {
    // A fresh folder in this user's temp dir: no other user can put a request there; it holds names only, no secret.
    const dir = mkdtempSync(join(this.tmpRoot, 'taxpoynt-elevated-'));
    const request = join(dir, ELEVATED_FILES.request);
    const result = join(dir, ELEVATED_FILES.result);
    try {
      const script = join(dir, ELEVATED_FILES.script);
      const requestBytes = Buffer.from(elevatedRequest(changes), 'utf8');
      const scriptBytes = Buffer.from(elevatedScript(SCRIPTS, request, result), 'utf8');
      writeFileSync(request, requestBytes, { mode: 0o600 });
      writeFileSync(script, scriptBytes, { mode: 0o600 });
      const bootstrap = elevatedBootstrap(dir, sha256Hex(scriptBytes), sha256Hex(requestBytes));
      const cmd = powershellCommand(SCRIPTS.runElevated, { TP_ELEVATED_ARGS: elevatedArguments(bootstrap) });
      const answer = parseElevationAnswer(await this.run({ ...cmd, timeoutMs: ELEVATION_TIMEOUT_MS }));
      let resultText: string | null = null;
      try {
        resultText = readFileSync(result, 'utf8');
      } catch {
        // no result: the elevated process never got as far as writing it
      }
      checkElevatedOutcome(answer, resultText, changes, untouched);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** A queue change: collected inside privileged() when not elevated, else run now. */
  private async change(step: ChangeStep, values: Record<string, string>): Promise<void> {
    const pending = this.pending.getStore();
    if (pending) pending.push({ step, values });
    else await this.run(powershellCommand(SCRIPTS[step], values));
  }

  queueNameProblem(name: string): string | null {
    return windowsQueueNameProblem(name);
  }

  directQueueName(queue: string): string {
    return `${queue} (TaxPoynt direct)`;
  }

  /** The Standard TCP/IP port the bridge makes for its listener. */
  bridgePortName(port: number): string {
    return `TaxPoynt_127.0.0.1_${port}`;
  }

  isBridgePort(port: string): boolean {
    return /^TaxPoynt_127\.0\.0\.1_\d{1,5}$/.test(port);
  }

  directRoute(original: QueueInfo): DirectRoute | null {
    const host = original.snapshot.PortHostAddress;
    const number = original.snapshot.PortNumber;
    // A Standard TCP/IP port: the bridge connects to the printer itself. USB001, LPT1 and the like go through the direct queue.
    return host && number && /^[A-Za-z0-9.-]+$/.test(host) && /^\d{1,5}$/.test(number) ? { tcp: `${host}:${number}` } : null;
  }

  async list(): Promise<QueueInfo[]> {
    return parseGetPrinter(await this.run(powershellCommand(SCRIPTS.list)));
  }

  async get(name: string): Promise<QueueInfo | null> {
    return (await this.list()).find((q) => q.name === name) ?? null;
  }

  async pointAtBridge(queue: string, port: number): Promise<string> {
    const portName = this.bridgePortName(port);
    await this.change('pointAtBridge', { TP_QUEUE: queue, TP_PORT: portName, TP_PORT_NUMBER: String(port) });
    return portName;
  }

  async setPort(queue: string, port: string): Promise<void> {
    await this.change('setPort', { TP_QUEUE: queue, TP_PORT: port });
  }

  async createDirect(direct: string, original: QueueInfo): Promise<void> {
    if (!original.driver) throw new SpoolerError('spooler_failed', `the queue "${original.name}" has no driver to give its direct queue`);
    await this.change('createDirect', { TP_DIRECT: direct, TP_DRIVER: original.driver, TP_PORT: original.port, TP_COMMENT: `TaxPoynt pass-through for ${original.name}; do not print here` });
  }

  async removeDirect(direct: string): Promise<void> {
    await this.change('removeDirect', { TP_DIRECT: direct });
  }

  async removeBridgePort(takenPort: string): Promise<void> {
    if (this.isBridgePort(takenPort)) await this.change('removePort', { TP_PORT: takenPort });
  }

  async printRaw(queue: string, bytes: Uint8Array): Promise<void> {
    const dir = mkdtempSync(join(tmpdir(), 'taxpoynt-raw-'));
    const file = join(dir, 'job.bin');
    try {
      writeFileSync(file, bytes, { mode: 0o600 });
      await this.run(powershellCommand(SCRIPTS.printRaw, { TP_QUEUE: queue, TP_FILE: file }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}
