// The repo's copy of the public ESC/POS corpus is the design's corpus (../shared/escpos-corpus), byte for byte, when a clone sits beside it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CORPUS_DIR, SHARED_CORPUS_DIR } from './corpus-files.js';

function files(root: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else out.set(relative(root, path), readFileSync(path));
    }
  };
  walk(root);
  return out;
}

describe('the corpus copy in test/fixtures/escpos-corpus', () => {
  it('holds the sources and licences of its files', () => {
    const readme = readFileSync(join(CORPUS_DIR, 'README.md'), 'utf8');
    for (const folder of readdirSync(CORPUS_DIR, { withFileTypes: true }).filter((e) => e.isDirectory())) expect(readme, folder.name).toContain(`\`${folder.name}/\``);
    expect(readme).toMatch(/MIT/);
  });

  it.skipIf(!existsSync(SHARED_CORPUS_DIR))('is ../shared/escpos-corpus byte for byte (copy it again when that changes)', () => {
    const copy = files(CORPUS_DIR);
    const shared = files(SHARED_CORPUS_DIR);
    expect([...copy.keys()].sort()).toEqual([...shared.keys()].sort());
    for (const [name, bytes] of shared) expect(copy.get(name)!.equals(bytes), name).toBe(true);
  });
});
