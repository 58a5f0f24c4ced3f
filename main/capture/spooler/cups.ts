// CUPS (Linux, macOS): queues from lpstat/lpoptions, take-over with lpadmin, RAW jobs with lp; the server CUPS_SERVER names, as the CUPS tools do.
import { execFile, spawn } from 'node:child_process';
import { SpoolerError, type DirectRoute, type QueueInfo, type SpoolerBackend } from './types.js';

export interface CupsOptions {
  /** CUPS_SERVER (a socket path or host:port) and the rest of the tools' environment. */
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** lpadmin's own rule (1–127 printable characters, none of space, tab, "/", "\\", "?", "'", "\"", "#"), with room for "-TaxPoynt-direct". */
export function cupsQueueNameProblem(name: string): string | null {
  if (name.length === 0 || name.length > 110) return `a CUPS queue name is 1–110 characters (got ${name.length})`;
  if (/[\s/\\?'"#\u0000-\u001f\u007f]/.test(name)) return 'a CUPS queue name has no spaces, tabs, "/", "\\", "?", quotes or "#"';
  // The CUPS tools would read a leading "-" as an option.
  if (name.startsWith('-')) return 'a CUPS queue name does not start with "-"';
  return null;
}

/** `lpstat -v`: "device for NAME: URI" per queue (names have no spaces, so the first ": " ends the name). */
export function parseLpstatDevices(text: string): Array<{ name: string; uri: string }> {
  const out: Array<{ name: string; uri: string }> = [];
  for (const line of text.split('\n')) {
    const m = /^device for (.+?): (.+)$/.exec(line.trim());
    if (m) out.push({ name: m[1]!, uri: m[2]! });
  }
  return out;
}

/** `lpoptions -p NAME`: `key=value` and `key='value with spaces'` pairs (a quote inside a quoted value ends only before the next key). */
export function parseLpoptions(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /(?:^|\s)([a-z][a-z0-9-]*)(?:=('(?:[^']|'(?!\s+[a-z][a-z0-9-]*(?:=|\s|$)|\s*$))*'|\S*))?(?=\s|$)/g;
  for (const m of text.trim().matchAll(re)) {
    const raw = m[2] ?? '';
    out[m[1]!] = raw.startsWith("'") && raw.endsWith("'") && raw.length >= 2 ? raw.slice(1, -1) : raw;
  }
  return out;
}

/** socket://host[:port] and file:/dev/… URIs are written to directly; anything else (usb://, ipp://, serial:) goes through the direct queue. */
export function cupsDirectRoute(uri: string): DirectRoute | null {
  const socket = /^socket:\/\/([^/?:[\]]+|\[[0-9a-f:.]+\])(?::(\d{1,5}))?\/?(?:\?.*)?$/i.exec(uri);
  if (socket) return { tcp: `${socket[1]}:${socket[2] ?? '9100'}` };
  const file = /^file:(?:\/\/)?(\/dev\/[A-Za-z0-9/_.-]+)$/.exec(uri);
  if (file && !file[1]!.includes('..')) return { file: file[1]! };
  return null;
}

export class CupsSpooler implements SpoolerBackend {
  readonly kind = 'cups' as const;
  private readonly env: NodeJS.ProcessEnv;
  private readonly timeoutMs: number;

  constructor(options: CupsOptions = {}) {
    // The C locale: lpstat's words are parsed.
    this.env = { ...(options.env ?? process.env), LANG: 'C', LC_ALL: 'C' };
    this.timeoutMs = options.timeoutMs ?? 20_000;
  }

  queueNameProblem(name: string): string | null {
    return cupsQueueNameProblem(name);
  }

  directQueueName(queue: string): string {
    return `${queue}-TaxPoynt-direct`;
  }

  /** Never by the URI alone: a socket on 127.0.0.1 may be any program's. An existing direct queue is what says a bridge stands in front. */
  isBridgePort(): boolean {
    return false;
  }

  directRoute(original: QueueInfo): DirectRoute | null {
    return cupsDirectRoute(original.port);
  }

  /** Runs a CUPS tool with an argv array (never a shell) and the CUPS_SERVER of the bridge's environment. */
  private tool(command: string, args: string[], input?: Uint8Array): Promise<string> {
    return new Promise((resolve, reject) => {
      const fail = (detail: string) => {
        const noServer = /scheduler (is )?not (running|responding)|No such file or directory|Connection refused|Bad file descriptor/i.test(detail);
        const where = this.env.CUPS_SERVER ? ` (CUPS_SERVER=${this.env.CUPS_SERVER})` : '';
        const message = noServer
          ? `the CUPS print server cannot be reached${where}: is cups installed and running? (${detail})`
          : /Forbidden|not authorized|permission/i.test(detail)
            ? `CUPS refused "${command}"${where}: run the take-over as root or as a member of lpadmin (${detail})`
            : `${command} failed${where}: ${detail}`;
        reject(new SpoolerError(/Forbidden|not authorized|permission/i.test(detail) ? 'needs_admin' : 'spooler_failed', message));
      };
      if (input) {
        const child = spawn(command, args, { env: this.env, stdio: ['pipe', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        const timer = setTimeout(() => child.kill('SIGKILL'), this.timeoutMs);
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        child.on('error', (e) => fail(e.message));
        child.stdin.on('error', () => undefined);
        child.on('close', (code) => {
          clearTimeout(timer);
          if (code === 0) resolve(out);
          else fail(err.trim() || `exit ${code}`);
        });
        child.stdin.end(input);
        return;
      }
      execFile(command, args, { env: this.env, timeout: this.timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
        if (error) fail((stderr || error.message).trim());
        else resolve(stdout);
      });
    });
  }

  async list(): Promise<QueueInfo[]> {
    const text = await this.tool('lpstat', ['-v']).catch((err: SpoolerError) => {
      // No queue at all: lpstat says so and exits 1.
      if (/No destinations added/i.test(err.message)) return '';
      throw err;
    });
    const queues = parseLpstatDevices(text);
    return Promise.all(queues.map(async ({ name, uri }) => this.describe(name, uri)));
  }

  private async describe(name: string, uri: string): Promise<QueueInfo> {
    const options = parseLpoptions(await this.tool('lpoptions', ['-p', name]).catch(() => ''));
    const driver = options['printer-make-and-model'] || null;
    return { name, driver, port: uri, description: options['printer-info'] || null, snapshot: options };
  }

  async get(name: string): Promise<QueueInfo | null> {
    if (this.queueNameProblem(name)) return null;
    const text = await this.tool('lpstat', ['-v', name]).catch(() => '');
    const found = parseLpstatDevices(text).find((q) => q.name === name);
    return found ? this.describe(found.name, found.uri) : null;
  }

  async pointAtBridge(queue: string, port: number): Promise<string> {
    const uri = `socket://127.0.0.1:${port}`;
    await this.tool('lpadmin', ['-p', queue, '-v', uri]);
    return uri;
  }

  async setPort(queue: string, port: string): Promise<void> {
    await this.tool('lpadmin', ['-p', queue, '-v', port]);
  }

  async createDirect(direct: string, original: QueueInfo): Promise<void> {
    // No -m: a queue without a driver is a raw queue; the bridge's jobs are the POS's bytes as they were.
    await this.tool('lpadmin', ['-p', direct, '-E', '-v', original.port, '-D', `${original.name} (TaxPoynt direct)`, '-o', 'printer-is-shared=false']);
  }

  async removeDirect(direct: string, moveJobsTo: string): Promise<void> {
    if (!(await this.get(direct))) return;
    // Pass-through jobs not printed yet go to the POS queue, which prints to the printer again by now.
    await this.tool('lpmove', [direct, moveJobsTo]).catch(() => undefined);
    await this.tool('lpadmin', ['-x', direct]);
  }

  /** CUPS decides by the process's own rights (root, lpadmin): nothing to ask for. */
  privileged<T>(_untouched: string, work: () => Promise<T>): Promise<T> {
    return work();
  }

  async removeBridgePort(): Promise<void> {
    // CUPS keeps no port object beside the queue's device URI.
  }

  async printRaw(queue: string, bytes: Uint8Array): Promise<void> {
    await this.tool('lp', ['-d', queue, '-o', 'raw', '-t', 'TaxPoynt pass-through', '-s', '--'], bytes);
  }
}
