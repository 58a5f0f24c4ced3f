// Windows: the queue changes of one take-over or release run together in ONE elevated PowerShell (one UAC prompt), so the engine itself stays unelevated.
// Windows cannot run here: the command building, the quoting and the reading of the result are unit-tested with the runner injected
// (test/capture/spooler-elevated.test.ts); a real UAC prompt is exercised on Windows by the release workflow's smoke test
// (until its take-over check lands there, by the support engineer's checks in the README).
import { createHash } from 'node:crypto';
import { SpoolerError } from './types.js';

/** The changes a take-over or release makes; each is one fixed script of windows.ts' SCRIPTS. */
export type ChangeStep = 'pointAtBridge' | 'setPort' | 'createDirect' | 'removeDirect' | 'removePort';
export const CHANGE_STEPS: readonly ChangeStep[] = ['pointAtBridge', 'setPort', 'createDirect', 'removeDirect', 'removePort'];

/** One queue change: which fixed script, with which $env:TP_* values (the values travel in the request file, never on a command line). */
export interface QueueChange {
  step: ChangeStep;
  values: Record<string, string>;
}

/** Whether this process holds administrator rights (an elevated token, or SYSTEM): the WindowsPrincipal check. */
export const IS_ELEVATED_SCRIPT =
  "([Security.Principal.WindowsPrincipal][Security.Principal.WindowsIdentity]::GetCurrent()).IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)";

/** IS_ELEVATED_SCRIPT's answer: PowerShell writes True or False; anything else is an error, never a guess. */
export function parseIsElevated(stdout: string): boolean {
  const word = stdout.replace(/^\uFEFF/, '').trim().toLowerCase();
  if (word === 'true') return true;
  if (word === 'false') return false;
  throw new SpoolerError('spooler_failed', `could not tell whether this process has administrator rights (PowerShell said: ${JSON.stringify(stdout.slice(0, 80))})`);
}

/**
 * A PowerShell single-quoted string literal. Inside one, PowerShell takes U+0027 and the typographic quotes
 * U+2018, U+2019, U+201A, U+201B all as the quote; each is doubled, so a path like C:\Users\O’Brien\… stays data.
 */
export function psSingleQuoted(text: string): string {
  return `'${text.replace(/['\u2018\u2019\u201A\u201B]/g, (q) => q + q)}'`;
}

/** What the request file holds: data only. The elevated script maps each step name to its own fixed script. */
export function elevatedRequest(changes: readonly QueueChange[]): string {
  for (const c of changes) {
    if (!CHANGE_STEPS.includes(c.step)) throw new Error(`not a queue change: ${c.step}`);
    for (const key of Object.keys(c.values)) if (!/^TP_[A-Z_]+$/.test(key)) throw new Error(`not a TP_ variable: ${key}`);
  }
  return JSON.stringify({ version: 1, changes });
}

/**
 * The step's script (written beside the request, run by the bootstrap): constant except for the two file paths (quoted as data). It reads the
 * request, runs each change's fixed script with its values set as $env:TP_*, stops at the first failure, and writes
 * how far it got (and whether it really was elevated) to the result file.
 */
export function elevatedScript(scripts: Record<ChangeStep, string>, requestPath: string, resultPath: string): string {
  const blocks = CHANGE_STEPS.map((s) => `  '${s}' = { ${scripts[s]} }`).join('\n');
  return [
    "$ErrorActionPreference = 'Stop'; $ProgressPreference = 'SilentlyContinue'",
    `$request = ${psSingleQuoted(requestPath)}`,
    `$result = ${psSingleQuoted(resultPath)}`,
    '$steps = @{',
    blocks,
    '}',
    '$done = 0; $failed = $null; $step = $null',
    'try {',
    '  $req = [IO.File]::ReadAllText($request, [Text.Encoding]::UTF8) | ConvertFrom-Json',
    '  foreach ($change in @($req.changes)) {',
    '    $step = [string]$change.step',
    '    if (-not $steps.ContainsKey($step)) { throw "unknown step $step" }',
    "    Get-ChildItem Env: | Where-Object { $_.Name -like 'TP_*' } | ForEach-Object { [Environment]::SetEnvironmentVariable($_.Name, $null) }",
    '    foreach ($p in $change.values.PSObject.Properties) {',
    "      if ($p.Name -cnotmatch '^TP_[A-Z_]+$') { throw \"not a TP_ variable: $($p.Name)\" }",
    '      [Environment]::SetEnvironmentVariable($p.Name, [string]$p.Value)',
    '    }',
    '    & $steps[$step]',
    '    $done++',
    '  }',
    '} catch { $failed = @{ step = $step; error = $_.Exception.Message } }',
    `$admin = ${IS_ELEVATED_SCRIPT}`,
    '$json = @{ done = $done; failed = $failed; elevated = $admin } | ConvertTo-Json -Compress -Depth 3',
    '[IO.File]::WriteAllText($result, $json, (New-Object Text.UTF8Encoding $false))',
    'if ($failed) { exit 1 } else { exit 0 }',
  ].join('\n');
}

/** The files of an elevated step, in its fresh folder. */
export const ELEVATED_FILES = { script: 'step.ps1', request: 'request.json', result: 'result.json' } as const;

/** SHA-256 of a file's bytes, upper-case hex, as the bootstrap's check computes it. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex').toUpperCase();
}

/**
 * The script on the elevated command line: short (ShellExecute's parameters stay far under 2,048 characters), it runs the
 * step's script file only if it and the request file are byte for byte what the bridge wrote (their SHA-256 is on the
 * command line), else exits 3 having changed nothing.
 */
export function elevatedBootstrap(dir: string, scriptHash: string, requestHash: string): string {
  if (!/^[0-9A-F]{64}$/.test(scriptHash) || !/^[0-9A-F]{64}$/.test(requestHash)) throw new Error('not a SHA-256');
  return [
    // Stop: a file that cannot be read ends the process here, never skips the check.
    `$ErrorActionPreference = 'Stop'; $d = ${psSingleQuoted(dir)}; $s = "$d\\${ELEVATED_FILES.script}"`,
    "function H($p) { [BitConverter]::ToString([Security.Cryptography.SHA256]::Create().ComputeHash([IO.File]::ReadAllBytes($p))) -replace '-' }",
    `if ((H $s) -ne '${scriptHash}' -or (H "$d\\${ELEVATED_FILES.request}") -ne '${requestHash}') { exit 3 }`,
    '. ([ScriptBlock]::Create([IO.File]::ReadAllText($s, [Text.Encoding]::UTF8)))',
  ].join('\n');
}

/** The arguments of the elevated powershell.exe: no spaces, no names, nothing secret (the bootstrap base64 UTF-16LE, as -EncodedCommand wants). */
export function elevatedArguments(bootstrap: string): string {
  return `-NoProfile -NonInteractive -ExecutionPolicy Bypass -WindowStyle Hidden -EncodedCommand ${Buffer.from(bootstrap, 'utf16le').toString('base64')}`;
}

/**
 * The unelevated script that asks Windows for the elevation: ShellExecute with the "runas" verb (the UAC prompt),
 * waits for the elevated process and prints its exit code as JSON, or {"refused":true} when the prompt was answered No
 * (ERROR_CANCELLED, 1223: read from the exception, not its localized text). The elevated arguments come in $env:TP_ELEVATED_ARGS.
 */
export const RUN_ELEVATED_SCRIPT = [
  "$si = New-Object Diagnostics.ProcessStartInfo 'powershell.exe'",
  "$si.Verb = 'runas'; $si.UseShellExecute = $true; $si.WindowStyle = 'Hidden'; $si.Arguments = $env:TP_ELEVATED_ARGS",
  'try { $p = [Diagnostics.Process]::Start($si) } catch {',
  '  $x = $_.Exception',
  "  while ($x) { if ($x -is [ComponentModel.Win32Exception] -and $x.NativeErrorCode -eq 1223) { '{\"refused\":true}'; exit 0 }; $x = $x.InnerException }",
  '  throw',
  '}',
  "$p.WaitForExit(); '{\"exitCode\":' + $p.ExitCode + '}'",
].join('\n');

/** How the unelevated side saw the elevated step end. */
export type ElevationAnswer = { refused: true } | { exitCode: number };

export function parseElevationAnswer(stdout: string): ElevationAnswer {
  const line = stdout.replace(/^\uFEFF/, '').trim().split(/\r?\n/).pop() ?? '';
  try {
    const v = JSON.parse(line) as { refused?: unknown; exitCode?: unknown };
    if (v.refused === true) return { refused: true };
    if (typeof v.exitCode === 'number' && Number.isInteger(v.exitCode)) return { exitCode: v.exitCode };
  } catch {
    // falls through to the error below
  }
  throw new SpoolerError('spooler_failed', `the elevated step's launcher said something unexpected: ${JSON.stringify(stdout.slice(0, 120))}`);
}

/**
 * Checks what the elevated step did. `untouched` says, for the merchant, what stays as it was when nothing ran
 * ("the queue "POS 80" still prints to USB001"); `changes` are the steps asked for, in order.
 */
export function checkElevatedOutcome(answer: ElevationAnswer, resultText: string | null, changes: readonly QueueChange[], untouched: string): void {
  if ('refused' in answer) {
    throw new SpoolerError('elevation_refused', `Windows asked for administrator rights and they were not given, so nothing was changed: ${untouched}. Try again and answer Yes to the prompt (capture itself never needs them).`);
  }
  if (resultText === null && answer.exitCode === 3) {
    throw new SpoolerError('spooler_failed', `the elevated step did not run: its files changed after the bridge wrote them, so nothing was changed (${untouched}); try again`);
  }
  if (resultText === null) {
    throw new SpoolerError(
      'spooler_failed',
      `the elevated step ended (exit ${answer.exitCode}) without saying what it changed: check the queue with Get-Printer, or run \`taxpoynt-bridge devices release\` for this device, which puts the saved original settings back`,
    );
  }
  let result: { done?: unknown; failed?: { step?: unknown; error?: unknown } | null; elevated?: unknown };
  try {
    result = JSON.parse(resultText.replace(/^\uFEFF/, '')) as typeof result;
  } catch {
    throw new SpoolerError('spooler_failed', `the elevated step's result is not JSON: ${JSON.stringify(resultText.slice(0, 120))}`);
  }
  const done = typeof result.done === 'number' ? result.done : 0;
  if (result.failed) {
    const error = String(result.failed.error ?? 'no detail').split('\n')[0]!;
    const what = `${String(result.failed.step ?? 'reading the request')} failed after ${done} of ${changes.length} change(s)`;
    if (result.elevated === false || /access (is|was) denied|0x80070005|UnauthorizedAccess|PermissionDenied/i.test(error)) {
      throw new SpoolerError('needs_admin', `the account that answered the administrator prompt may not change print queues (${what}: ${error})`);
    }
    throw new SpoolerError('spooler_failed', `the Windows spooler refused (${what}): ${error}`);
  }
  if (done !== changes.length || answer.exitCode !== 0) {
    throw new SpoolerError('spooler_failed', `the elevated step made ${done} of ${changes.length} change(s) and exited ${answer.exitCode}`);
  }
}
