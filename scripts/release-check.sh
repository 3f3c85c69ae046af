#!/usr/bin/env bash
# make release-check: a snapshot release through the real .goreleaser.yml,
# installed and used as a user would (internal/cmd/releasecheck). For time,
# the configuration is derived at run time with the build narrowed to
# linux_amd64 and a fixed snapshot version; every other step (hooks,
# archives, checksums with the manifest, signing) is the real one's, signed
# with a throwaway GPG key made for the check. goreleaser is installed once
# at a pinned version. This is a release gate: whatever is missing fails it,
# with the reason.
set -euo pipefail
cd "$(dirname "$0")/.."
gr_version=2.15.1
check_version=0.0.1 # what the snapshot is stamped with
fail() { echo "release-check: FAILED: $*" >&2; exit 1; }

gobin="$(go env GOPATH)/bin/goreleaser-$gr_version"
gr="$gobin/goreleaser"
if ! "$gr" --version 2>/dev/null | grep -q "GitVersion: *v$gr_version\b\|$gr_version"; then
  echo "release-check: installing goreleaser v$gr_version (once; about four minutes)"
  GOBIN="$gobin" go install "github.com/goreleaser/goreleaser/v2@v$gr_version" ||
    fail "goreleaser v$gr_version could not be installed from the Go module proxy"
fi
command -v gpg >/dev/null || fail "gpg is not installed (Debian's gnupg package; .ci/run installs it)"
tf=${TERRAFORM:-$(command -v terraform || true)}
[ -n "$tf" ] || fail "no terraform on PATH"
tofu=$(./scripts/tofu.sh) || fail "OpenTofu could not be built"

work=$(mktemp -d)
export GNUPGHOME=$work/gnupg
trap 'gpgconf --kill all >/dev/null 2>&1 || true; [ -n "${KEEP_RELEASE_CHECK:-}" ] || rm -rf "$work"' EXIT
mkdir -m 700 "$GNUPGHOME"
gpg --batch --quiet --passphrase '' --quick-gen-key "clientcreds release check <release-check@example.invalid>" ed25519 sign 1d
GPG_FINGERPRINT=$(gpg --with-colons --list-secret-keys | awk -F: '/^fpr:/ {print $10; exit}')
export GPG_FINGERPRINT

# The derived configuration: the real one with linux_amd64 only, its output
# in the work directory, and a fixed version (a release, not a prerelease,
# so that init picks it without a version constraint).
cfg=$work/goreleaser.yml
sed -e 's/^    goos: \[.*\]$/    goos: [linux]/' -e 's/^    goarch: \[.*\]$/    goarch: [amd64]/' \
  -e '/^    ignore:$/,/^        goarch: .*$/d' .goreleaser.yml > "$cfg"
printf 'dist: %s\nsnapshot:\n  version_template: "%s"\n' "$work/dist" "$check_version" >> "$cfg"
grep -q '^    goos: \[linux\]$' "$cfg" && grep -q '^    goarch: \[amd64\]$' "$cfg" && ! grep -q '^    ignore:' "$cfg" ||
  fail "the targets in .goreleaser.yml are no longer where this script narrows them; update scripts/release-check.sh"

echo "release-check: goreleaser release --snapshot (linux_amd64)"
"$gr" release --snapshot --clean --config "$cfg" > "$work/goreleaser.log" 2>&1 ||
  { cat "$work/goreleaser.log"; fail "goreleaser release --snapshot failed"; }
go run ./internal/cmd/releasecheck -dist "$work/dist" -version "$check_version" -terraform "$tf" -tofu "$tofu"
