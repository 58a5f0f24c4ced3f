// The engine child process entry: starts the Bridge and its dispatcher, answers the host's requests and forwards events over the message channel.
import { BridgeApiError, EVENT_NAMES, type ApiErrorShape } from '../../preload/api.js';
import { Bridge } from './bridge.js';
import { platformAutostart } from './autostart.js';
import { createDispatcher, type Dispatcher } from './dispatcher.js';
import type { ChildMessage, HostMessage } from './host.js';
import { packageVersion } from './version.js';

/** How the host tells the child what to run: one JSON argument. */
export interface ChildOptions {
  dataDir: string;
  configFile: string;
  version?: string;
  forwarder?: { idlePollMs?: number; pairingRecheckMs?: number; remoteConfigPollMs?: number; heartbeatMs?: number };
  statusIntervalMs?: number;
  /** The app executable a login should start (the XDG autostart file's Exec). */
  exec?: string[];
}

interface ParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
}

/** Electron's utilityProcess gives `process.parentPort`; Node's fork gives `process.send`. */
function channel(): { send(m: ChildMessage): void; onMessage(l: (m: HostMessage) => void): void } {
  const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
  if (parentPort) {
    return { send: (m) => parentPort.postMessage(m), onMessage: (l) => parentPort.on('message', (e) => l(e.data as HostMessage)) };
  }
  if (!process.send) throw new Error('the engine child must be started by the host (no message channel)');
  return {
    send: (m) => {
      if (process.connected) process.send!(m);
    },
    onMessage: (l) => process.on('message', (m) => l(m as HostMessage)),
  };
}

function shape(err: unknown): ApiErrorShape {
  if (err instanceof BridgeApiError) return err.toShape();
  const e = err as { code?: unknown; message?: unknown };
  return { code: typeof e?.code === 'string' ? e.code : 'internal', message: typeof e?.message === 'string' ? e.message.split('\n')[0]! : String(err), field: null };
}

export async function runChild(options: ChildOptions): Promise<void> {
  const port = channel();
  let bridge: Bridge | undefined;
  const engine: { api?: Dispatcher } = {};
  let stopping: Promise<void> | null = null;
  const stop = (code: number) => {
    stopping ??= (async () => {
      engine.api?.close();
      await bridge?.stop().catch(() => undefined);
      process.exit(code);
    })();
    return stopping;
  };
  const queued: HostMessage[] = [];
  const handle = (m: HostMessage) => {
    if (m.type === 'stop') return void stop(0);
    if (!engine.api) return void queued.push(m);
    engine.api.invoke(m.channel, m.input).then(
      (value) => port.send({ type: 'result', id: m.id, ok: true, value }),
      (err: unknown) => port.send({ type: 'result', id: m.id, ok: false, error: shape(err) }),
    );
  };
  port.onMessage(handle);
  process.on('disconnect', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  process.on('SIGINT', () => void stop(0));

  try {
    bridge = await Bridge.start({
      dataDir: options.dataDir,
      configFile: options.configFile,
      version: options.version ?? packageVersion(),
      forwarder: options.forwarder,
    });
  } catch (err) {
    port.send({ type: 'fatal', error: shape(err) });
    // Give the message a moment to leave before exiting.
    setTimeout(() => process.exit(1), 100);
    return;
  }
  const api = createDispatcher(bridge, {
    statusIntervalMs: options.statusIntervalMs,
    autostart: options.exec ? platformAutostart({ exec: options.exec, dataDir: options.dataDir }) : undefined,
  });
  engine.api = api;
  for (const event of EVENT_NAMES) api.on(event, (payload) => port.send({ type: 'event', event, payload }));
  // Ready first: the first status event (sent once the persisted app state is applied) then finds the host running.
  port.send({ type: 'ready', pid: process.pid });
  await api.ready;
  for (const m of queued.splice(0)) handle(m);
}

const arg = process.argv[2];
if (arg) {
  runChild(JSON.parse(arg) as ChildOptions).catch((err: unknown) => {
    process.stderr.write(`engine child failed: ${shape(err).message}\n`);
    process.exit(1);
  });
}
