// Virtual printer: the POS prints to the bridge (TCP raw/JetDirect or a serial port); every byte is captured and passed to the real printer.
import { createServer, type Server, type Socket } from 'node:net';
import type { StatusQuery } from '../escpos/types.js';
import type { JobAssembler } from './assembler.js';
import type { VirtualPrinterConfig } from './config.js';
import { DeviceSource, type SourceOptions } from './device-source.js';
import { PrinterLink } from './printer-link.js';
import { SerialLink } from './serial-link.js';
import { answerIsOneByte, statusAnswer } from './status-answer.js';
import { CaptureError, type CaptureSink } from './types.js';

/** Print data a lane may hold while another lane has the printer (bounded memory per lane). */
const MAX_HELD_BYTES = 8 * 1024 * 1024;
/** Open POS connections per virtual printer: far above any shop's lane count, low enough to bound memory. */
const MAX_LANES = 64;

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
  closed: boolean;
}

export class VirtualPrinterSource extends DeviceSource {
  private server: Server | null = null;
  private serialListen: SerialLink | null = null;
  private printer: PrinterLink | null = null;
  private readonly lanes = new Map<string, Lane>();
  private readonly sockets = new Set<Socket>();
  /** The lane whose job is on the printer now; others wait so jobs never interleave on paper. */
  private owner: Lane | null = null;
  private releaseTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: VirtualPrinterConfig,
    sink: CaptureSink,
    opts: SourceOptions,
  ) {
    super(config, sink, opts);
    this.state.lanes = [];
    this.state.printer = config.printer ? 'absent' : 'none';
    this.state.queuedBytes = 0;
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
    for (const socket of this.sockets) socket.destroy();
    for (const lane of [...this.lanes.values()]) this.closeLane(lane);
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = null;
    await this.serialListen?.stop();
    await this.printer?.stop();
  }

  private async listenTcp(hostPort: string): Promise<void> {
    const i = hostPort.lastIndexOf(':');
    const host = hostPort.slice(0, i);
    const port = Number(hostPort.slice(i + 1));
    const server = createServer((socket) => this.accept(socket));
    server.maxConnections = MAX_LANES;
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
    // A lane that holds its connection open still hands the printer over after it has been quiet for idle_ms.
    this.releaseTimer = setInterval(() => this.releaseIdleOwner(), Math.max(50, Math.floor(this.config.idle_ms / 2)));
    this.releaseTimer.unref();
  }

  private accept(socket: Socket): void {
    socket.setNoDelay(true);
    this.sockets.add(socket);
    const ip = (socket.remoteAddress ?? 'unknown').replace(/^::ffff:/, '');
    // The lane id is stable for a till that reconnects (same address), distinct for tills printing at once.
    let id = `${this.config.id}#${ip}`;
    for (let k = 2; this.lanes.has(id); k++) id = `${this.config.id}#${ip}-${k}`;
    const lane = this.addLane(id, (bytes) => socket.write(bytes));
    socket.on('data', (chunk: Buffer) => this.fromPos(lane, chunk));
    socket.on('error', (err) => this.log.debug('lane connection error', { lane: id, error: err }));
    socket.on('close', () => {
      this.sockets.delete(socket);
      this.closeLane(lane);
    });
    this.state.lanes = [...this.lanes.keys()];
    this.emitState();
  }

  private addLane(id: string, reply: (bytes: Uint8Array) => void): Lane {
    const lane: Lane = {
      id,
      reply,
      held: [],
      heldBytes: 0,
      awaiting: [],
      dropAnswers: 0,
      lastDataMs: 0,
      closed: false,
      assembler: this.receiptAssembler(id, 'tcp' in this.config.listen ? 'escpos_tcp' : 'escpos_serial', this.config),
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
      if (this.owner === null && lane.heldBytes === 0) this.owner = lane;
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

  private releaseIdleOwner(): void {
    const owner = this.owner;
    if (!owner || this.waiting.length === 0) return;
    if (this.clock.now() - owner.lastDataMs >= this.config.idle_ms && owner.awaiting.length === 0) this.handOver();
  }

  /** The next waiting lane gets the printer; its held bytes go out in order. */
  private handOver(): void {
    this.owner = null;
    while (this.waiting.length > 0 && this.printer) {
      const next = this.waiting.shift()!;
      for (const chunk of next.held) this.printer.send(chunk);
      next.held = [];
      next.heldBytes = 0;
      if (!next.closed) {
        this.owner = next;
        return;
      }
    }
  }
}
