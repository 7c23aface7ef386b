#!/bin/sh
# `npm test` after bootstrap: the type check and the lint, then every test, in
# four vitest runs one after the other, because vitest starts the global setup
# of every project it runs before any test, and the local stack and the two
# compose stacks must not be up at once on a 2-core machine:
#   0. npm run typecheck   every workspace, test/ and bench/
#      npm run lint        typescript-eslint on the same TypeScript (eslint.config.js)
#   1. unit + stack   the code, then the local stack `npm start` runs
#   2. containers     the compose deployment on one host (a Docker engine the suite starts)
#   3. scale-out      the 4-node MinIO layout with replicas, and its faults
#   4. logs           every log the three stacks wrote, scanned for secrets
# A phase that fails does not stop the next; the exit status says whether all passed.
# Output is plain text (NO_COLOR): a CI log is read by people and by programs
# that count the tests, and colour codes between "Tests" and "passed" hide the
# counts from the latter. Each phase also writes vitest's JSON report; the
# last lines add them up, the very last in the plain form CI reads
# ("tests: N passed, N failed"), since CI knows no vitest summary. CI also
# reads other runners' closing lines wherever they stand: nothing a test prints
# may look like one (schemathesis's report ends on pytest's "=== … in 3.64s ===",
# which made two passing runs count as running no test; see schemathesis.test.ts).
cd "$(dirname "$0")/.."
export NO_COLOR=1
results=.vidgate/test-results
rm -rf "$results" && mkdir -p "$results"
status=0
phase() { # name, vitest arguments...
    name=$1; shift
    start=$(date +%s)
    printf '\n[npm test] %s: vitest run %s\n' "$name" "$*"
    npx vitest run --reporter=default --reporter=json --outputFile.json="$results/$(printf %s "$name" | tr -c 'a-z0-9' '-').json" "$@" || status=1
    printf '[npm test] %s: %s s\n' "$name" "$(( $(date +%s) - start ))"
}
all=$(date +%s)
start=$(date +%s)
printf '[npm test] type check\n'
npm run --silent typecheck || status=1
printf '[npm test] type check: %s s\n' "$(( $(date +%s) - start ))"
start=$(date +%s)
printf '[npm test] lint\n'
npm run --silent lint || status=1
printf '[npm test] lint: %s s\n' "$(( $(date +%s) - start ))"
phase "unit and local stack" --project unit --project stack
phase "compose, one host" --project containers
phase "compose, scale-out" --project scale-out
phase "logs of every stack" --project logs
totals=$(node test/support/sum-results.mjs "$results") || status=1
printf '\n[npm test] all phases: %s s; %s\n' "$(( $(date +%s) - all ))" "$([ $status -eq 0 ] && echo passed || echo FAILED)"
printf '%s\n' "$totals"
exit $status
