#!/usr/bin/env bash
# make release-check: a snapshot release through .goreleaser.yml as it is,
# installed and used as a user would (internal/cmd/releasecheck). For time,
# RELEASE_CHECK_VERSION tells the configuration (see its builds) to build
# linux_amd64 only and to stamp the snapshot with that version; every other
# step (hooks, archives, checksums with the manifest, signing) is a
# release's, signed with a throwaway GPG key made for the check. The output
# goes to goreleaser's dist/ (ignored by git; cleared first by --clean, and
# removed after unless KEEP_RELEASE_CHECK is set). goreleaser is installed
# once at a pinned version. This is a release gate: whatever is missing
# fails it, with the reason.
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
trap 'gpgconf --kill all >/dev/null 2>&1 || true; [ -n "${KEEP_RELEASE_CHECK:-}" ] || rm -rf "$work" dist' EXIT
mkdir -m 700 "$GNUPGHOME"
gpg --batch --quiet --passphrase '' --quick-gen-key "clientcreds release check <release-check@example.invalid>" ed25519 sign 1d
GPG_FINGERPRINT=$(gpg --with-colons --list-secret-keys | awk -F: '/^fpr:/ {print $10; exit}')
export GPG_FINGERPRINT

export RELEASE_CHECK_VERSION=$check_version
echo "release-check: goreleaser release --snapshot --clean, RELEASE_CHECK_VERSION=$check_version (linux_amd64)"
"$gr" release --snapshot --clean > "$work/goreleaser.log" 2>&1 ||
  { cat "$work/goreleaser.log"; fail "goreleaser release --snapshot failed"; }
built=$(cd dist && ls -- *.zip)
[ "$built" = "terraform-provider-clientcreds_${check_version}_linux_amd64.zip" ] ||
  fail "with RELEASE_CHECK_VERSION set, .goreleaser.yml should build one linux_amd64 zip; dist/ holds: $built"
# The token server ships in an archive of its own, signed on its own.
server="dist/clientcreds-token-server_${check_version}_linux_amd64.tar.gz"
[ -f "$server" ] && [ -f "$server.sig" ] || fail "the token server's archive or its signature is missing: $(ls dist)"
gpg --batch --quiet --verify "$server.sig" "$server" 2>/dev/null || fail "the token server's archive signature does not verify"
tar -xzf "$server" -C "$work" clientcreds-token-server || fail "the token server's archive holds no clientcreds-token-server"
rc=0; "$work/clientcreds-token-server" -no-such-flag >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "the released token server does not refuse an unknown flag with exit code 2 (got $rc)"
go run ./internal/cmd/releasecheck -dist "$PWD/dist" -version "$check_version" -terraform "$tf" -tofu "$tofu"
