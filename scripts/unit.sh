#!/usr/bin/env bash
# make unit: the fast edit-test loop. Every test except the acceptance tests
# (named TestAcc*: they drive the terraform CLI), so no Terraform is needed;
# no -race, and Go's test cache is left on, so an unchanged package costs
# nothing. The acceptance tests are not run at all (-skip), rather than
# run and skipped for want of TF_ACC, so the closing line counts only tests
# that ran; what does skip is listed with its reason. A test that asks for
# TF_ACC but is not named TestAcc* fails the run: it would otherwise be
# counted here as a skip. -short skips, naming why, the tests that start a
# Redis cluster or Sentinel topology (seconds each); make test runs them.
# PKG narrows the packages (PKG=./internal/oauth).
set -uo pipefail
cd "$(dirname "$0")/.."
unset TF_ACC TF_ACC_TERRAFORM_PATH
out=$(mktemp)
trap 'rm -f "$out"' EXIT
# shellcheck disable=SC2086 # PKG may name several packages
go test -short -skip '^TestAcc' -json ${PKG:-./...} 2>&1 | go run ./internal/cmd/testsummary -label unit | tee "$out"
rc=$?
if grep -q '^!!! .*TF_ACC' "$out"; then
  echo "unit: a test above skipped for want of TF_ACC: name it TestAcc* so that make unit leaves it to make test" >&2
  rc=1
fi
exit $rc
