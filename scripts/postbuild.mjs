// After tsc: make the CLI executable (npm links it as `taxpoynt-bridge`).
import { chmodSync, existsSync } from 'node:fs';

const cli = new URL('../dist/main/cli.js', import.meta.url);
if (existsSync(cli)) chmodSync(cli, 0o755);
