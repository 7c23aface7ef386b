// Adds up the JSON reports of test/run.sh's vitest phases: the totals in
// vitest's own words, then, as the log's last line, the plain closing line CI
// counts tests by ("tests: N passed, N failed[, N skipped]"); CI does not read
// vitest's own summary. Exits 1 when a phase left no report (it crashed
// before reporting).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
const total = { files: 0, failedFiles: 0, passed: 0, failed: 0, skipped: 0 };
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
for (const file of files) {
  const report = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  total.files += report.testResults.length;
  total.failedFiles += report.testResults.filter((r) => r.status === 'failed').length;
  total.passed += report.numPassedTests;
  total.failed += report.numFailedTests;
  total.skipped += report.numPendingTests + (report.numTodoTests ?? 0);
}
const expected = 4;
console.log(`\n[npm test] all ${files.length} of ${expected} vitest phases reported`);
console.log(`[npm test] Test Files  ${total.failedFiles ? `${total.failedFiles} failed | ` : ''}${total.files - total.failedFiles} passed (${total.files})`);
console.log(`[npm test]      Tests  ${total.failed ? `${total.failed} failed | ` : ''}${total.passed} passed${total.skipped ? ` | ${total.skipped} skipped` : ''} (${total.passed + total.failed + total.skipped})`);
console.log(`tests: ${total.passed} passed, ${total.failed} failed${total.skipped ? `, ${total.skipped} skipped` : ''}`);
process.exit(files.length === expected ? 0 : 1);
