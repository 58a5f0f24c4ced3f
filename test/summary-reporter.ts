// Prints the plain closing line CI reads ("N passed, N failed, N skipped") after Vitest's own summary,
// and adds the counts to $TAXPOYNT_TEST_TALLY when set, so scripts/test.sh can total several runs.
import { appendFileSync } from 'node:fs';
import type { Reporter, TestModule } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const mod of testModules) {
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
      if (mod.state() === 'failed' && !mod.children.size) failed++;
    }
    process.stdout.write(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
    const tally = process.env.TAXPOYNT_TEST_TALLY;
    if (tally) appendFileSync(tally, `${passed} ${failed} ${skipped}\n`);
  }
}
