// Virtual printer: the POS prints to the bridge (TCP raw/JetDirect or a serial port); every byte is captured and passed to the real printer.
import { createServer, type Server, type Socket } from 'node:net';
import type { StatusQuery } from '../escpos/types.js';
import { AllowList, parseHostPort, plainAddress } from './address.js';
import type { JobAssembler } from './assembler.js';
import type { VirtualPrinterConfig } from './config.js';
import { DeviceSource, type SourceOptions } from './device-source.js';
import { PrinterLink } from './printer-link.js';
import { RefusalLog, type RefusalReason } from './refusals.js';
import { SerialLink } from './serial-link.js';
import { answerIsOneByte, statusAnswer } from './status-answer.js';
import { CaptureError, type CaptureSink } from './types.js';

/** Print data a lane may hold while another lane has the printer (bounded memory per lane). */
const MAX_HELD_BYTES = 8 * 1024 * 1024;
/** A lane idle for less than this is never closed to make room: a till that just connected is about to print. */
const EVICTABLE_AFTER_MS = 1000;
/** Answers the printer still owes, kept at most (a printer that never answers must not grow memory): the oldest are given up. */
const MAX_OWED_ANSWERS = 256;

/** A status query sent to the printer: its answer goes back to the lane that asked, whoever owns the printer when it comes. */
interface OwedAnswer {
  lane: Lane;
  /** One byte, or a GS I text answer ("_" … NUL). */
  oneByte: boolean;
  /** The bridge answered in the printer's place (absent, late or not the owner yet): the printer's copy is dropped. */
  answered: boolean;
  /** What the bridge answers in the printer's place. */
  standIn: Uint8Array;
  /** Answers in the printer's place if it is late; cleared once its first byte arrives. */
  timer?: NodeJS.Timeout;
}

/** One POS connection: its own device stream, its own decoder, its own answers. */
interface Lane {
  id: string;
  /** Sends bytes back to the POS. */
  reply(bytes: Uint8Array): void;
  assembler: JobAssembler;
  /** Print data waiting for the printer while another lane owns it. */
  held: Uint8Array[];
  heldBytes: number;
  /** Queries in print data held for the printer, answered by the bridge: owed by the printer once the data is sent. */
  heldQueries: OwedAnswer[];
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
  /** Answers owed by the printer, in the order their queries were sent to it. */
  private owed: OwedAnswer[] = [];
  private allow = new AllowList(undefined);
  private refusals: RefusalLog | null = null;
  /** A device-state push is due for refusals (at most one per 250 ms: a flood must not flood the app too). */
  private refusalStateTimer: NodeJS.Timeout | undefined;

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
        { log: this.log, backoff: this.opts.backoff, random: this.opts.random },
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
    if (this.refusalStateTimer) clearTimeout(this.refusalStateTimer);
    this.refusalStateTimer = undefined;
    this.refusals?.flush();
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
    this.refusals = new RefusalLog(this.log);
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

  private refuse(socket: Socket, address: string, reason: RefusalReason): void {
    socket.on('error', () => undefined);
    socket.resetAndDestroy();
    const refused = this.state.refused!;
    if (reason === 'lane_limit') refused.laneLimit++;
    else refused.notAllowed++;
    refused.last = { address, reason, at: new Date(this.clock.now()).toISOString() };
    if (reason === 'not_allowed') this.refusals!.note(address, reason, 'connection refused: address not in the allow list', {});
    else this.refusals!.note(address, reason, 'connection refused: every lane is busy (max_lanes)', { max_lanes: this.config.max_lanes });
    this.refusalStateTimer ??= setTimeout(() => {
      this.refusalStateTimer = undefined;
      this.emitState();
    }, 250);
  }

  /** At the lane limit: closes the lane idle longest (nothing unprinted, no receipt in progress); false when none is. */
  private closeIdlest(): boolean {
    const now = this.clock.now();
    let idlest: Lane | null = null;
    const idleSince = (l: Lane) => Math.max(l.lastDataMs, l.connectedMs);
    for (const lane of this.lanes.values()) {
      const idle = lane.hangUp && lane !== this.owner && lane.heldBytes === 0 && lane.assembler.heldBytes === 0;
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
      heldQueries: [],
      lastDataMs: 0,
      connectedMs: this.clock.now(),
      closed: false,
      // Jobs carry the device's id, not the lane's: a transaction id never depends on the till's address
      // (a spooler's retry on a second connection is the same transaction); the address goes in `source.address`.
      assembler: this.receiptAssembler(this.config.id, 'tcp' in this.config.listen ? 'escpos_tcp' : 'escpos_serial', this.config, address),
    };
    this.lanes.set(id, lane);
    return lane;
  }

  private closeLane(lane: Lane): void {
    if (lane.closed) return;
    lane.closed = true;
    lane.assembler.flush();
    // Answers still owed to it are dropped when they come (the lane is closed).
    for (const a of this.owed) if (a.lane === lane) clearTimeout(a.timer);
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
   * never stalls. Either way a printer that answers owes this answer, and it goes to this lane (or is
   * dropped if the bridge answered already), not to whichever lane owns the printer when it comes.
   */
  private onQuery(lane: Lane, query: StatusQuery): void {
    const answer = statusAnswer(query);
    if (!answer) return;
    const owner = this.owner === lane;
    const printerCanAnswer = this.printer?.connected === true && this.printer.answers && owner;
    const owed: OwedAnswer = { lane, oneByte: answerIsOneByte(query), answered: false, standIn: answer };
    if (printerCanAnswer) owed.timer = setTimeout(() => this.answerInPlace(owed), this.opts.answerAfterMs ?? 20);
    else this.answerInPlace(owed);
    if (!this.printer?.answers) return;
    // The query's bytes are with the printer (or its link's queue) when this lane owns it; else they are held.
    if (owner) this.owe(owed);
    else lane.heldQueries.push(owed);
  }

  private answerInPlace(owed: OwedAnswer): void {
    clearTimeout(owed.timer);
    if (owed.answered) return;
    owed.answered = true;
    if (!owed.lane.closed) owed.lane.reply(owed.standIn);
  }

  private owe(owed: OwedAnswer): void {
    this.owed.push(owed);
    // Not waited for any more: the bridge answers it now if nobody has.
    if (this.owed.length > MAX_OWED_ANSWERS) this.answerInPlace(this.owed.shift()!);
  }

  /** The printer's answers, each to the lane whose query it answers; answers the bridge already gave are dropped. */
  private fromPrinter(chunk: Buffer): void {
    let bytes: Uint8Array = chunk;
    while (bytes.length > 0) {
      const head = this.owed[0];
      if (!head) {
        // Nothing asked (a printer's own status message): to the lane that has the printer.
        if (this.owner && !this.owner.closed) this.owner.reply(bytes);
        return;
      }
      const nul = head.oneByte ? 0 : bytes.indexOf(0);
      const n = head.oneByte ? 1 : nul === -1 ? bytes.length : nul + 1;
      const part = bytes.subarray(0, n);
      bytes = bytes.subarray(n);
      clearTimeout(head.timer);
      if (!head.answered && !head.lane.closed) head.lane.reply(part);
      // A text answer split across reads stays at the head until its NUL.
      if (head.oneByte || nul !== -1) this.owed.shift();
    }
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
    if (!owner || this.waiting.length === 0) return;
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
    while (this.waiting.length > 0 && this.printer) {
      const next = this.waiting.shift()!;
      for (const chunk of next.held) this.printer.send(chunk);
      for (const q of next.heldQueries) this.owe(q);
      next.held = [];
      next.heldBytes = 0;
      next.heldQueries = [];
      if (!next.closed) {
        this.takePrinter(next);
        return;
      }
    }
  }
}
