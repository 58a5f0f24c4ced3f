// What the cloud has said about batch size and pace (413s, remote config), kept in a small file so a restart starts from it.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import type { Logger } from '../telemetry/log.js';

export const LearnedLimits = z.object({
  /** After a 413: batches are never built above this many transactions again. */
  items_cap: z.number().int().positive().nullable(),
  /** The largest batch the cloud accepted (a 413 never pushes the cap below it). */
  largest_accepted: z.number().int().nonnegative(),
  /** The last remote config's batch and rate settings, in force until the next poll answers. */
  remote: z
    .object({
      version: z.union([z.string(), z.number()]),
      batch: z.object({ max_items: z.number().int().positive(), max_bytes: z.number().int().positive(), max_wait_ms: z.number().int().nonnegative() }),
      rate: z.object({ max_rps: z.number().positive() }),
    })
    .nullable(),
});
export type LearnedLimits = z.infer<typeof LearnedLimits>;

export const NOTHING_LEARNED: LearnedLimits = { items_cap: null, largest_accepted: 0, remote: null };

export interface LimitsMemory {
  load(): LearnedLimits;
  save(limits: LearnedLimits): void;
}

/** Kept only for this process (tests, benches that measure a cold start). */
export function memoryOnly(): LimitsMemory {
  let kept = NOTHING_LEARNED;
  return { load: () => kept, save: (l) => void (kept = l) };
}

/**
 * A JSON file (no receipt data, no secret: numbers the cloud sent). A missing or unreadable file is "nothing learned":
 * the worst that costs is the 413s this file exists to avoid.
 */
export function fileMemory(path: string, log?: Logger): LimitsMemory {
  return {
    load() {
      try {
        const parsed = LearnedLimits.safeParse(JSON.parse(readFileSync(path, 'utf8')));
        return parsed.success ? parsed.data : NOTHING_LEARNED;
      } catch {
        return NOTHING_LEARNED;
      }
    },
    save(limits) {
      try {
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(`${path}.tmp`, JSON.stringify(limits), { mode: 0o600 });
        renameSync(`${path}.tmp`, path);
      } catch (err) {
        log?.warn('could not keep what the cloud said about batch limits; a restart relearns them', { error: err });
      }
    },
  };
}

/** The file next to the store (read by `config show` to tell what remote config overrides). */
export function learnedLimitsFile(dataDir: string): string {
  return join(dataDir, 'cloud-limits.json');
}
