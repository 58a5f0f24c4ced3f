// After tsc: make the CLI executable (npm links it as `taxpoynt-bridge`), and turn the preload into the
// classic script a sandboxed Electron preload must be (no ES module syntax: tsc leaves a trailing `export {}`).
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';

const cli = new URL('../dist/main/cli.js', import.meta.url);
if (existsSync(cli)) chmodSync(cli, 0o755);

const preload = new URL('../dist/preload/index.js', import.meta.url);
if (existsSync(preload)) {
  const script = readFileSync(preload, 'utf8').replace(/^export \{\};\s*$/m, '');
  if (/^\s*(import|export)\s/m.test(script)) throw new Error('dist/preload/index.js still has ES module syntax: a sandboxed preload cannot load it');
  writeFileSync(new URL('../dist/preload/index.cjs', import.meta.url), script);
}
