// A network printer stand-in on 127.0.0.1 (what a CUPS `socket://` queue or the bridge's pass-through prints to): every connection's bytes, in order.
import { createServer, type Server, type Socket } from 'node:net';

export interface TcpPrinter {
  port: number;
  /** `socket://127.0.0.1:PORT`, the device URI a CUPS queue printing to it has. */
  uri: string;
  /** Each connection's bytes (a job per connection, as a spooler sends them). */
  jobs: Buffer[];
  /** Everything printed so far: the paper. */
  bytes(): Buffer;
  close(): Promise<void>;
}

export async function startTcpPrinter(): Promise<TcpPrinter> {
  const jobs: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    const parts: Buffer[] = [];
    const index = jobs.push(Buffer.alloc(0)) - 1;
    s.on('data', (d: Buffer) => {
      parts.push(d);
      jobs[index] = Buffer.concat(parts);
    });
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    uri: `socket://127.0.0.1:${port}`,
    jobs,
    bytes: () => Buffer.concat(jobs),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
