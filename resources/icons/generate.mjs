// Draws the tray icons per state (PNG 16/32 px for Linux, .ico for Windows, template PNGs for macOS) with node:zlib: `node resources/icons/generate.mjs`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
export const STATES = ['ok', 'attention', 'offline', 'paused', 'restarting'];
/** TaxPoynt green for ok; amber, grey, blue and cyan say the other states apart even in small sizes. */
const COLOURS = { ok: [0x00, 0x87, 0x51], attention: [0xd9, 0x77, 0x06], offline: [0x6b, 0x72, 0x80], paused: [0x25, 0x63, 0xeb], restarting: [0x06, 0xb6, 0xd4] };

// ---- PNG ----------------------------------------------------------------------------------------

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
/** RGBA pixels (size × size × 4) → PNG bytes (colour type 6, 8 bits, filter 0 per row). */
export function encodePng(size, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8;
  ihdr[9] = 6;
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    Buffer.from(rgba.buffer, rgba.byteOffset + y * size * 4, size * 4).copy(raw, y * (size * 4 + 1) + 1);
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

/** ICO with PNG-compressed entries (Windows Vista and later read them). */
export function encodeIco(images) {
  const header = Buffer.alloc(6);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2);
  header.writeUInt16LE(images.length, 4);
  const entries = [];
  let offset = 6 + 16 * images.length;
  for (const { size, png } of images) {
    const e = Buffer.alloc(16);
    e[0] = size >= 256 ? 0 : size;
    e[1] = size >= 256 ? 0 : size;
    e.writeUInt16LE(1, 4);
    e.writeUInt16LE(32, 6);
    e.writeUInt32LE(png.length, 8);
    e.writeUInt32LE(offset, 12);
    offset += png.length;
    entries.push(e);
  }
  return Buffer.concat([header, ...entries, ...images.map((i) => i.png)]);
}

// ---- drawing --------------------------------------------------------------------------------------

/** Coverage of a shape at pixel (x, y), supersampled 4×4 for smooth edges; shapes work in a 0..1 square. */
function draw(size, inside, [r, g, b]) {
  const rgba = new Uint8Array(size * size * 4);
  const n = 4;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let hits = 0;
      for (let sy = 0; sy < n; sy++) for (let sx = 0; sx < n; sx++) if (inside((x + (sx + 0.5) / n) / size, (y + (sy + 0.5) / n) / size)) hits++;
      const i = (y * size + x) * 4;
      rgba[i] = r;
      rgba[i + 1] = g;
      rgba[i + 2] = b;
      rgba[i + 3] = Math.round((255 * hits) / (n * n));
    }
  }
  return rgba;
}

const dist = (x, y) => Math.hypot(x - 0.5, y - 0.5);
const disc = (x, y) => dist(x, y) <= 0.46;
const ring = (x, y) => dist(x, y) <= 0.46 && dist(x, y) >= 0.3;
/** Distance from (x, y) to the segment (ax, ay)–(bx, by). */
function segment(x, y, ax, ay, bx, by) {
  const t = Math.max(0, Math.min(1, ((x - ax) * (bx - ax) + (y - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2)));
  return Math.hypot(x - (ax + t * (bx - ax)), y - (ay + t * (by - ay)));
}
const rect = (x0, y0, x1, y1) => (x, y) => x >= x0 && x <= x1 && y >= y0 && y <= y1;

/** One glyph per state, so the state reads without colour (macOS templates, colour-blind users). */
const SHAPES = {
  // A filled disc with a tick cut out.
  ok: (x, y) => disc(x, y) && segment(x, y, 0.27, 0.5, 0.44, 0.67) > 0.075 && segment(x, y, 0.44, 0.67, 0.74, 0.34) > 0.075,
  // A disc with an exclamation mark cut out.
  attention: (x, y) => disc(x, y) && !rect(0.44, 0.22, 0.56, 0.6)(x, y) && !rect(0.44, 0.68, 0.56, 0.78)(x, y),
  // A ring with a diagonal stroke: not connected.
  offline: (x, y) => ring(x, y) || (Math.abs(x - y) < 0.06 && dist(x, y) < 0.46),
  // A disc with two bars cut out.
  paused: (x, y) => disc(x, y) && !rect(0.34, 0.28, 0.45, 0.72)(x, y) && !rect(0.55, 0.28, 0.66, 0.72)(x, y),
  // A ring with a gap at the top right: going round.
  restarting: (x, y) => ring(x, y) && !(x > 0.5 && y < 0.5 && x - 0.5 > 0.5 - y - 0.1 && x - 0.5 < 0.5 - y + 0.25),
};

export function generate(outDir = here) {
  const written = [];
  const put = (file, bytes) => {
    mkdirSync(dirname(join(outDir, file)), { recursive: true });
    writeFileSync(join(outDir, file), bytes);
    written.push(file);
  };
  for (const state of STATES) {
    const png16 = encodePng(16, draw(16, SHAPES[state], COLOURS[state]));
    const png32 = encodePng(32, draw(32, SHAPES[state], COLOURS[state]));
    put(`linux/tray-${state}.png`, png16);
    put(`linux/tray-${state}@2x.png`, png32);
    put(`windows/tray-${state}.ico`, encodeIco([{ size: 16, png: png16 }, { size: 32, png: png32 }]));
    // Template images: black with alpha; macOS recolours them for light and dark menu bars.
    put(`mac/tray-${state}Template.png`, encodePng(16, draw(16, SHAPES[state], [0, 0, 0])));
    put(`mac/tray-${state}Template@2x.png`, encodePng(32, draw(32, SHAPES[state], [0, 0, 0])));
  }
  return written;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const f of generate()) process.stdout.write(`${f}\n`);
}
