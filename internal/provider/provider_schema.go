package provider

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/tokencache"
)

func (p *Provider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Obtains OAuth 2.0 client-credentials access tokens (RFC 6749 §4.4) while Terraform plans, " +
			"for use in other resources and providers. Every attribute is optional: `provider \"clientcreds\" {}` " +
			"is a complete configuration. The settings here are the transport policy for every request the provider makes.",
		Attributes: map[string]schema.Attribute{
			"request_timeout": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Longest wait for one HTTP attempt, connection to last byte, as a Go duration. Defaults to " + durationDoc(oauth.DefaultRequestTimeout) + ".",
				Validators:          []validator.String{durationValidator{}},
			},
			"max_retries": schema.Int64Attribute{
				Optional: true,
				MarkdownDescription: "How many times a transient failure (connection error, HTTP 429, 5xx other than 501) is retried, " +
					"with exponential backoff that honours `Retry-After`. Other 4xx answers are never retried. `0` disables retries. " +
					fmt.Sprintf("Defaults to `%d`.", oauth.DefaultMaxRetries),
				Validators: []validator.Int64{int64validator.Between(0, 10)},
			},
			"retry_wait_min": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Shortest wait between attempts, as a Go duration. Defaults to " + durationDoc(oauth.DefaultRetryWaitMin) + ".",
				Validators:          []validator.String{durationValidator{}},
			},
			"retry_wait_max": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Longest backoff between attempts, as a Go duration. A server's `Retry-After` may ask for more, up to `retry_budget`. " +
					"Defaults to " + durationDoc(oauth.DefaultRetryWaitMax) + ".",
				Validators: []validator.String{durationValidator{}},
			},
			"retry_budget": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Bound on one discovery or token request, all attempts and waits included, as a Go duration. " +
					"A `Retry-After` beyond what is left of it ends the retries at once. Defaults to " + durationDoc(oauth.DefaultRetryBudget) + ".",
				Validators: []validator.String{durationValidator{}},
			},
			"ca_cert_pem": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "PEM certificates of extra certificate authorities to trust, added to the system's roots. Conflicts with `ca_cert_file`.",
				Validators:          []validator.String{stringvalidator.ConflictsWith(path.MatchRoot("ca_cert_file"))},
			},
			"ca_cert_file": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Path of a PEM file of extra certificate authorities to trust, added to the system's roots.",
			},
			"allow_insecure_http": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "Allow plain `http://` endpoints on hosts other than loopback. Credentials and tokens would cross " +
					"the network unencrypted. `http://` to `localhost`, `127.0.0.0/8` and `[::1]` is always allowed, and never goes " +
					"through a proxy; names under `.localhost` are not loopback. Defaults to `false`.",
			},
			"client_certificate_pem": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "PEM client certificate for mutual TLS (`tls_client_auth`, `self_signed_tls_client_auth`), used by " +
					"every token read that sets no `certificate_pem` or `certificate_file` of its own. Conflicts with `client_certificate_file`.",
				Validators: []validator.String{stringvalidator.ConflictsWith(path.MatchRoot("client_certificate_file"))},
			},
			"client_certificate_file": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Path of a PEM file holding the mutual TLS client certificate; otherwise as `client_certificate_pem`.",
			},
			"client_private_key_pem": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				MarkdownDescription: "PEM private key of `client_certificate_pem`. Sensitive. At most one of `client_private_key_pem`, " +
					"`client_private_key_file` and `client_private_key_env`.",
				Validators: oneFormOf("client_private_key_pem", providerKeyForms),
			},
			"client_private_key_file": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: secretFileDesc("the private key of the mutual TLS client certificate"),
				Validators:          oneFormOf("client_private_key_file", providerKeyForms),
			},
			"client_private_key_env": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: secretEnvDesc("the private key of the mutual TLS client certificate"),
				Validators:          oneFormOf("client_private_key_env", providerKeyForms),
			},
		},
		Blocks: map[string]schema.Block{
			"cache": schema.SingleNestedBlock{
				MarkdownDescription: "Keeps tokens on disk across Terraform runs, so that `plan` then `apply`, or a pipeline " +
					"running every few minutes, reuses one token until shortly before it expires. Off unless this block is " +
					"present or the `" + cacheDirEnv + "` environment variable names a directory. Each entry is encrypted " +
					"(AES-256-GCM) with a key derived from the client's own secret through Argon2id, so only a run holding the same secret " +
					"can read it. An entry is kept for the token's lifetime and at most " + durationDoc(tokencache.MaxAge) + ". The trade-off: a valid token is stored on disk " +
					"(encrypted), and revoking a client secret does not reach tokens already issued. Ephemeral resources with `revoke_on_close` never use it.",
				Attributes: map[string]schema.Attribute{
					"directory": schema.StringAttribute{
						Optional: true,
						MarkdownDescription: "Directory of the cache, created with mode 0700 if missing. It must be owned by the user " +
							"running Terraform, must not be a symbolic link, and must give no access to group or others; every directory above it must " +
							"be writable only by root or that user (or be sticky, as `/tmp` is). Defaults to `" + cacheDirEnv + "`.",
					},
					"min_remaining": schema.StringAttribute{
						Optional: true,
						MarkdownDescription: "Lifetime a kept token must have left to be reused, as a Go duration; for tokens " +
							"shorter than twice this, half their lifetime. Also applies to tokens shared within one run. Defaults to " +
							durationDoc(oauth.DefaultMinRemaining) + ".",
						Validators: []validator.String{durationValidator{}},
					},
				},
			},
		},
	}
}

// durationDoc writes a default duration as a user writes it: `30s`, `2m`,
// `24h`, from the constant the code uses, so the docs cannot drift.
func durationDoc(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return "`" + s + "`"
}
