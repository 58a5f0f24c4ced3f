// The workflows that run the packaged-app smoke test: valid against the Actions schema, and run it on all three OSes; which part each OS lacks.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { missingPart } from '../support/platform.js';

const repo = join(import.meta.dirname, '..', '..');
const workflows = join(repo, '.github', 'workflows');
const validator = join(repo, 'node_modules', '@action-validator', 'cli', 'cli.mjs');

describe('workflows', () => {
  it('every workflow is valid against the GitHub Actions schema (action-validator, offline)', () => {
    const files = readdirSync(workflows).filter((f) => f.endsWith('.yml'));
    expect(files).toEqual(expect.arrayContaining(['ci.yml', 'release.yml']));
    for (const file of files) execFileSync(process.execPath, [validator, join(workflows, file)], { stdio: 'pipe' });
  });

  it('ci runs type-check, lint and tests on Linux, Windows and macOS, and the packaged smoke test on all three', () => {
    const ci = yaml.load(readFileSync(join(workflows, 'ci.yml'), 'utf8')) as { jobs: Record<string, { 'runs-on': string; strategy?: { matrix: { os?: string[]; include?: Array<{ os: string }> } }; steps: Array<{ run?: string }> }> };
    expect(ci.jobs.linux!.steps.map((s) => s.run)).toContain('bash .ci/run');
    expect(ci.jobs.test!.strategy!.matrix.include!.map((i) => i.os)).toEqual(['windows-latest', 'macos-latest']);
    const runs = ci.jobs.test!.steps.map((s) => s.run ?? '');
    for (const step of ['npm run typecheck', 'npm run lint', 'npx vitest run']) expect(runs).toContain(step);
    expect(ci.jobs.packaged!.strategy!.matrix.os).toEqual(['ubuntu-latest', 'windows-latest', 'macos-latest']);
    const packaged = ci.jobs.packaged!.steps.map((s) => s.run ?? '');
    expect(packaged.some((r) => r.includes('electron-builder --dir'))).toBe(true);
    expect(packaged.filter((r) => r.includes('vitest run test/packaged')).length).toBe(2);
  });
});

describe('parts per OS', () => {
  it('Linux lacks none; Windows lacks ptys, POSIX signals and gnome-keyring; macOS lacks only gnome-keyring', () => {
    const lacking = (os: NodeJS.Platform) => (['ptys', 'signals', 'gnome-keyring'] as const).filter((p) => missingPart(p, os) !== null);
    expect(lacking('linux')).toEqual([]);
    expect(lacking('win32')).toEqual(['ptys', 'signals', 'gnome-keyring']);
    expect(lacking('darwin')).toEqual(['gnome-keyring']);
  });
});
