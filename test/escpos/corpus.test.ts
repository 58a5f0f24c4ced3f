// The decoder against every public corpus file: expected receipts, no leaked parameters, raw spans, re-decoding, chunking.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decode, EscposStream, receiptText, type DecodedReceipt } from '../../main/escpos/index.js';
import { CORPUS_DIR, corpusFile, corpusFiles, expectedFor } from './corpus-files.js';

const files = corpusFiles();

function summary(r: DecodedReceipt) {
  return {
    end: r.end,
    lines: r.lines.map((l) => l.text),
    qr: r.qr,
    pdf417: r.pdf417,
    barcodes: r.barcodes,
    images: r.images,
    warnings: r.warnings.map((w) => w.code),
  };
}

/** Decodes through the stream API with chunk boundaries chosen by `cut`. */
function decodeChunked(bytes: Uint8Array, sizes: () => number): DecodedReceipt[] {
  const s = new EscposStream();
  const out: DecodedReceipt[] = [];
  let at = 0;
  while (at < bytes.length) {
    const n = Math.max(1, sizes());
    out.push(...s.push(bytes.subarray(at, at + n), 0).receipts);
    at += n;
  }
  out.push(...s.end());
  return out;
}

function seeded(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

describe('public ESC/POS corpus', () => {
  it('holds every file the README lists', () => {
    expect(files.length).toBeGreaterThanOrEqual(29);
  });

  for (const f of files) {
    describe(f.name, () => {
      const receipts = decode(f.bytes);

      it('decodes to the expected receipts', () => {
        const expected = expectedFor(f.name);
        expect(expected, `expected file for ${f.name}`).not.toBeNull();
        expect(receipts.map(summary)).toEqual(expected);
      });

      it('prints no control characters or parameter bytes as text', () => {
        for (const r of receipts) {
          for (const l of r.lines) {
            expect(l.text).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
          }
        }
      });

      it('gives raw spans that are contiguous and re-decode to the same text', () => {
        let end = 0;
        for (const r of receipts) {
          expect(Buffer.from(r.raw).equals(Buffer.from(f.bytes.subarray(end, end + r.raw.length)))).toBe(true);
          end += r.raw.length;
          const again = decode(r.raw, { codepage: r.startCodepage });
          expect(again.map(receiptText)).toEqual([receiptText(r)]);
        }
        // Only a tail that prints nothing (a trailing cut, drawer kick or init) is left outside every receipt.
        const tail = decode(f.bytes.subarray(end));
        expect(tail).toEqual([]);
      });

      it('gives the same receipts whatever the chunk boundaries', () => {
        const rnd = seeded(f.bytes.length);
        const random = decodeChunked(f.bytes, () => Math.floor(rnd() * 64));
        expect(random.map(summary)).toEqual(receipts.map(summary));
        expect(random.map((r) => r.raw.length)).toEqual(receipts.map((r) => r.raw.length));
        if (f.bytes.length <= 20_000) {
          const single = decodeChunked(f.bytes, () => 1);
          expect(single.map(summary)).toEqual(receipts.map(summary));
        }
      });
    });
  }
});

describe('known traps in the corpus', () => {
  it('matches the text escpos-tools esc2text prints for receipt-with-logo.bin', () => {
    const md = readFileSync(join(CORPUS_DIR, 'escpos-tools/esc2text.md'), 'utf8');
    const block = md.split('$ php esc2text.php receipt-with-logo.bin\n')[1]?.split('```')[0] ?? '';
    const want = block.replace(/\n+$/, '');
    const [r] = decode(corpusFile('escpos-tools/receipt-with-logo.bin'));
    expect(r && receiptText(r)).toBe(want);
    expect(r?.images).toBe(1);
    expect(r?.end).toBe('cut');
  });

  it('retail.bin: the over-long GS 8 L image does not swallow the footer, barcode and cut', () => {
    const rs = decode(corpusFile('thermal/retail.bin'));
    expect(rs).toHaveLength(1);
    const r = rs[0] as DecodedReceipt;
    expect(receiptText(r)).toContain('Thanks for visiting');
    expect(r.barcodes).toEqual([{ type: 'ITF', value: '0188025014655200' }]);
    expect(r.end).toBe('cut');
    expect(r.warnings.some((w) => w.code === 'truncated_block' && w.offset === 679)).toBe(true);
    expect(r.lines.find((l) => l.text.startsWith('TOTAL'))?.text).toBe('TOTAL                          114.70');
  });

  it('corrupt_start_of_binary.bin: junk before ESC @ is dropped from the text but kept in raw, CP858 text decoded', () => {
    const bytes = corpusFile('thermal/corrupt_start_of_binary.bin');
    const rs = decode(bytes);
    expect(rs).toHaveLength(1);
    const r = rs[0] as DecodedReceipt;
    expect(r.lines[0]?.text).toBe('        Danke für Ihre Bestellung');
    expect(receiptText(r)).not.toContain(';0');
    expect(r.warnings[0]?.code).toBe('junk_before_init');
    expect(r.raw[0]).toBe(0x3b);
  });

  it('test_receipt_4.bin: GS V 1 then GS V 0 back to back give one receipt, not an empty second one', () => {
    const rs = decode(corpusFile('thermal/test_receipt_4.bin'));
    expect(rs).toHaveLength(1);
    expect(rs[0]?.end).toBe('partial_cut');
  });

  it('demo.bin: every cut ends a receipt (14 cuts)', () => {
    const rs = decode(corpusFile('escpos-php/demo.bin'));
    expect(rs).toHaveLength(14);
    expect(rs.every((r) => r.end === 'cut' || r.end === 'partial_cut')).toBe(true);
  });

  it('print-from-pdf.bin: three raster-only pages, each ending in a cut', () => {
    const rs = decode(corpusFile('escpos-php/print-from-pdf.bin'));
    expect(rs.map((r) => [r.end, r.lines.length, r.images > 0])).toEqual([
      ['cut', 0, true],
      ['cut', 0, true],
      ['cut', 0, true],
    ]);
  });

  it('character-encodings.bin: ESC t switched mid-line gives Unicode text', () => {
    const text = decode(corpusFile('escpos-php/character-encodings.bin')).map(receiptText).join('\n');
    expect(text).toContain('Quizdeltagerne spiste jordbær med fløde');
    expect(text).toContain('В чащах юга жил бы цитрус?');
    expect(text).toContain('Pchnąć w tę łódź jeża lub ośm skrzyń fig.');
    expect(text).toContain('Ξεσκεπάζω την ψυχοφθόρα βδελυγμία');
  });

  it('qr-code.bin and pdf417-code.bin: payloads are reported', () => {
    const qr = decode(corpusFile('escpos-php/qr-code.bin'))[0] as DecodedReceipt;
    expect(qr.qr[0]).toBe('Testing 123');
    expect(qr.qr).toContain('0123456789012345678901234567890123456789');
    const pdf = decode(corpusFile('escpos-php/pdf417-code.bin'))[0] as DecodedReceipt;
    expect(pdf.pdf417[0]).toBe('Testing 123');
    expect(decode(corpusFile('thermal/test_receipt_3.bin'))[0]?.qr).toEqual(['https://nielsleenheer.com']);
  });

  it('test_receipt_1.bin (no cut) ends with end_of_data', () => {
    const rs = decode(corpusFile('thermal/test_receipt_1.bin'));
    expect(rs.map((r) => r.end)).toEqual(['end_of_data']);
    expect(rs[0]?.lines[0]?.text).toBe("Zebra Farmer's Market");
  });
});
