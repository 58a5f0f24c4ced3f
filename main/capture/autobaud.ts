// Auto-baud for a passive tap: bytes sampled at each candidate rate are scored as ESC/POS and the best rate is chosen, with its score shown.

/** The rates POS printers are set to, most common first. */
export const CANDIDATE_BAUDS = [9600, 19200, 38400, 57600, 115200, 4800] as const;

/**
 * How much a sample looks like an ESC/POS print job, from 0 to 1. Read at the wrong rate a line
 * yields framing garbage: bytes with the high bit set, NULs and 0xFF, few letters. At the right rate
 * it is mostly printable text, LF/CR and ESC/GS commands.
 */
export function scoreEscpos(bytes: Uint8Array): number {
  if (bytes.length === 0) return 0;
  let good = 0;
  let commands = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b >= 0x20 && b < 0x7f) good++;
    else if (b === 0x0a || b === 0x0d || b === 0x09) good++;
    else if (b === 0x1b || b === 0x1d || b === 0x10 || b === 0x1c) {
      // A command introducer followed by a plausible command byte counts for both.
      const next = bytes[i + 1];
      if (next !== undefined && next >= 0x20 && next < 0x7f) {
        commands++;
        good += 2;
        i++;
      }
    }
  }
  const base = good / bytes.length;
  // ESC @ or GS V seen: a strong sign the framing is right.
  const bonus = commands > 0 ? 0.05 : 0;
  return Math.min(1, base + bonus);
}

export interface BaudSample {
  baud: number;
  bytes: Uint8Array;
}

export interface BaudChoice {
  /** The chosen rate, or null when no sample was convincing. */
  baud: number | null;
  score: number;
  /** Why: shown to the user ("auto-baud chose 19200 (score 0.97)"). */
  reason: string;
  /** Samples read at a rate that reads as well as the chosen one: their bytes are real and are kept. */
  keep: number[];
}

/** Picks the rate whose sample reads best; refuses to guess when nothing scores at least `minScore`. */
export function chooseBaud(samples: BaudSample[], minScore = 0.75, minBytes = 16): BaudChoice {
  const scored = samples.map((s, index) => ({ ...s, index, score: s.bytes.length >= minBytes ? scoreEscpos(s.bytes) : 0 }));
  const total = samples.reduce((n, s) => n + s.bytes.length, 0);
  if (total === 0) return { baud: null, score: 0, reason: 'no bytes yet: is the POS printing?', keep: [] };
  const best = [...scored].sort((a, b) => b.score - a.score || a.index - b.index)[0]!;
  if (best.score < minScore) {
    return {
      baud: null,
      score: best.score,
      reason: `no rate reads as ESC/POS (best ${best.baud} scored ${best.score.toFixed(2)}): set baud_rate in the config`,
      keep: [],
    };
  }
  const keep = scored.filter((s) => s.score >= best.score - 0.05 && s.bytes.length > 0).map((s) => s.index);
  const alike = keep.length > 1 ? `; ${keep.length} rates read the same bytes (a virtual port)` : '';
  return { baud: best.baud, score: best.score, reason: `auto-baud chose ${best.baud} (score ${best.score.toFixed(2)})${alike}`, keep };
}
