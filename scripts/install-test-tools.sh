#!/usr/bin/env bash
# Installs the programs the tests start when they find them, and skip
# (naming this script) when they do not:
#   local-kms  the AWS KMS emulator, for the AWS KMS signing tests
#              (internal/signer, internal/provider TestAccSigningKeyAWSKMS*)
# Idempotent: an installed version is kept.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(go env GOBIN); [ -n "$bin" ] || bin=$(go env GOPATH | cut -d: -f1)/bin
mod=$(sed -n 's/^const Module = "\(.*\)"$/\1/p' internal/testkms/testkms.go)
if [ ! -x "$bin/local-kms" ] && ! command -v local-kms >/dev/null; then
  echo "install-test-tools: go install $mod"
  go install "$mod"
fi
