#!/usr/bin/env bash
# make lint: golangci-lint at a pinned version, installed once into the Go bin
# directory from the module proxy (about two minutes) and reused after.
set -euo pipefail
cd "$(dirname "$0")/.."
version=v2.15.0
bin="$(go env GOPATH)/bin/golangci-lint"
if ! "$bin" version 2>/dev/null | grep -q "version ${version#v} "; then
  echo "lint: installing golangci-lint $version (once)"
  GOBIN="$(dirname "$bin")" go install "github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$version"
fi
"$bin" run ./...
