// Virtual printer: the POS prints to the bridge (TCP raw/JetDirect or a serial port); every byte is captured and passed to the real printer.
import { createServer, type Server, type Socket } from 'node:net';
import type { StatusQuery } from '../escpos/types.js';
import { AllowList, parseHostPort, plainAddress } from './address.js';
import type { JobAssembler } from './assembler.js';
import type { VirtualPrinterConfig } from './config.js';
import { DeviceSource, type SourceOptions } from './device-source.js';
import { PrinterLink } from './printer-link.js';
import { SerialLink } from './serial-link.js';
import { answerIsOneByte, statusAnswer } from './status-answer.js';
import { CaptureError, type CaptureSink } from './types.js';

/** Print data a lane may hold while another lane has the printer (bounded memory per lane). */
const MAX_HELD_BYTES = 8 * 1024 * 1024;
/** A lane idle for less than this is never closed to make room: a till that just connected is about to print. */
const EVICTABLE_AFTER_MS = 1000;

/** One POS connection: its own device stream, its own decoder, its own answers. */
interface Lane {
  id: string;
  /** Sends bytes back to the POS. */
  reply(bytes: Uint8Array): void;
  assembler: JobAssembler;
  /** Print data waiting for the printer while another lane owns it. */
  held: Uint8Array[];
  heldBytes: number;
  /** Queries passed to the printer and not answered yet, each with the timer that answers in its place. */
  awaiting: Array<{ query: StatusQuery; timer: NodeJS.Timeout }>;
  /** One-byte answers the bridge already gave: the printer's late copies are dropped, not relayed twice. */
  dropAnswers: number;
  lastDataMs: number;
  connectedMs: number;
  closed: boolean;
  /** Closes the lane's connection (TCP lanes). */
  hangUp?: () => void;
}

export class VirtualPrinterSource extends DeviceSource {
  private server: Server | null = null;
  private serialListen: SerialLink | null = null;
  private printer: PrinterLink | null = null;
  private readonly lanes = new Map<string, Lane>();
  private readonly sockets = new Set<Socket>();
  /** The lane whose job is on the printer now; others wait so jobs never interleave on paper. */
  private owner: Lane | null = null;
  private ownedSinceMs = 0;
  private releaseTimer: NodeJS.Timeout | undefined;
  private allow = new AllowList(undefined);

  constructor(
    private readonly config: VirtualPrinterConfig,
    sink: CaptureSink,
    opts: SourceOptions,
  ) {
    super(config, sink, opts);
    this.state.lanes = [];
    this.state.printer = config.printer ? 'absent' : 'none';
    this.state.queuedBytes = 0;
    if ('tcp' in config.listen) {
      this.state.refused = { laneLimit: 0, notAllowed: 0, last: null };
      this.state.closedIdle = 0;
    }
  }

  override status() {
    this.state.queuedBytes = this.printer?.queuedBytes ?? 0;
    return super.status();
  }

  /** The TCP address actually listened on ("127.0.0.1:40123" when the config asked for port 0). */
  get endpoint(): string | null {
    const a = this.server?.address();
    return a && typeof a === 'object' ? `${a.address}:${a.port}` : null;
  }

  protected async open(): Promise<void> {
    if (this.config.printer) {
      this.printer = new PrinterLink(
        this.config.printer,
        {
          onData: (chunk) => this.fromPrinter(chunk),
          onState: (connected, detail) => {
            this.state.printer = connected ? 'connected' : 'absent';
            this.log.info('printer', { connected, detail });
            this.emitState();
          },
        },
        { log: this.log, backoff: this.opts.backoff, random: this.opts.random, spooler: this.opts.spooler },
      );
      await this.printer.start();
    }
    const listen = this.config.listen;
    if ('tcp' in listen) await this.listenTcp(listen.tcp);
    else {
      const lane = this.addLane(this.config.id, (bytes) => this.serialListen?.write(bytes));
      this.serialListen = new SerialLink(
        listen.serial,
        listen.serial.baud_rate,
        {
          onOpen: () => this.setStatus('listening', `listening as a printer on ${listen.serial.path}`),
          onData: (chunk) => this.fromPos(lane, chunk),
          onDown: (reason, wait) => {
            // The receipt stays open: a cable plugged back in within idle_ms completes it, else the idle gap ends it.
            this.setStatus('disconnected', `${reason}; retrying in ${Math.ceil(wait / 1000)} s`);
          },
        },
        { log: this.log, backoff: this.opts.backoff, random: this.opts.random },
      );
      await this.serialListen.start();
    }
  }

  protected async close(): Promise<void> {
    if (this.releaseTimer) clearInterval(this.releaseTimer);
    for (const socket of this.sockets) socket.destroy();
    for (const lane of [...this.lanes.values()]) this.closeLane(lane);
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = null;
    await this.serialListen?.stop();
    await this.printer?.stop();
  }

  private async listenTcp(hostPort: string): Promise<void> {
    const { host, port } = parseHostPort(hostPort)!;
    this.allow = new AllowList(this.config.allow);
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    const refused = (err: Error) => new CaptureError('listen_failed', `cannot listen on ${hostPort}: ${err.message}. Is another program (or a second bridge) using that port?`);
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(refused(err));
      server.once('error', onError);
      server.listen(port, host, () => {
        server.off('error', onError);
        resolve();
      });
    });
    server.on('error', (err) => this.fail('listen_failed', refused(err)));
    this.setStatus('listening', `listening as a printer on ${this.endpoint}`, { endpoint: this.endpoint! });
    // A lane that holds its connection open hands the printer over after idle_ms of quiet or max_job_ms of holding it.
    this.releaseTimer = setInterval(() => this.releaseOwner(), Math.max(50, Math.floor(Math.min(this.config.idle_ms, this.config.max_job_ms) / 4)));
    this.releaseTimer.unref();
  }

  /**
   * A POS connection: refused at once (a TCP reset, so the POS's spooler retries) when its address is
   * not allowed, or when the lane limit is reached and no lane is idle enough to close for it. Never
   * accepted and then dropped: a connection kept here is a lane whose bytes are printed and journaled.
   */
  private accept(socket: Socket): void {
    const ip = plainAddress(socket.remoteAddress ?? 'unknown');
    if (!this.allow.allows(ip)) return this.refuse(socket, ip, 'not_allowed');
    if (this.sockets.size >= this.config.max_lanes && !this.closeIdlest()) return this.refuse(socket, ip, 'lane_limit');
    socket.setNoDelay(true);
    this.sockets.add(socket);
    // The lane id is stable for a till that reconnects (same address), distinct for tills printing at once.
    let id = `${this.config.id}#${ip}`;
    for (let k = 2; this.lanes.has(id); k++) id = `${this.config.id}#${ip}-${k}`;
    const lane = this.addLane(id, (bytes) => socket.write(bytes), ip);
    lane.hangUp = () => {
      // Its slot is free now, not when the close event comes.
      this.sockets.delete(socket);
      socket.destroy();
    };
    socket.setTimeout(this.config.idle_timeout_ms, () => {
      this.log.info('POS connection idle: closed', { lane: id, idle_timeout_ms: this.config.idle_timeout_ms });
      this.state.closedIdle!++;
      socket.destroy();
    });
    socket.on('data', (chunk: Buffer) => this.fromPos(lane, chunk));
    socket.on('error', (err) => this.log.debug('lane connection error', { lane: id, error: err }));
    socket.on('close', () => {
      this.sockets.delete(socket);
      this.closeLane(lane);
    });
    this.state.lanes = [...this.lanes.keys()];
    this.emitState();
  }

  private refuse(socket: Socket, address: string, reason: 'lane_limit' | 'not_allowed'): void {
    socket.on('error', () => undefined);
    socket.resetAndDestroy();
    const refused = this.state.refused!;
    if (reason === 'lane_limit') refused.laneLimit++;
    else refused.notAllowed++;
    refused.last = { address, reason, at: new Date(this.clock.now()).toISOString() };
    if (reason === 'not_allowed') this.log.warn('connection refused: address not in the allow list', { address });
    else this.log.warn('connection refused: every lane is busy (max_lanes)', { address, max_lanes: this.config.max_lanes });
    this.emitState();
  }

  /** At the lane limit: closes the lane idle longest (nothing unprinted, no receipt in progress); false when none is. */
  private closeIdlest(): boolean {
    const now = this.clock.now();
    let idlest: Lane | null = null;
    const idleSince = (l: Lane) => Math.max(l.lastDataMs, l.connectedMs);
    for (const lane of this.lanes.values()) {
      const idle = lane.hangUp && lane !== this.owner && lane.heldBytes === 0 && lane.assembler.heldBytes === 0 && lane.awaiting.length === 0;
      if (idle && now - idleSince(lane) >= EVICTABLE_AFTER_MS && (!idlest || idleSince(lane) < idleSince(idlest))) idlest = lane;
    }
    if (!idlest) return false;
    this.log.info('lane limit reached: closing the longest idle POS connection', { lane: idlest.id });
    this.state.closedIdle!++;
    idlest.hangUp!();
    this.closeLane(idlest);
    return true;
  }

  private addLane(id: string, reply: (bytes: Uint8Array) => void, address?: string): Lane {
    const lane: Lane = {
      id,
      reply,
      held: [],
      heldBytes: 0,
      awaiting: [],
      dropAnswers: 0,
      lastDataMs: 0,
      connectedMs: this.clock.now(),
      closed: false,
      assembler: this.receiptAssembler(id, 'tcp' in this.config.listen ? 'escpos_tcp' : 'escpos_serial', this.config, address),
    };
    this.lanes.set(id, lane);
    return lane;
  }

  private closeLane(lane: Lane): void {
    if (lane.closed) return;
    lane.closed = true;
    lane.assembler.flush();
    for (const a of lane.awaiting) clearTimeout(a.timer);
    lane.awaiting = [];
    this.lanes.delete(lane.id);
    // A lane closed while waiting stays in `waiting`: its job is still printed in turn.
    if (this.owner === lane) this.handOver();
    this.state.lanes = [...this.lanes.keys()];
    this.emitState();
  }

  /** Lanes (open or closed) with print data waiting, in arrival order. */
  private waiting: Lane[] = [];

  /** The data path: to the printer first (nothing waits on parsing), then into the lane's assembler. */
  private fromPos(lane: Lane, chunk: Buffer): void {
    lane.lastDataMs = this.clock.now();
    if (this.printer) {
      if (this.owner === null && lane.heldBytes === 0) this.takePrinter(lane);
      if (this.owner === lane) this.printer.send(chunk);
      else this.hold(lane, chunk);
    }
    this.noteData(chunk.length);
    const queries = lane.assembler.push(chunk);
    for (const q of queries) this.onQuery(lane, q);
  }

  private hold(lane: Lane, chunk: Buffer): void {
    if (lane.heldBytes === 0 && !this.waiting.includes(lane)) this.waiting.push(lane);
    lane.held.push(chunk);
    lane.heldBytes += chunk.length;
    if (lane.heldBytes > MAX_HELD_BYTES) {
      const dropped = lane.held.shift()!;
      lane.heldBytes -= dropped.length;
      this.log.error('lane waited too long for the printer: oldest print data dropped from paper (it is in the journal)', { lane: lane.id });
    }
  }

  /**
   * A status query: if the printer can answer it (connected, this lane has it), give it
   * `answerAfterMs` to do so; otherwise, or if it is late, answer "online, paper present" so the POS
   * never stalls.
   */
  private onQuery(lane: Lane, query: StatusQuery): void {
    const answer = statusAnswer(query);
    if (!answer) return;
    const printerCanAnswer = this.printer?.connected === true && this.printer.answers && this.owner === lane;
    if (!printerCanAnswer) {
      lane.reply(answer);
      // The printer gets these bytes later (held or queued) and will answer then: drop its copy.
      if (this.printer?.answers && answerIsOneByte(query)) lane.dropAnswers++;
      return;
    }
    const entry = {
      query,
      timer: setTimeout(() => {
        lane.awaiting.splice(lane.awaiting.indexOf(entry), 1);
        if (lane.closed) return;
        lane.reply(answer);
        if (answerIsOneByte(query)) lane.dropAnswers++;
      }, this.opts.answerAfterMs ?? 20),
    };
    lane.awaiting.push(entry);
  }

  /** The printer's answers go back to the lane that owns it; answers the bridge already gave are not repeated. */
  private fromPrinter(chunk: Buffer): void {
    const lane = this.owner;
    if (!lane || lane.closed) return;
    let bytes: Uint8Array = chunk;
    while (bytes.length > 0 && lane.dropAnswers > 0) {
      bytes = bytes.subarray(1);
      lane.dropAnswers--;
    }
    // Each answer byte (or one whole multi-byte GS I answer) settles the oldest query the printer was asked.
    let n = bytes.length;
    while (n > 0 && lane.awaiting.length > 0) {
      const settled = lane.awaiting.shift()!;
      clearTimeout(settled.timer);
      n -= answerIsOneByte(settled.query) ? 1 : n;
    }
    if (bytes.length > 0) lane.reply(bytes);
  }

  private takePrinter(lane: Lane): void {
    this.owner = lane;
    this.ownedSinceMs = this.clock.now();
  }

  /**
   * While other lanes wait, the owner keeps the printer until it has been quiet for idle_ms or has held
   * it for max_job_ms (a job trickling in must not keep the other tills from printing). What it sends
   * after that waits its turn, so its bytes still reach the paper, after the others'.
   */
  private releaseOwner(): void {
    const owner = this.owner;
    if (!owner || this.waiting.length === 0 || owner.awaiting.length > 0) return;
    const now = this.clock.now();
    const quiet = now - owner.lastDataMs >= this.config.idle_ms;
    if (quiet || now - this.ownedSinceMs >= this.config.max_job_ms) {
      if (!quiet) this.log.info('lane held the printer for max_job_ms while others waited: handing it over', { lane: owner.id, max_job_ms: this.config.max_job_ms });
      this.handOver();
    }
  }

  /** The next waiting lane gets the printer; its held bytes go out in order. */
  private handOver(): void {
    this.owner = null;
    // The lane that had the printer is done: a spooler printer sends its bytes as one job.
    this.printer?.endJob();
    while (this.waiting.length > 0 && this.printer) {
      const next = this.waiting.shift()!;
      for (const chunk of next.held) this.printer.send(chunk);
      next.held = [];
      next.heldBytes = 0;
      if (next.closed) this.printer.endJob();
      if (!next.closed) {
        this.takePrinter(next);
        return;
      }
    }
  }
}
