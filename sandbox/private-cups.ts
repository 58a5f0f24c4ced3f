// A private CUPS scheduler (Debian cupsd) in a temp dir, for the spooler tests and bench: no systemd, no system queues touched.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface PrivateCups {
  /** Temp dir holding the config, spool, logs and the socket. */
  dir: string;
  /** What CUPS_SERVER must name for the CUPS tools (and the bridge) to reach this scheduler. */
  server: string;
  /** The env to run lp/lpadmin/lpstat with: the caller's, plus CUPS_SERVER. */
  env: NodeJS.ProcessEnv;
  /** Runs a CUPS tool (argv, never a shell) against this scheduler; rejects with its stderr. */
  tool(command: string, args: string[]): Promise<string>;
  /** The scheduler's error log so far (for a failing test's message). */
  errorLog(): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** The uid/gid of `lp` (cupsd refuses to run its filters and backends as root). */
function lpIds(): { uid: number; gid: number } | null {
  try {
    const passwd = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('lp:'));
    const group = readFileSync('/etc/group', 'utf8').split('\n').find((l) => l.startsWith('lp:'));
    if (!passwd || !group) return null;
    return { uid: Number(passwd.split(':')[2]), gid: Number(group.split(':')[2]) };
  } catch {
    return null;
  }
}

/** Why a private cupsd cannot run here, or null. */
export function privateCupsProblem(): string | null {
  if (process.platform === 'win32') return 'Windows has no CUPS (its spooler path is unit-tested and exercised by the release smoke test)';
  if (!existsSync('/usr/sbin/cupsd')) return 'cupsd is not installed (Debian: apt-get install cups cups-client cups-bsd)';
  return null;
}

/**
 * Starts cupsd in the foreground on 127.0.0.1:<free port> and a socket in a temp dir
 * (ARCHITECTURE.md, "CUPS in tests"), and waits until `lpstat -r` says it is running.
 */
export async function startPrivateCups(): Promise<PrivateCups> {
  const problem = privateCupsProblem();
  if (problem) throw new Error(`no private CUPS: ${problem}`);
  const dir = mkdtempSync(join(tmpdir(), 'taxpoynt-cups-'));
  chmodSync(dir, 0o755);
  for (const sub of ['spool', 'spool/tmp', 'cache', 'state', 'state/certs', 'logs', 'ppd', 'run']) mkdirSync(join(dir, sub), { recursive: true, mode: 0o775 });
  const ids = lpIds();
  if (ids && process.getuid?.() === 0) {
    for (const sub of ['spool', 'spool/tmp', 'cache', 'state', 'state/certs', 'logs', 'run']) chownSync(join(dir, sub), 0, ids.gid);
    chmodSync(join(dir, 'spool'), 0o1770);
    chmodSync(join(dir, 'spool/tmp'), 0o1770);
  }
  const port = await freePort();
  const socket = join(dir, 'cups.sock');
  writeFileSync(
    join(dir, 'cupsd.conf'),
    [
      `Listen 127.0.0.1:${port}`,
      `Listen ${socket}`,
      'LogLevel warn',
      'Browsing Off',
      'DefaultAuthType None',
      'WebInterface No',
      'JobRetryInterval 1',
      'JobRetryLimit 100000',
      '<Location />',
      '  Order allow,deny',
      '  Allow all',
      '</Location>',
      '<Policy default>',
      '  <Limit All>',
      '    Order deny,allow',
      '  </Limit>',
      '</Policy>',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'cups-files.conf'),
    [
      `ServerRoot ${dir}`,
      `RequestRoot ${join(dir, 'spool')}`,
      `TempDir ${join(dir, 'spool/tmp')}`,
      `CacheDir ${join(dir, 'cache')}`,
      `StateDir ${join(dir, 'state')}`,
      `AccessLog ${join(dir, 'logs/access_log')}`,
      `ErrorLog ${join(dir, 'logs/error_log')}`,
      `PageLog ${join(dir, 'logs/page_log')}`,
      'FileDevice Yes',
      'User lp',
      'Group lp',
      'SystemGroup root',
      '',
    ].join('\n'),
  );
  const env: NodeJS.ProcessEnv = { ...process.env, CUPS_SERVER: socket };
  const child: ChildProcess = spawn('/usr/sbin/cupsd', ['-f', '-c', join(dir, 'cupsd.conf'), '-s', join(dir, 'cups-files.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const errorLog = () => {
    try {
      return readFileSync(join(dir, 'logs/error_log'), 'utf8');
    } catch {
      return '';
    }
  };
  const tool = async (command: string, args: string[]) => {
    try {
      const { stdout } = await run(command, args, { env, timeout: 20_000 });
      return stdout;
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`${command} ${args.join(' ')}: ${(e.stderr || e.message).trim()}`);
    }
  };
  const until = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`cupsd exited at once: ${stderr.trim() || errorLog().trim()}`);
    const ok = await run('lpstat', ['-r'], { env, timeout: 2000 }).then(
      (r) => r.stdout.includes('is running'),
      () => false,
    );
    if (ok) break;
    if (Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error(`cupsd did not answer in 15 s: ${stderr.trim() || errorLog().trim()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    dir,
    server: socket,
    env,
    tool,
    errorLog,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(killer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
