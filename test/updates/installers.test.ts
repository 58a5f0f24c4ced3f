// electron-builder.yml against app-builder-lib's own scheme.json and the installer choices; the release workflow's jobs.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';

const repo = join(import.meta.dirname, '..', '..');
const read = (path: string) => readFileSync(join(repo, path), 'utf8');
const builder = yaml.load(read('electron-builder.yml')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const schemePath = join(repo, 'node_modules', 'app-builder-lib', 'scheme.json');

describe('electron-builder.yml', () => {
  it("is valid against app-builder-lib's scheme.json", () => {
    if (!existsSync(schemePath)) {
      throw new Error(`${schemePath} is missing: add electron-builder as a devDependency (npm i -D electron-builder) so the installer config can be validated.`);
    }
    const ajv = new Ajv({ allErrors: true, strict: false });
    const validate = ajv.compile(JSON.parse(readFileSync(schemePath, 'utf8')) as object);
    const valid = validate(builder);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('names the product and installs per machine on Windows, silently installable with /S, starting at login', () => {
    expect(builder.appId).toBe('com.taxpoynt.posbridge');
    expect(builder.productName).toBe('TaxPoynt POS Bridge');
    expect(builder.win.target.map((t: { target: string }) => t.target)).toEqual(['nsis']);
    expect(builder.nsis).toMatchObject({ perMachine: true, oneClick: true });
    const include = read(builder.nsis.include);
    expect(include).toMatch(/!macro customInstall[\s\S]*WriteRegStr HKLM "Software\\Microsoft\\Windows\\CurrentVersion\\Run"/);
    expect(include).toMatch(/!macro customUnInstall[\s\S]*DeleteRegValue HKLM/);
  });

  it('builds AppImage and a deb whose install adds a dialout service user and a systemd unit running `taxpoynt-bridge run`', () => {
    expect(builder.linux.target.map((t: { target: string }) => t.target)).toEqual(['AppImage', 'deb']);
    const after = read(builder.deb.afterInstall);
    expect(after).toMatch(/useradd --system[^\n]*taxpoynt/);
    expect(after).toMatch(/usermod -a -G dialout taxpoynt/);
    expect(after).toMatch(/systemctl enable taxpoynt-bridge\.service/);
    const unit = read('resources/linux/taxpoynt-bridge.service');
    expect(unit).toMatch(/^ExecStart=\/usr\/bin\/taxpoynt-bridge run$/m);
    expect(unit).toMatch(/^User=taxpoynt$/m);
    expect(unit).toMatch(/^SupplementaryGroups=dialout$/m);
    expect(unit).toMatch(/^WantedBy=multi-user\.target$/m);
    expect(builder.linux.extraResources).toContainEqual({ from: 'resources/linux', to: 'linux' });
  });

  it('uses only the macros electron-builder defines in the deb scripts (any other ${...} fails the build)', () => {
    for (const script of [builder.deb.afterInstall, builder.deb.afterRemove]) {
      const macros = [...read(script).matchAll(/\$\{([a-zA-Z]+)\}/g)].map((m) => m[1]);
      expect(macros.filter((m) => !['executable', 'sanitizedProductName', 'productFilename'].includes(m!))).toEqual([]);
    }
  });

  it('builds dmg and zip (the updater installs from the zip) with the hardened runtime and its entitlements', () => {
    expect(builder.mac.target.map((t: { target: string }) => t.target)).toEqual(['dmg', 'zip']);
    expect(builder.mac.hardenedRuntime).toBe(true);
    expect(builder.mac.entitlements).toBe('resources/entitlements.mac.plist');
    const plist = read(builder.mac.entitlements);
    expect(plist).toMatch(/<key>com\.apple\.security\.cs\.allow-jit<\/key>\s*<true\/>/);
    expect(plist).toMatch(/<key>com\.apple\.security\.cs\.disable-library-validation<\/key>\s*<true\/>/);
  });

  it('unpacks native modules from asar and rebuilds them for Electron', () => {
    expect(builder.asarUnpack).toEqual(expect.arrayContaining(['**/*.node', '**/node_modules/better-sqlite3-multiple-ciphers/**', '**/node_modules/keytar/**']));
    expect(builder.npmRebuild).toBe(true);
  });

  it('publishes to the generic provider at the update base URL per channel, always as latest*.yml', () => {
    expect(builder.publish).toEqual([expect.objectContaining({ provider: 'generic', url: '${env.TAXPOYNT_BRIDGE_UPDATE_URL}/${env.TAXPOYNT_RELEASE_CHANNEL}' })]);
    expect(builder.detectUpdateChannel).toBe(false);
  });

  it('commits no code-signing secret: certificates and passwords come from the environment', () => {
    const text = read('electron-builder.yml');
    expect(text).not.toMatch(/^\s*(cscLink|cscKeyPassword|certificateFile|certificatePassword|appleIdPassword|password)\s*:/im);
    expect(JSON.stringify(builder)).not.toMatch(/-----BEGIN|\.p12|\.pfx/i);
  });
});

describe('release workflow', () => {
  const workflow = yaml.load(read('.github/workflows/release.yml')) as {
    jobs: Record<string, { 'runs-on': string; needs?: string[]; steps: Array<{ run?: string; env?: Record<string, string> }> }>;
  };
  const platforms = ['windows', 'macos', 'ubuntu'] as const;

  it('builds each platform on its own runner', () => {
    const runners = Object.fromEntries(platforms.map((name) => [name, workflow.jobs[name]?.['runs-on']]));
    expect(runners).toEqual({ windows: 'windows-latest', macos: 'macos-latest', ubuntu: 'ubuntu-latest' });
    const flag = { windows: '--win', macos: '--mac', ubuntu: '--linux' } as const;
    for (const name of platforms) {
      const build = workflow.jobs[name]!.steps.find((s) => s.run?.includes('electron-builder'));
      expect(build?.run, name).toContain(flag[name]);
    }
  });

  it("smoke-tests each platform's installed app, and publishes only after all three passed", () => {
    for (const name of platforms) {
      const runs = workflow.jobs[name]!.steps.map((s) => s.run ?? '');
      const smoke = runs.findIndex((run) => run.includes('vitest run test/packaged') && run.includes('TAXPOYNT_PACKAGED_REQUIRED=1'));
      expect(smoke, name).toBeGreaterThan(runs.findIndex((run) => run.includes('electron-builder')));
      expect(runs.some((run) => run.includes('aws s3')), name).toBe(false);
    }
    expect(workflow.jobs.publish?.needs).toEqual([...platforms]);
  });

  it("uploads every platform's files and blockmaps before the latest*.yml feeds, into the channel folder", () => {
    const publish = workflow.jobs.publish!.steps.map((s) => s.run ?? '').find((run) => run.includes('aws s3 cp')) ?? '';
    for (const ext of ['.exe', '.dmg', '.zip', '.AppImage', '.deb', '.blockmap']) expect(publish).toContain(ext);
    expect(publish).toContain('$TAXPOYNT_RELEASE_CHANNEL/');
    expect(publish.indexOf('.blockmap')).toBeLessThan(publish.lastIndexOf('latest'));
  });

  it('signs with secrets from the repository settings, never inline', () => {
    const signing = Object.values(workflow.jobs).flatMap((job) => job.steps.flatMap((s) => Object.entries(s.env ?? {})));
    expect(signing.length).toBeGreaterThan(0);
    for (const [key, value] of signing) expect(value, key).toMatch(/^\$\{\{ secrets\.[A-Z_]+ \}\}$/);
  });
});
