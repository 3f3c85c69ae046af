#!/usr/bin/env bash
# make testacc-tofu: the acceptance tests against OpenTofu 1.12.6, built once
# from the Go module proxy (scripts/tofu.sh) and reused. Two settings let
# terraform-plugin-testing drive OpenTofu: the reattached provider's address
# must be on registry.opentofu.org (OpenTofu refuses the legacy "-"
# namespace elsewhere), and a CLI configuration file must exist (OpenTofu
# warns on standard output about a missing one, which breaks the version
# check). Tests that cannot run on OpenTofu skip with their reason, listed.
set -uo pipefail
cd "$(dirname "$0")/.."
tofu=$(./scripts/tofu.sh) || exit 1
echo "tofu: $(TF_CLI_CONFIG_FILE=/dev/null "$tofu" version | grep -m1 "^OpenTofu") at $tofu"
rc=$(mktemp)
trap 'rm -f "$rc"' EXIT
TF_ACC=1 TF_ACC_TERRAFORM_PATH="$tofu" TF_ACC_PROVIDER_HOST=registry.opentofu.org TF_CLI_CONFIG_FILE="$rc" \
  CHECKPOINT_DISABLE=1 go test -count=1 -json -parallel 4 -timeout 30m ./internal/provider 2>&1 |
  go run ./internal/cmd/testsummary -label tofu
