// Pictures of words drawn dot by dot from a tiny font, with the engine's reading of them as the test gives it: glyph comparisons tested on dots the test controls.
import type { Bitmap } from '../../main/escpos/types.js';
import type { OcrText, OcrWord } from '../../main/ocr/index.js';
import { laidOut } from '../../main/ocr/text.js';

/** Dots of a few characters, 5 wide and 7 tall ('#' inked), drawn the same wherever they are printed. */
export const FONT: Record<string, string[]> = {
  '0': [' ### ', '#   #', '#  ##', '# # #', '##  #', '#   #', ' ### '],
  '1': ['  #  ', ' ##  ', '  #  ', '  #  ', '  #  ', '  #  ', ' ### '],
  '7': ['#####', '    #', '   # ', '  #  ', ' #   ', ' #   ', ' #   '],
  '8': [' ### ', '#   #', '#   #', ' ### ', '#   #', '#   #', ' ### '],
  // An 8 drawn at another fraction of a dot: two edge dots more than '8' (a tenth of its ink), far from every other digit.
  '&': [' ####', '#   #', '#   #', ' ### ', '#   #', '#   #', '#### '],
  // The letter O: a 0 without its stroke, three dots (a sixth of its ink) from any 0.
  O: [' ### ', '#   #', '#   #', '#   #', '#   #', '#   #', ' ### '],
  R: ['#### ', '#   #', '#   #', '#### ', '# #  ', '#  # ', '#   #'],
  '.': ['     ', '     ', '     ', '     ', '     ', ' ##  ', ' ##  '],
  // Two characters drawn touching: one piece of ink for two letters.
  '=': ['#####', '#####', '#####', '#####', '#####', '#####', '#####'],
};

/**
 * A picture of words drawn from FONT (each word on its own line, characters 2 dots apart, 4 dots from
 * the left unless `x` says where) and the engine's reading of it as given: `read[i]` is what the
 * engine read for word i and how sure it was. `scale`: each of the font's dots drawn as scale × scale
 * dots (printer text is 14 dots tall or more). `shifted`: the indices of the word's characters drawn with every other row a dot
 * to the right, as a character drawn at another fraction of a dot moves its edges.
 */
export function printed(words: Array<{ drawn: string; read: string; confidence: number; x?: number; shifted?: number[] }>, scale = 1): { picture: Bitmap; text: OcrText } {
  const width = 96 * scale;
  const height = (words.length * 12 + 4) * scale;
  const stride = width / 8;
  const data = new Uint8Array(stride * height);
  const ink = (px: number, py: number): void => void (data[py * stride + (px >> 3)]! |= 0x80 >> (px & 7));
  const lines = words.map((w, i) => {
    const top = (2 + i * 12) * scale;
    [...w.drawn].forEach((ch, k) => {
      const rows = FONT[ch];
      if (!rows) throw new Error(`no dots for ${ch}`);
      const left = ((w.x ?? 4) + k * 7) * scale;
      rows.forEach((row, y) => {
        const xs = [...row].flatMap((dot, x) => (dot === '#' ? Array.from({ length: scale }, (_, d) => left + x * scale + d) : []));
        for (let dy = 0; dy < scale; dy++) {
          // Shifted: every other row drawn a dot to the right.
          const by = w.shifted?.includes(k) && (y * scale + dy) % 2 === 1 ? 1 : 0;
          for (const px of xs) ink(px + by, top + y * scale + dy);
        }
      });
    });
    const x0 = (w.x ?? 4) * scale;
    const word: OcrWord = { text: w.read, confidence: w.confidence, box: { x0, y0: top, x1: x0 + (w.drawn.length * 7 - 2) * scale, y1: top + 7 * scale } };
    return { words: [word], y: top };
  });
  return { picture: { width, height, data }, text: laidOut(lines) };
}
