#!/usr/bin/env bash
# make test: static checks (gofmt, go vet, go mod tidy, golangci-lint), every
# unit and acceptance test against the real terraform CLI, bounded fuzzing,
# and the stale-docs check. Prints every skipped test with its reason and a
# closing "N passed, N failed, N skipped" line. No test asserts a wall-clock
# bound, so a busy machine makes it slower, never red.
set -uo pipefail
cd "$(dirname "$0")/.."

tf=${TERRAFORM:-$(command -v terraform || true)}
if [ -z "$tf" ]; then
  echo "test: no terraform on PATH; acceptance tests need one (.ci/run builds v1.5.7 when missing)" >&2
  exit 1
fi
export TF_ACC=1 TF_ACC_TERRAFORM_PATH=$tf CHECKPOINT_DISABLE=1
# terraform-plugin-testing must never download Terraform: there is one above.
unset TF_ACC_TERRAFORM_VERSION
echo "test: terraform $("$tf" version -json | sed -n 's/.*"terraform_version": *"\([^"]*\)".*/\1/p') at $tf"

fail=0
step() { echo "==> $*"; }

step "gofmt"
bad=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
[ -z "$bad" ] || { echo "gofmt would change: $bad"; fail=1; }
step "go vet"
go vet ./... || fail=1
step "go mod tidy -diff"
go mod tidy -diff || fail=1
step "golangci-lint"
./scripts/lint.sh || fail=1
step "terraform fmt -check examples"
"$tf" fmt -check -recursive examples || fail=1

step "test tools (scripts/install-test-tools.sh)"
./scripts/install-test-tools.sh || echo "test: test tools could not be installed; the tests that need them skip, naming them"

step "go test -race (unit and acceptance)"
summary=$(mktemp)
# Acceptance tests own their servers and run in parallel; they mostly wait on
# terraform, so four at a time pays on two cores. testsummary shows package
# results, failures, what tests log, and keeps the closing summary for last.
go build -o "$summary.bin" ./internal/cmd/testsummary || fail=1
go test -race -count=1 -json -parallel 4 -timeout 30m ./... 2>&1 | "$summary.bin" -label tests -summary "$summary" || fail=1

# Fuzz every target that `go test -list '^Fuzz'` finds, for a bounded number
# of executions each; a crasher is saved under the package's testdata/fuzz
# and fails the run. A count, not a duration: with -fuzztime 10s Go 1.26's
# fuzz coordinator can fail a target with "context deadline exceeded" and no
# crasher when the deadline races a busy worker (golang/go#75804, fixed in
# Go 1.27).
step "go test -list '^Fuzz' ./..."
# One line per package with fuzz targets: the import path, then the targets
# (-race: the test binaries are the ones the run above built).
fuzz=$(go test -race -list '^Fuzz' ./... | awk '/^Fuzz/ { names = names " " $1 } /^(ok|FAIL)[ \t]/ { if (names != "") print $2 names; names = "" }') || fail=1
[ -n "$fuzz" ] || { echo "test: go test -list found no fuzz target"; fail=1; }
while read -r pkg targets; do
  for target in $targets; do
    step "fuzz $target in ${pkg#*/internal/} (${FUZZTIME:-10000x})"
    out=$(go test -run '^$' -parallel 1 -fuzz "^$target\$" -fuzztime "${FUZZTIME:-10000x}" "$pkg" 2>&1) &&
      echo "$out" | tail -2 || { echo "$out"; fail=1; }
  done
done <<< "$fuzz"

# Every Go benchmark once (-benchtime 1x): a benchmark measures, and is not
# a test, but one that no longer runs leaves make bench without its figures
# (a benchmark had gone unrun since the sanitiser's registry became the
# client's, and crashed on a nil one).
step "go test -bench . -benchtime 1x (benchmarks still run)"
out=$(go test -run '^$' -bench . -benchtime 1x ./... 2>&1) || { echo "$out" | grep -v '^Benchmark'; fail=1; }

step "docs check"
./scripts/docs-check.sh || fail=1
step "examples: terraform test and tofu test, the token server, examples/acceptance"; ./scripts/test-examples.sh || fail=1

cat "$summary"
rm -f "$summary" "$summary.bin"
exit $fail
