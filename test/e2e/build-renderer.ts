// Global set-up of the e2e suite: builds the renderer into renderer/dist when it is missing or older than its sources.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

function newest(dir: string): number {
  let t = 0;
  for (const f of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, f.name);
    t = Math.max(t, f.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

export default function setup(): void {
  // The supervised-engine test forks the built engine child.
  if (!existsSync(join(root, 'dist/main/engine/child.js'))) {
    const b = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
    if (b.status !== 0) throw new Error('`npm run build` failed: the e2e suite needs dist/main/engine/child.js');
  }
  const built = join(root, 'renderer/dist/index.html');
  const sources = Math.max(newest(join(root, 'renderer/src')), statSync(join(root, 'renderer/index.html')).mtimeMs, statSync(join(root, 'preload/api.ts')).mtimeMs);
  if (existsSync(built) && statSync(built).mtimeMs >= sources) return;
  const r = spawnSync(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'renderer/vite.config.ts', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } });
  if (r.status !== 0) throw new Error('the renderer did not build: run `npx vite build --config renderer/vite.config.ts` to see why');
}
