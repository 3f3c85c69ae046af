#!/usr/bin/env bash
# The testing guide's examples, run as a user runs them (make test calls
# this): for Terraform and OpenTofu each,
#   - examples/testing/*/tests: terraform test / tofu test with a mocked
#     clientcreds provider (no server, no secret);
#   - examples/testing/*/live: the same modules against
#     clientcreds-token-server on loopback, started here from its env file,
#     and, through the server's /stats, that the ephemeral example's
#     revoke_on_close revoked its token;
#   - what a mocked provider does with an ephemeral resource, which the guide
#     states (Terraform refuses it; OpenTofu makes up values);
# then the Go module examples/acceptance, which imports only public packages.
# The provider is built once and installed through a dev_overrides CLI
# configuration, so nothing is downloaded. OpenTofu comes from
# scripts/tofu.sh (built once from the Go module proxy).
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
tf=${TERRAFORM:-$(command -v terraform || true)}
[ -n "$tf" ] || { echo "test-examples: no terraform on PATH" >&2; exit 1; }
tofu=$(./scripts/tofu.sh) || { echo "test-examples: OpenTofu could not be built" >&2; exit 1; }

work=$(mktemp -d)
server=
cleanup() {
  if [ -n "$server" ]; then kill -TERM "$server" 2>/dev/null; wait "$server" 2>/dev/null; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail=0
step() { echo "==> $*"; }

step "building the provider and clientcreds-token-server"
go build -o "$work/bin/terraform-provider-clientcreds" . &&
  go build -o "$work/clientcreds-token-server" ./cmd/clientcreds-token-server || exit 1
cat > "$work/cli.tfrc" <<RC
provider_installation {
  dev_overrides {
    "clientcreds/clientcreds" = "$work/bin"
  }
  direct {}
}
RC
export TF_CLI_CONFIG_FILE=$work/cli.tfrc CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1

# The server, as the guide starts it: a client whose secret is in the
# environment, an ODC-style issuer path, and an env file once it listens.
EXAMPLE_SECRET=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
EXAMPLE_SECRET=$EXAMPLE_SECRET "$work/clientcreds-token-server" -client app=env:EXAMPLE_SECRET \
  -issuer-path /identity -env-file "$work/server.env" >/dev/null 2>"$work/server.log" &
server=$!
for _ in $(seq 100); do [ -s "$work/server.env" ] && break; sleep 0.1; done
[ -s "$work/server.env" ] || { cat "$work/server.log"; echo "test-examples: the token server did not start" >&2; exit 1; }
# shellcheck disable=SC1091
. "$work/server.env"
export TF_VAR_issuer=$CLIENTCREDS_ISSUER TF_VAR_client_id=$CLIENTCREDS_CLIENT_ID \
  TF_VAR_api_url=${CLIENTCREDS_ISSUER%/identity} TF_VAR_response_file=$work/whoami.json
# The server's count of revoked tokens, from its compact /stats JSON (no jq).
revocations() {
  curl -fsS "$CLIENTCREDS_STATS_URL" | sed -n 's/.*"revocations":\([0-9][0-9]*\).*/\1/p'
}

for tool in "$tf" "$tofu"; do
  name=$(basename "$tool")
  for dir in examples/testing/*/; do
    dir=${dir%/}
    if [ -d "$dir/tests" ]; then
      step "$name test: $dir (mocked provider)"
      "$tool" -chdir="$dir" test -no-color || fail=1
    fi
    if [ -d "$dir/live" ]; then
      step "$name test: $dir (against clientcreds-token-server)"
      before=$(revocations)
      "$tool" -chdir="$dir" test -test-directory=live -no-color || fail=1
      # The ephemeral token has revoke_on_close: closing it must revoke it,
      # which no assertion can see (Terraform closes it before asserting).
      if [ "$dir" = examples/testing/ephemeral-client ]; then
        after=$(revocations)
        if [ -n "$before" ] && [ -n "$after" ] && [ "$after" -gt "$before" ]; then
          echo "the server revoked $((after - before)) token(s) as the ephemeral token closed"
        else
          echo "test-examples: $name: revoke_on_close revoked nothing (server revocations ${before:-?} before the run, ${after:-?} after)" >&2
          fail=1
        fi
      fi
    fi
  done

  # What the guide says a mock does with an ephemeral resource.
  step "$name test: an ephemeral resource under mock_provider"
  eph=$work/ephemeral-$name
  mkdir -p "$eph/tests"
  cp examples/testing/ephemeral-client/main.tf "$eph/"
  printf 'mock_provider "clientcreds" {}\nrun "mocked" {\n  command = plan\n}\n' > "$eph/tests/mocked.tftest.hcl"
  out=$(TF_VAR_issuer=https://idp.example.com TF_VAR_api_url=https://api.example.com "$tool" -chdir="$eph" test -no-color 2>&1)
  rc=$?
  case "$name:$rc" in
    terraform:1) grep -q "No ephemeral resource types in mock providers" <<<"$out" &&
      echo "terraform refuses it, as the guide says" || { echo "$out"; fail=1; } ;;
    tofu:0) echo "tofu runs it with made-up values, as the guide says" ;;
    *) echo "$out"; echo "test-examples: $name no longer does what the testing guide says about ephemeral resources under mocks; update templates/guides/testing.md.tmpl" >&2; fail=1 ;;
  esac
done

step "clientcreds-token-server stats"
curl -fsS "$CLIENTCREDS_STATS_URL" 2>/dev/null || true
echo

step "examples/acceptance (a separate Go module using only public packages)"
(cd examples/acceptance && go vet ./... && go mod tidy -diff &&
  TF_ACC=1 TF_ACC_TERRAFORM_PATH="$tf" go test -count=1 ./...) || fail=1

exit $fail
