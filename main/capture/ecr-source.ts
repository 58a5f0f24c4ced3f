// Payment terminal on a serial line: frames or lines in, ACK/NAK back, one TerminalEvent per payment message.
import type { EcrSerialConfig } from './config.js';
import { DeviceSource, type SourceOptions } from './device-source.js';
import { LineFramer, parseTerminalMessage, StxEtxFramer } from './ecr.js';
import { SerialLink } from './serial-link.js';
import type { CaptureSink } from './types.js';

export class EcrSerialSource extends DeviceSource {
  private link: SerialLink | null = null;
  private framer: StxEtxFramer | LineFramer;

  constructor(
    private readonly config: EcrSerialConfig,
    sink: CaptureSink,
    opts: SourceOptions,
  ) {
    super(config, sink, opts);
    this.framer = config.framing === 'lines' ? new LineFramer() : new StxEtxFramer();
    this.state.baud = { rate: config.baud_rate, source: 'config' };
  }

  protected async open(): Promise<void> {
    this.link = new SerialLink(
      this.config,
      this.config.baud_rate,
      {
        onOpen: () => this.setStatus('connected', `listening to the terminal on ${this.config.path} (${this.config.framing})`),
        onData: (chunk) => this.onData(chunk),
        onDown: (reason, wait) => {
          // A half-received frame from before the unplug is meaningless after it.
          this.framer = this.config.framing === 'lines' ? new LineFramer() : new StxEtxFramer();
          this.setStatus('disconnected', `${reason}; retrying in ${Math.ceil(wait / 1000)} s`);
        },
      },
      { log: this.log, backoff: this.opts.backoff, random: this.opts.random },
    );
    await this.link.start();
  }

  protected async close(): Promise<void> {
    await this.link?.stop();
  }

  private onData(chunk: Buffer): void {
    this.noteData(chunk.length);
    const now = this.clock.now();
    const out = this.framer.push(chunk, now);
    if (out.reply.length > 0 && this.config.ack) this.link?.write(Uint8Array.from(out.reply));
    for (const message of out.messages) {
      const event = parseTerminalMessage(message, { deviceId: this.config.id, at: new Date(now).toISOString(), amountUnit: this.config.amount_unit });
      if (!event) {
        this.log.debug('terminal message without an amount ignored', { bytes: message.length });
        continue;
      }
      this.noteJob();
      try {
        this.terminal(event);
      } catch (err) {
        this.log.error('the capture sink refused a terminal event', { error: err as Error });
      }
    }
  }
}
