#!/usr/bin/env bash
# Prints the path of OpenTofu 1.12.6, building it once into the Go bin
# directory. OpenTofu cannot be installed with `go install` (its go.mod
# replaces HCL with OpenTofu's fork), so it is built from the Go module
# proxy through a throwaway module that requires the release and carries
# the same replace. Several minutes the first time; reused after.
set -euo pipefail
version=1.12.6
gobin="$(go env GOPATH)/bin/tofu-$version"
tofu="$gobin/tofu"
if ! "$tofu" version 2>/dev/null | grep -q "OpenTofu v$version$"; then
  echo "tofu: building OpenTofu v$version into $gobin (once; several minutes)" >&2
  mod=$(mktemp -d)
  trap 'rm -rf "$mod"' EXIT
  cat > "$mod/go.mod" <<MOD
module tofubuild

go 1.26.6

replace github.com/hashicorp/hcl/v2 v2.20.1 => github.com/opentofu/hcl/v2 v2.20.2-0.20251021132045-587d123c2828
MOD
  (cd "$mod" && go get "github.com/opentofu/opentofu/cmd/tofu@v$version" >&2 &&
    go build -ldflags "-X github.com/opentofu/opentofu/version.dev=no" -o "$tofu" github.com/opentofu/opentofu/cmd/tofu >&2)
fi
echo "$tofu"
