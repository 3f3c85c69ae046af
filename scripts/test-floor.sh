#!/usr/bin/env bash
# make testacc-floor: the acceptance tests against Terraform 1.5.7, the oldest
# version the provider supports. The binary is built once with go install
# (newer releases do not build from the module proxy) into the Go bin
# directory and reused. Tests that need a newer Terraform (1.8 for provider
# functions, 1.10 for ephemeral resources) skip there, and are listed with
# their reasons; the data sources must pass.
set -uo pipefail
cd "$(dirname "$0")/.."
gobin="$(go env GOPATH)/bin/terraform-1.5.7"
tf="$gobin/terraform"
if ! "$tf" version 2>/dev/null | grep -q "Terraform v1.5.7"; then
  echo "floor: building Terraform v1.5.7 into $gobin (once; several minutes)"
  GOBIN="$gobin" go install github.com/hashicorp/terraform@v1.5.7 || exit 1
fi
echo "floor: $("$tf" version | head -1) at $tf"
TF_ACC=1 TF_ACC_TERRAFORM_PATH="$tf" CHECKPOINT_DISABLE=1 go test -count=1 -json -parallel 4 -timeout 30m ./internal/provider 2>&1 |
  go run ./internal/cmd/testsummary -label floor
