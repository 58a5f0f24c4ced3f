// The OCR engine never reaches the network: its model and wasm ship with the bridge, and it reads a receipt in a namespace with no network.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundledLangPath } from '../../main/ocr/index.js';

/** `unshare -n` (a new network namespace: no interface but a loopback that is down) needs Linux and root or user namespaces. */
function noNetworkNamespace(): string | null {
  if (process.platform !== 'linux') return `${process.platform} has no network namespaces`;
  const probe = spawnSync('unshare', ['-n', 'true']);
  return probe.status === 0 ? null : `unshare -n is not permitted here (${probe.stderr?.toString().trim() || probe.error?.message})`;
}

describe('OCR offline', () => {
  it('loads the English model from a folder in node_modules, never a URL', () => {
    const dir = bundledLangPath();
    expect(dir).not.toMatch(/^[a-z]+:\/\//i);
    expect(relative(process.cwd(), dir)).toMatch(/^node_modules[/\\]@tesseract\.js-data[/\\]eng[/\\]4\.0\.0_best_int$/);
    expect(statSync(join(dir, 'eng.traineddata.gz')).size).toBeGreaterThan(1_000_000);
    expect(existsSync(join(process.cwd(), 'node_modules/tesseract.js-core/tesseract-core-simd-lstm.wasm'))).toBe(true);
  });

  const why = noNetworkNamespace();
  if (why) console.warn(`skipped: the no-network OCR run, because ${why}`);
  it.skipIf(why !== null)('starts the engine and reads a receipt in a process with no network at all', () => {
    const run = spawnSync('unshare', ['-n', process.execPath, 'node_modules/vitest/vitest.mjs', 'run', '--config', 'test/ocr/offline/vitest.config.ts'], {
      encoding: 'utf8',
      timeout: 180_000,
      env: { ...process.env, FORCE_COLOR: '0' },
    });
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/2 passed/);
  }, 200_000);
});
