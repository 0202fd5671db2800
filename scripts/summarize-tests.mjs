// Prints the closing "N passed, N failed" line from vitest's JSON report, counting failed
// pre-test checks (typecheck, package checks) as failures, and exits non-zero on any failure.
import { existsSync, readFileSync } from 'node:fs';

const [reportPath, failedChecksArg = '0', vitestStatusArg = '0'] = process.argv.slice(2);
const failedChecks = Number(failedChecksArg);
const vitestStatus = Number(vitestStatusArg);

let passed = 0;
let failed = 0;
let skipped = 0;
if (reportPath && existsSync(reportPath)) {
  const report = JSON.parse(readFileSync(reportPath, 'utf8'));
  passed = report.numPassedTests ?? 0;
  failed = report.numFailedTests ?? 0;
  skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  // A suite that fails to load has no failed tests but a failed file: count it.
  for (const file of report.testResults ?? []) {
    if (file.status === 'failed' && (file.assertionResults ?? []).every((a) => a.status !== 'failed')) failed++;
  }
} else {
  failed++;
}
failed += failedChecks;
if (vitestStatus !== 0 && failed === 0) failed = 1;
if (passed === 0 && failed === 0) failed = 1; // ran no test: that is a failure too
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
