// `npm run bench`: runs every bench/*.js module (each exports `run(): Promise<BenchReport>`) and prints its figures; a module that exports `optIn` (the soak) runs only when named.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { formatReport, type BenchReport } from './report.js';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);

const modules = readdirSync(here)
  .filter((f) => f.endsWith('.js') && !['run.js', 'report.js'].includes(f))
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
  .sort();

let failed = 0;
for (const file of modules) {
  const mod = (await import(pathToFileURL(join(here, file)).href)) as { run?: () => Promise<BenchReport | BenchReport[]>; optIn?: boolean };
  if (typeof mod.run !== 'function') continue;
  if (mod.optIn && only.length === 0) continue;
  try {
    const reports = await mod.run();
    for (const r of Array.isArray(reports) ? reports : [reports]) console.log(formatReport(r) + '\n');
  } catch (err) {
    failed++;
    console.log(`## ${file}\n  failed: ${(err as Error).stack ?? err}\n`);
  }
}
process.exitCode = failed ? 1 : 0;
