// Serial tap: passive reading of the line between POS and printer (Y-cable, or the receive side of a virtual COM pair).
import type { JobAssembler } from './assembler.js';
import { CANDIDATE_BAUDS, chooseBaud, type BaudSample } from './autobaud.js';
import type { SerialTapConfig } from './config.js';
import { DeviceSource, type SourceOptions } from './device-source.js';
import { SerialLink } from './serial-link.js';
import type { CaptureSink } from './types.js';

export class SerialTapSource extends DeviceSource {
  private link: SerialLink | null = null;
  private assembler: JobAssembler | null = null;
  /** While auto-baud listens: the sample being filled. */
  private sampling: { current: Buffer[]; done: () => void } | null = null;
  private detecting = false;

  constructor(
    private readonly config: SerialTapConfig,
    sink: CaptureSink,
    opts: SourceOptions,
  ) {
    super(config, sink, opts);
    const auto = config.baud_rate === 'auto';
    this.state.baud = { rate: auto ? null : (config.baud_rate as number), source: auto ? 'auto' : 'config' };
  }

  protected async open(): Promise<void> {
    this.assembler = this.receiptAssembler(this.config.id, 'escpos_serial', this.config);
    const auto = this.config.baud_rate === 'auto';
    const firstRate = auto ? CANDIDATE_BAUDS[0] : (this.config.baud_rate as number);
    this.link = new SerialLink(
      this.config,
      firstRate,
      {
        onOpen: () => {
          if (auto && this.state.baud?.rate == null) void this.detectBaud();
          else this.setStatus('connected', `reading ${this.config.path} at ${this.link!.baud} baud`);
        },
        onData: (chunk) => this.onData(chunk),
        onDown: (reason, retryInMs) => {
          this.sampling?.done();
          this.setStatus('disconnected', `${reason}; retrying in ${Math.ceil(retryInMs / 1000)} s`);
        },
      },
      { log: this.log, backoff: this.opts.backoff, random: this.opts.random },
    );
    await this.link.start();
  }

  protected async close(): Promise<void> {
    this.sampling?.done();
    await this.link?.stop();
    this.assembler?.flush();
  }

  private onData(chunk: Buffer): void {
    this.noteData(chunk.length);
    if (this.sampling) {
      this.sampling.current.push(chunk);
      return;
    }
    this.assembler?.push(chunk);
  }

  /**
   * Listens at each candidate rate in turn, scores what it read as ESC/POS and keeps the best rate.
   * Bytes read at rates that score as well as the chosen one are real and go to the assembler; the
   * garbage read at wrong rates does not. With no convincing rate it says so and listens again.
   */
  private async detectBaud(): Promise<void> {
    if (this.detecting) return;
    this.detecting = true;
    try {
      const sampleMs = this.opts.autoBaudSampleMs ?? 2000;
      this.setStatus('detecting_baud', `auto-baud: listening at ${CANDIDATE_BAUDS.join(', ')} baud`);
      while (this.link?.isOpen) {
        const samples: BaudSample[] = [];
        this.sampling = { current: [], done: () => undefined };
        for (const rate of CANDIDATE_BAUDS) {
          if (!this.link?.isOpen) return;
          this.sampling.current = [];
          await this.link.setBaud(rate);
          const bytes = await this.sample(sampleMs);
          samples.push({ baud: rate, bytes });
        }
        const choice = chooseBaud(samples);
        if (choice.baud === null) {
          this.setStatus('detecting_baud', `auto-baud: ${choice.reason}`);
          continue;
        }
        await this.link.setBaud(choice.baud);
        this.state.baud = { rate: choice.baud, source: 'auto', score: Number(choice.score.toFixed(3)) };
        this.log.info('auto-baud result', { baud: choice.baud, score: choice.score, kept_samples: choice.keep.length });
        for (const i of choice.keep) this.assembler?.push(samples[i]!.bytes);
        // Bytes that came in after the last sample were read at the last rate: kept if that rate reads right.
        const late = Buffer.concat(this.sampling.current);
        this.sampling = null;
        if (choice.keep.includes(samples.length - 1)) this.assembler?.push(late);
        this.setStatus('connected', `reading ${this.config.path}: ${choice.reason}`);
        return;
      }
    } finally {
      this.sampling = null;
      this.detecting = false;
    }
  }

  private sample(ms: number): Promise<Uint8Array> {
    const sampling = this.sampling!;
    return new Promise((resolve) => {
      let finished = false;
      const done = () => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        clearInterval(full);
        const bytes = Buffer.concat(sampling.current);
        sampling.current = [];
        resolve(bytes);
      };
      const timer = setTimeout(done, ms);
      // Enough bytes to judge: stop early.
      const full = setInterval(() => sampling.current.reduce((n, b) => n + b.length, 0) >= 512 && done(), 20);
      sampling.done = done;
    });
  }
}
