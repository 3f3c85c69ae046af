#!/usr/bin/env bash
# Fails when docs/ is not what tfplugindocs generates from the schemas,
# templates/ and examples/ (it regenerates docs/ as it checks).
set -euo pipefail
cd "$(dirname "$0")/.."
before=$(mktemp -d)
trap 'rm -rf "$before"' EXIT
cp -r docs/. "$before/" 2>/dev/null || true
go generate ./... >/dev/null
if ! diff -r -q "$before" docs >/dev/null; then
  diff -r -u "$before" docs | head -40 || true
  echo "docs-check: docs/ was stale; it has been regenerated: review and commit it" >&2
  exit 1
fi
echo "docs-check: docs/ is up to date"
