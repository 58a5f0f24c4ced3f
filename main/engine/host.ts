// The supervised engine: runs the engine in a child process, relays the BridgeApi over its message channel, restarts it after a crash with back-off.
import { fork as forkProcess, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import {
  BridgeApiError,
  EVENT_NAMES,
  type AlertView,
  type ApiErrorShape,
  type EngineView,
  type EventName,
  type EventPayload,
  type StatusView,
} from '../../preload/api.js';
import { AlertGate } from './alerts.js';
import { overall } from './receipts-view.js';

/** What the host sends the engine child. */
export type HostMessage = { type: 'invoke'; id: number; channel: string; input: unknown } | { type: 'stop' };
/** What the engine child sends the host. */
export type ChildMessage =
  | { type: 'ready'; pid: number }
  | { type: 'result'; id: number; ok: true; value: unknown }
  | { type: 'result'; id: number; ok: false; error: ApiErrorShape }
  | { type: 'event'; event: EventName; payload: unknown }
  | { type: 'fatal'; error: ApiErrorShape };

/** The part of a child process the host uses: Node's `child_process.fork` and Electron's `utilityProcess.fork` both fit it. */
export interface EngineChild {
  readonly pid: number | undefined;
  send(message: HostMessage): void;
  onMessage(listener: (message: ChildMessage) => void): void;
  onExit(listener: (code: number | null, signal: string | null) => void): void;
  kill(signal?: NodeJS.Signals): void;
}
export type ForkEngine = () => EngineChild;

/** `child_process.fork` of the engine entry (tests, the headless host). */
export function nodeForkEngine(modulePath: string, args: string[] = [], options: { env?: NodeJS.ProcessEnv; silent?: boolean } = {}): ForkEngine {
  return () => {
    const child: ChildProcess = forkProcess(modulePath, args, { env: options.env ?? process.env, stdio: options.silent === false ? 'inherit' : ['ignore', 'ignore', 'inherit', 'ipc'], serialization: 'advanced' });
    return {
      get pid() {
        return child.pid;
      },
      send: (m) => {
        if (child.connected) child.send(m);
      },
      onMessage: (l) => child.on('message', (m) => l(m as ChildMessage)),
      onExit: (l) => child.once('exit', (code, signal) => l(code, signal)),
      kill: (signal) => child.kill(signal),
    };
  };
}

export interface HostClock {
  now(): number;
  /** Returns a function that cancels the timer. */
  setTimeout(fn: () => void, ms: number): () => void;
}
export const systemHostClock: HostClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
};

export const RESTART = { firstDelayMs: 1000, maxDelayMs: 60_000, healthyResetMs: 10 * 60_000, attentionCrashes: 5, attentionWindowMs: 10 * 60_000 } as const;

/** The restart schedule as a pure function of crash times: 1 s doubling to 60 s, reset after 10 healthy minutes; attention at 5 crashes in 10 minutes. */
export class RestartPolicy {
  private delayMs: number = RESTART.firstDelayMs;
  private crashes: number[] = [];

  /** A crash at `now` after the engine had been up since `upSince` (null: it never came up). */
  crashed(now: number, upSince: number | null): { delayMs: number; recentCrashes: number; attention: boolean } {
    if (upSince !== null && now - upSince >= RESTART.healthyResetMs) this.delayMs = RESTART.firstDelayMs;
    const delayMs = this.delayMs;
    this.delayMs = Math.min(this.delayMs * 2, RESTART.maxDelayMs);
    this.crashes.push(now);
    const recentCrashes = this.recent(now);
    return { delayMs, recentCrashes, attention: recentCrashes >= RESTART.attentionCrashes };
  }

  recent(now: number): number {
    this.crashes = this.crashes.filter((t) => now - t < RESTART.attentionWindowMs);
    return this.crashes.length;
  }
}

/** Requests that change a print queue: on Windows they wait for a person to answer the administrator prompt. */
const WAITS_FOR_A_PERSON = new Set(['devices.takeover', 'devices.release', 'devices.remove', 'pairing.unpair']);
/** The elevated step's own limit (ELEVATION_TIMEOUT_MS, 10 min) and a minute for the spooler. */
export const ELEVATION_WAIT_MS = 11 * 60_000;

export interface EngineHostOptions {
  fork: ForkEngine;
  clock?: HostClock;
  /** A request unanswered this long fails (the engine is stuck). */
  requestTimeoutMs?: number;
  /** Grace for a clean stop before the child is killed. */
  stopTimeoutMs?: number;
  onLog?: (message: string, fields?: Record<string, unknown>) => void;
}

interface Pending {
  channel: string;
  resolve(value: unknown): void;
  reject(err: BridgeApiError): void;
  cancelTimer(): void;
}

/** The BridgeApi as the shell sees it, whether the engine is up, restarting or failing. */
export class EngineHost {
  private readonly clock: HostClock;
  private readonly policy = new RestartPolicy();
  private readonly emitter = new EventEmitter();
  private readonly gate: AlertGate;
  private child: EngineChild | null = null;
  private ready = false;
  private upSince: number | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private cancelRestart: (() => void) | null = null;
  private nextRestartAt: number | null = null;
  private restarts = 0;
  private lastFatal: string | null = null;
  private stopping = false;
  private lastStatus: StatusView | null = null;
  private readyWaiters: Array<() => void> = [];

  constructor(private readonly options: EngineHostOptions) {
    this.clock = options.clock ?? systemHostClock;
    this.gate = new AlertGate(() => this.clock.now());
    this.emitter.setMaxListeners(100);
  }

  start(): void {
    this.stopping = false;
    this.spawn();
  }

  /** Resolves when the engine child has said it is ready (after a start or a restart). */
  whenReady(): Promise<void> {
    return this.ready ? Promise.resolve() : new Promise((r) => this.readyWaiters.push(r));
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  engineView(): EngineView {
    const now = this.clock.now();
    const recentCrashes = this.policy.recent(now);
    const attention = recentCrashes >= RESTART.attentionCrashes;
    return {
      state: attention ? 'attention' : this.ready ? 'running' : 'restarting',
      recentCrashes,
      restarts: this.restarts,
      nextRestartAt: this.nextRestartAt !== null ? new Date(this.nextRestartAt).toISOString() : null,
      message: attention
        ? `The bridge engine crashed ${recentCrashes} times in 10 minutes${this.lastFatal ? ` (${this.lastFatal})` : ''}: export diagnostics and contact TaxPoynt support.`
        : this.lastFatal,
    };
  }

  /** The last status the engine sent, with the host's view of the engine in it (restarting while it is down). */
  status(): StatusView | null {
    if (!this.lastStatus) return null;
    const engine = this.engineView();
    const base = { ...this.lastStatus, engine };
    return { ...base, ...overall(base) };
  }

  invoke(channel: string, input: unknown): Promise<unknown> {
    if (!this.ready || !this.child) {
      if (channel === 'status' && this.lastStatus) return Promise.resolve(this.status());
      return Promise.reject(new BridgeApiError('engine_restarting', 'The bridge engine is restarting; try again in a few seconds.'));
    }
    const id = this.nextId++;
    const child = this.child;
    return new Promise((resolve, reject) => {
      const cancelTimer = this.clock.setTimeout(() => {
        this.pending.delete(id);
        reject(new BridgeApiError('engine_timeout', `The bridge engine did not answer ${channel} in time; it may be busy. Try again.`));
      }, WAITS_FOR_A_PERSON.has(channel) ? ELEVATION_WAIT_MS : (this.options.requestTimeoutMs ?? 60_000));
      this.pending.set(id, { channel, resolve, reject, cancelTimer });
      child.send({ type: 'invoke', id, channel, input });
    });
  }

  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
    this.emitter.on(event, listener as (p: unknown) => void);
    return () => this.emitter.off(event, listener as (p: unknown) => void);
  }

  /** Asks the engine to stop cleanly (journal flushed, store closed), kills it after the grace period. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.cancelRestart?.();
    this.cancelRestart = null;
    const child = this.child;
    if (!child) return;
    await new Promise<void>((resolve) => {
      const cancel = this.clock.setTimeout(() => {
        child.kill('SIGKILL');
        resolve();
      }, this.options.stopTimeoutMs ?? 10_000);
      child.onExit(() => {
        cancel();
        resolve();
      });
      child.send({ type: 'stop' });
    });
  }

  private spawn(): void {
    this.cancelRestart = null;
    this.nextRestartAt = null;
    const child = this.options.fork();
    this.child = child;
    this.ready = false;
    child.onMessage((m) => this.message(child, m));
    child.onExit((code, signal) => this.exited(child, code, signal));
  }

  private message(child: EngineChild, m: ChildMessage): void {
    if (child !== this.child) return;
    switch (m.type) {
      case 'ready':
        this.ready = true;
        this.upSince = this.clock.now();
        this.lastFatal = null;
        if (this.policy.recent(this.clock.now()) < RESTART.attentionCrashes) this.gate.clear({ code: 'engine_crashing', subject: null });
        this.options.onLog?.('engine ready', { pid: m.pid, restarts: this.restarts });
        for (const w of this.readyWaiters.splice(0)) w();
        this.publishStatus();
        break;
      case 'result': {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        p.cancelTimer();
        if (m.ok) p.resolve(m.value);
        else p.reject(new BridgeApiError(m.error.code, m.error.message, m.error.field));
        break;
      }
      case 'event':
        if (!EVENT_NAMES.includes(m.event)) return;
        if (m.event === 'status') {
          this.lastStatus = m.payload as StatusView;
          this.publishStatus();
        } else this.emitter.emit(m.event, m.payload);
        break;
      case 'fatal':
        this.lastFatal = m.error.message;
        this.options.onLog?.('engine could not start', { code: m.error.code, message: m.error.message });
        break;
    }
  }

  private exited(child: EngineChild, code: number | null, signal: string | null): void {
    if (child !== this.child) return;
    this.child = null;
    this.ready = false;
    for (const [id, p] of this.pending) {
      p.cancelTimer();
      p.reject(new BridgeApiError('engine_restarting', `The bridge engine stopped before answering ${p.channel}; try again in a few seconds.`));
      this.pending.delete(id);
    }
    if (this.stopping) return;
    const now = this.clock.now();
    const upSince = this.upSince;
    this.upSince = null;
    const { delayMs, attention, recentCrashes } = this.policy.crashed(now, upSince);
    this.options.onLog?.('engine exited; restarting', { code, signal, delayMs, recentCrashes });
    this.nextRestartAt = now + delayMs;
    this.cancelRestart = this.clock.setTimeout(() => {
      this.restarts++;
      this.spawn();
    }, delayMs);
    if (attention) {
      const alert: AlertView = {
        code: 'engine_crashing',
        severity: 'error',
        message: this.engineView().message ?? 'The bridge engine keeps crashing.',
        at: new Date(now).toISOString(),
        notify: this.gate.admit({ code: 'engine_crashing', subject: null, severity: 'error' }),
        subject: null,
      };
      this.emitter.emit('alert', alert);
    }
    this.publishStatus();
  }

  private publishStatus(): void {
    const s = this.status();
    if (s) this.emitter.emit('status', s);
    else this.emitter.emit('engine', this.engineView());
  }
}
