// The print job a command reads (`ingest`, `decode`, `parse`): a file or standard input, never more than MAX_JOB_BYTES held in memory.
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { UsageError, type CommandContext } from './command.js';

/** The largest print job a command takes: a long receipt with a logo is a few hundred kilobytes; 64 MiB is far beyond any. */
export const MAX_JOB_BYTES = 64 * 1024 * 1024;

/** A job above MAX_JOB_BYTES: refused before it is stored, with the limit named (exit 2, like any bad input). */
export class JobTooLarge extends UsageError {
  constructor(
    readonly source: string,
    readonly limit: number,
  ) {
    super(`${source === '-' ? 'standard input' : source} holds more than ${limit / (1024 * 1024)} MiB, the most a print job may be; nothing was read into the bridge. Give it one print job at a time.`);
    this.name = 'JobTooLarge';
  }
}

/** Reads up to `limit` bytes from a stream; stops reading (and closes a file) as soon as there is more. */
async function readBounded(stream: Readable, source: string, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    total += buf.byteLength;
    if (total > limit) {
      // Leaving the loop destroys the stream: /dev/zero or an endless pipe is not read any further.
      throw new JobTooLarge(source, limit);
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks, total);
}

/** Reads a file argument, or standard input for "-", refusing more than `limit` bytes (files of any kind: /dev/zero has no size). */
export async function readInput(ctx: CommandContext, source: string | undefined, limit = MAX_JOB_BYTES): Promise<Buffer> {
  if (!source) throw new UsageError('expected a file to read, or "-" for standard input');
  if (source === '-') return readBounded(ctx.stdin, source, limit);
  try {
    return await readBounded(createReadStream(source, { highWaterMark: 1024 * 1024 }), source, limit);
  } catch (err) {
    if (err instanceof JobTooLarge) throw err;
    const e = err as NodeJS.ErrnoException;
    throw new UsageError(`cannot read ${source}: ${e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'it is a folder' : e.message}`);
  }
}
