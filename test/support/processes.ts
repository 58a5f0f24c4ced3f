// Test support for the CLI as a user runs it: the built `taxpoynt-bridge` in a child process, and a till printing to a virtual printer.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';

const cli = join(process.cwd(), 'dist', 'main', 'cli.js');

export interface CliProcess {
  child: ChildProcessWithoutNullStreams;
  /** Standard output and error as they interleaved. */
  out: () => string;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** `taxpoynt-bridge ARGS` (dist/main/cli.js on this Node) with `env` over this process's environment. */
export function startCli(args: string[], env: NodeJS.ProcessEnv): CliProcess {
  const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, ...env } });
  let out = '';
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    out += d;
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    out += d;
    stderr += d;
  });
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  return { child, out: () => out, stdout: () => stdout, stderr: () => stderr, exited };
}

/** A TCP port on 127.0.0.1 nobody listens on now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** The till prints one job to a virtual printer on 127.0.0.1 and hangs up. */
export async function printOverTcp(port: number, bytes: Uint8Array): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(Buffer.from(bytes)));
    socket.on('error', reject);
    socket.on('close', () => resolve());
  });
}
