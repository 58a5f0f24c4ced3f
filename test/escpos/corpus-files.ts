// Loads the public ESC/POS corpus (test/fixtures/escpos-corpus, a copy of ../shared/escpos-corpus) and this project's expected decodings of it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
/** The copy in this repo, so the tests run in any clone (corpus-copy.test.ts checks it against ../shared where that exists). */
export const CORPUS_DIR = resolve(here, '../fixtures/escpos-corpus');
/** The design's corpus beside the checkout (kept current there), when this clone sits beside it. */
export const SHARED_CORPUS_DIR = resolve(here, '../../../shared/escpos-corpus');
export const EXPECTED_DIR = resolve(here, '../fixtures/escpos');

export interface CorpusFile {
  /** e.g. "thermal/retail.bin" (".z" dropped for the compressed one). */
  name: string;
  bytes: Uint8Array;
}

export interface ExpectedReceipt {
  end: string;
  lines: string[];
  qr: string[];
  pdf417: string[];
  barcodes: { type: string; value: string }[];
  images: number;
  warnings: string[];
}

export function corpusFiles(): CorpusFile[] {
  const out: CorpusFile[] = [];
  for (const dir of readdirSync(CORPUS_DIR, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    for (const f of readdirSync(join(CORPUS_DIR, dir.name)).sort()) {
      if (!f.includes('.bin')) continue;
      let bytes: Uint8Array = readFileSync(join(CORPUS_DIR, dir.name, f));
      if (f.endsWith('.z')) bytes = inflateSync(bytes);
      out.push({ name: `${dir.name}/${f.replace(/\.z$/, '')}`, bytes: new Uint8Array(bytes) });
    }
  }
  return out;
}

export function corpusFile(name: string): Uint8Array {
  const f = corpusFiles().find((c) => c.name === name);
  if (!f) throw new Error(`corpus file ${name} not found under ${CORPUS_DIR}`);
  return f.bytes;
}

export function expectedFor(name: string): ExpectedReceipt[] | null {
  const p = join(EXPECTED_DIR, `${name}.expected.json`);
  if (!existsSync(p)) return null;
  return (JSON.parse(readFileSync(p, 'utf8')) as { receipts: ExpectedReceipt[] }).receipts;
}

/** Every corpus file concatenated (the bench's and the fuzz test's material). */
export function corpusConcatenated(): Uint8Array {
  const files = corpusFiles();
  const total = files.reduce((n, f) => n + f.bytes.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const f of files) {
    out.set(f.bytes, at);
    at += f.bytes.length;
  }
  return out;
}
