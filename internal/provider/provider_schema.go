package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/tokencache"
)

func (p *Provider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Obtains OAuth 2.0 client-credentials access tokens (RFC 6749 §4.4) while Terraform plans, " +
			"for use in other resources and providers. Every attribute is optional: `provider \"clientcreds\" {}` " +
			"is a complete configuration. The settings here are the transport policy for every request the provider makes.",
		Attributes: withAttributes(map[string]schema.Attribute{
			"request_timeout": durationAttr("Longest wait for one HTTP attempt, connection to last byte, as a Go duration.",
				oauth.DefaultRequestTimeout),
			"max_retries": schema.Int64Attribute{
				Optional: true,
				MarkdownDescription: "How many times a transient failure (connection error, HTTP 429, 5xx but 501) is retried, with " +
					"exponential backoff that honours `Retry-After`; `0` disables retries. " +
					fmt.Sprintf("Defaults to `%d`.", oauth.DefaultMaxRetries),
				Validators: []validator.Int64{int64validator.Between(0, 10)},
			},
			"retry_wait_min": durationAttr("Shortest wait between attempts, as a Go duration.", oauth.DefaultRetryWaitMin),
			"retry_wait_max": durationAttr("Longest backoff between attempts, as a Go duration. A server's `Retry-After` may ask "+
				"for more, up to `retry_budget`.", oauth.DefaultRetryWaitMax),
			"retry_budget": durationAttr("Bound on one discovery or token request, all attempts and waits included, as a Go duration. "+
				"A `Retry-After` beyond what is left of it ends the retries at once.", oauth.DefaultRetryBudget),
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
				MarkdownDescription: "Allow plain `http://` to hosts other than loopback, sending credentials and tokens unencrypted. " +
					"`http://` to `localhost`, `127.0.0.0/8` and `[::1]` is always allowed. Defaults to `false`.",
			},
			"client_certificate_pem": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "PEM client certificate for mutual TLS, used by every token read without a `certificate_pem` or " +
					"`certificate_file` of its own. Conflicts with `client_certificate_file`.",
				Validators: []validator.String{stringvalidator.ConflictsWith(path.MatchRoot("client_certificate_file"))},
			},
			"client_certificate_file": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Path of a PEM file holding the mutual TLS client certificate; otherwise as `client_certificate_pem`.",
			},
			providerKeyArgs.Inline: schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				MarkdownDescription: "PEM private key of `client_certificate_pem`. Sensitive. At most one of `client_private_key_pem`, " +
					"`client_private_key_file` and `client_private_key_env`.",
				Validators: oneFormOf(providerKeyArgs.Inline, providerKeyArgs.All()),
			},
		}, providerSecretFormAttrs(providerKeyArgs, "the private key of the mutual TLS client certificate")),
		Blocks: map[string]schema.Block{
			"cache": schema.SingleNestedBlock{
				MarkdownDescription: "Keeps tokens across runs, on disk or in a shared Redis, until shortly before they expire (at most " +
					durationDoc(tokencache.MaxAge) + "), encrypted with a key derived from the client's secret; revoking the secret " +
					"does not reach them. Off unless this block, `" + cacheDirEnv + "` or `" + redisURLEnv + "` is set. See " +
					"[Persistent cache](#persistent-cache).",
				Attributes: map[string]schema.Attribute{
					"directory": schema.StringAttribute{
						Optional: true,
						MarkdownDescription: "Directory of the cache, created with mode 0700 if missing; it and the directories above it " +
							"must be safe from other users (see [Persistent cache](#persistent-cache)). Defaults to `" + cacheDirEnv + "`.",
					},
					"min_remaining": durationAttr("Lifetime a kept or shared token must have left to be reused, as a Go duration; for "+
						"tokens shorter than twice this, half their lifetime.", oauth.DefaultMinRemaining),
				},
				Blocks: map[string]schema.Block{redisBlockPath: redisSchema()},
			},
		},
	}
}

// durationAttr is an optional Go duration; its description ends with its
// default.
func durationAttr(description string, def time.Duration) schema.StringAttribute {
	return schema.StringAttribute{Optional: true, MarkdownDescription: description + " Defaults to " + durationDoc(def) + ".",
		Validators: []validator.String{durationValidator{}}}
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

func redisSchema() schema.SingleNestedBlock {
	return schema.SingleNestedBlock{
		MarkdownDescription: "A token cache shared by many machines, on Redis or Valkey: runs with the same credentials wait for one " +
			"fetch (up to `lock_wait`), and a failing Redis only warns. Read after `directory`. `" + redisURLEnv + "` and `" +
			redisPasswordEnv + "` configure it without this block. See [Runner fleets](guides/runner-fleets.md).",
		Attributes: withAttributes(map[string]schema.Attribute{
			"url": schema.StringAttribute{Optional: true,
				MarkdownDescription: "`redis://host:port[/db]` or `rediss://host:port[/db]` (TLS), with a username if the server has " +
					"users; each `?addr=host:port` names another cluster node or sentinel. Plain `redis://` only to loopback unless `" +
					redisPlainName + "` is set. Defaults to `" + redisURLEnv + "`."},
			redisPasswordName: schema.StringAttribute{Optional: true, Sensitive: true,
				MarkdownDescription: "Password of the Redis user; it replaces one in the URL. Sensitive. At most one of `password`, " +
					"`password_file` and `password_env`; defaults to `" + redisPasswordEnv + "`.",
				Validators: oneFormOf(redisPasswordName, redisPasswordArgs.All())},
			"ca_cert_file": schema.StringAttribute{Optional: true,
				MarkdownDescription: "Path of a PEM file of certificate authorities to trust for `rediss://`, added to the system's roots."},
			redisPlainName: schema.BoolAttribute{Optional: true,
				MarkdownDescription: "Allow plain `redis://` to nodes that are not loopback. The password then crosses the network in " +
					"clear, and whoever sees the traffic can read, replace or delete the cache's entries and locks; prefer `rediss://`. " +
					"Defaults to `false`."},
			redisSkipVerifyName: schema.BoolAttribute{Optional: true,
				MarkdownDescription: "Accept any certificate from a `rediss://` server (also needed for `?skip_verify=true` in the URL). " +
					"Every run warns; prefer `ca_cert_file`. Defaults to `false`."},
			redisNetworksName: schema.ListAttribute{Optional: true, ElementType: types.StringType,
				MarkdownDescription: "For a cluster or Sentinel: networks (CIDR ranges such as `10.0.0.0/16`, or addresses) where its " +
					"nodes may be besides the hosts in `url`. The client connects, and sends the password, only to those; any other " +
					"address it is told of is refused with a warning. Defaults to none. See " +
					"[redirections](guides/runner-fleets.md#clusters-sentinel-and-redirections)."},
			"client_cert_file": schema.StringAttribute{Optional: true,
				MarkdownDescription: "Path of a PEM client certificate (with any intermediates) for `rediss://` servers that ask for " +
					"one. Needs `client_key`, `client_key_file` or `client_key_env`. Defaults to none."},
			redisClientKeyArgs.Inline: schema.StringAttribute{Optional: true, Sensitive: true,
				MarkdownDescription: "The client certificate's private key, PEM, unencrypted. Sensitive. At most one of `client_key`, " +
					"`client_key_file` and `client_key_env`.",
				Validators: oneFormOf(redisClientKeyArgs.Inline, redisClientKeyArgs.All())},
			"key_prefix": schema.StringAttribute{Optional: true,
				MarkdownDescription: "Prefix of every key the cache writes; no `{` or `}`, since each entry's name is a cluster hash tag. " +
					"Defaults to `" + tokencache.DefaultKeyPrefix + "`.",
				Validators: []validator.String{stringvalidator.RegexMatches(noBraces, "hold no { or }")}},
			"lock_wait": durationAttr("Longest wait for another run's token, as a Go duration; then the run fetches its own.",
				tokencache.DefaultLockWait),
		}, providerSecretFormAttrs(redisPasswordArgs, "the Redis password"),
			providerSecretFormAttrs(redisClientKeyArgs, "the client certificate's private key (PEM)")),
		Blocks: map[string]schema.Block{redisSentinelPath: sentinelSchema()},
	}
}

func sentinelSchema() schema.SingleNestedBlock {
	return schema.SingleNestedBlock{
		MarkdownDescription: "Find the primary through Redis Sentinel: the hosts of `url` (port " + tokencache.DefaultSentinelPort +
			" by default) are then the sentinels, and its scheme, username, password and database the data nodes'. The primary " +
			"must be a host in `url` or inside `cluster_networks`. See [Sentinel](guides/runner-fleets.md#sentinel).",
		Attributes: withAttributes(map[string]schema.Attribute{
			"master_name": schema.StringAttribute{Optional: true,
				MarkdownDescription: "Name of the primary as the sentinels know it (`sentinel monitor NAME ...`). Required in this block."},
			"username": schema.StringAttribute{Optional: true,
				MarkdownDescription: "Username for the sentinels themselves, where they have users (ACL). Defaults to none."},
			redisSentinelPasswordArgs.Inline: schema.StringAttribute{Optional: true, Sensitive: true,
				MarkdownDescription: "Password of the sentinels themselves (`requirepass`), not of the data nodes. Sensitive. At most " +
					"one of `password`, `password_file` and `password_env`. Defaults to none.",
				Validators: oneFormOf(redisSentinelPasswordArgs.Inline, redisSentinelPasswordArgs.All())},
		}, providerSecretFormAttrs(redisSentinelPasswordArgs, "the sentinels' password")),
	}
}

// providerKeyArgs are the forms of the provider's mutual TLS client key.
var providerKeyArgs = oauth.SecretArgs{Inline: "client_private_key_pem", File: "client_private_key_file", Env: "client_private_key_env"}

// providerSecretFormAttrs is secretFormAttrs for the provider's schema, whose
// attributes are of another kind.
func providerSecretFormAttrs(args oauth.SecretArgs, what string) map[string]schema.Attribute {
	forms := args.All()
	return map[string]schema.Attribute{
		args.File: schema.StringAttribute{Optional: true, MarkdownDescription: secretFileDesc(what), Validators: oneFormOf(args.File, forms)},
		args.Env:  schema.StringAttribute{Optional: true, MarkdownDescription: secretEnvDesc(what), Validators: oneFormOf(args.Env, forms)},
	}
}

// noBraces is a key prefix the shared cache can tag: see tokencache's keys.
var noBraces = regexp.MustCompile(`^[^{}]*$`)
