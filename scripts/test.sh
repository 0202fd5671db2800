#!/usr/bin/env bash
# The README's test command: sets up a fresh machine (scripts/setup.sh), checks the packages'
# publishing metadata and types, runs every test project, and ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }

PNPM="npx -y pnpm@12.4.2"
command -v pnpm >/dev/null 2>&1 && [ "$(pnpm --version)" = 12.4.2 ] && PNPM=pnpm

failed_checks=0
echo "== typecheck"
$PNPM run typecheck || failed_checks=$((failed_checks + 1))
echo "== package checks (publint --strict, attw --pack)"
$PNPM run check:packages || failed_checks=$((failed_checks + 1))
echo "== API reference (typedoc → docs/api)"
$PNPM run docs:api || failed_checks=$((failed_checks + 1))

echo "== tests"
mkdir -p .tmp
rm -f .tmp/vitest.json
npx vitest run --reporter=default --reporter=json --outputFile.json=.tmp/vitest.json
vitest_status=$?

node scripts/summarize-tests.mjs .tmp/vitest.json "$failed_checks" "$vitest_status"
