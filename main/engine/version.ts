// The bridge's own version, read from package.json (source tree or dist/).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

export function packageVersion(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'taxpoynt-pos-bridge' && pkg.version) return (cached = pkg.version);
    } catch {
      // not here: look one folder up (main/engine → repo root, or dist/main/engine → repo root)
    }
    dir = dirname(dir);
  }
  return (cached = '0.0.0');
}
