#!/usr/bin/env bash
# make demo: build the provider, start the local authorization server, run
# terraform against examples/demo offline through a dev_overrides CLI config,
# show the token's metadata (never the token), and stop the server.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=$root/.demo
rm -rf "$work" && mkdir -p "$work/bin" "$work/run"

command -v terraform >/dev/null || { echo "demo: terraform is not on PATH" >&2; exit 1; }
echo "==> building the provider, the token server and the demo's API client"
go build -o "$work/bin/terraform-provider-clientcreds" .
go build -o "$work/clientcreds-token-server" ./cmd/clientcreds-token-server
go build -o "$work/apicall" ./internal/cmd/apicall

# A fresh secret each run; it only ever reaches the server and the provider.
DEMO_CLIENT_SECRET=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
export DEMO_CLIENT_SECRET TF_VAR_client_secret=$DEMO_CLIENT_SECRET

# The project's token server, as CI would run it: the issuer below a path,
# as OutSystems ODC publishes it, and one client whose secret it reads from
# the environment.
"$work/clientcreds-token-server" -issuer-path /identity -client demo-client=env:DEMO_CLIENT_SECRET \
  -issuer-file "$work/issuer" >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 50); do [ -s "$work/issuer" ] && break; sleep 0.1; done
[ -s "$work/issuer" ] || { echo "demo: the server did not start" >&2; exit 1; }
issuer=$(cat "$work/issuer")
base=${issuer%/identity}

cat > "$work/terraformrc" <<RC
provider_installation {
  dev_overrides {
    "clientcreds/clientcreds" = "$work/bin"
  }
  direct {}
}
RC
export TF_CLI_CONFIG_FILE=$work/terraformrc TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
cp examples/demo/main.tf "$work/run/"

echo "==> terraform apply against $issuer"
terraform -chdir="$work/run" apply -auto-approve -input=false -no-color \
  -var "issuer=$issuer" -var "api_url=$base/api/whoami" -var "api_client=$work/apicall" >"$work/apply.log" 2>&1 ||
  { cat "$work/apply.log"; exit 1; }
# Drop the dev_overrides notice; keep what Terraform did.
sed '/^Warning: Provider development overrides/,/^releases\.$/d; /^$/d' "$work/apply.log"

echo "==> token metadata (terraform output)"
terraform -chdir="$work/run" output -no-color token
echo "==> the protected API's answer to the ephemeral token"
cat "$work/run/api-response.txt"
echo
# The data source keeps its arguments, client_secret included, in state (the
# ephemeral resource does not); what Terraform printed must never hold it.
if grep -qF "$DEMO_CLIENT_SECRET" "$work/apply.log"; then
  echo "demo: the client secret appeared in Terraform's output" >&2; exit 1
fi
echo "==> the token server's counts (/stats)"
"$work/apicall" "$base/stats"
echo
