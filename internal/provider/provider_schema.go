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
				MarkdownDescription: "How many times a transient failure (connection error, HTTP 429, 5xx other than 501) is retried, " +
					"with exponential backoff that honours `Retry-After`. Other 4xx answers are never retried. `0` disables retries. " +
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
				MarkdownDescription: "Keeps tokens across Terraform runs, on disk or in a Redis that many machines share, so that `plan` then `apply`, " +
					"a pipeline running every few minutes, or twenty CI jobs at once reuse one token until shortly before it expires. " +
					"Off unless this block is present or the `" + cacheDirEnv + "` or `" + redisURLEnv + "` environment variable is set. Each entry is encrypted " +
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
					"min_remaining": durationAttr("Lifetime a kept token must have left to be reused, as a Go duration; for tokens "+
						"shorter than twice this, half their lifetime. Also applies to tokens shared within one run.", oauth.DefaultMinRemaining),
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
		MarkdownDescription: "A token cache shared by many machines, on Redis or anything that speaks its protocol (Valkey, " +
			"ElastiCache, Memorystore, Azure Cache for Redis). Entries are named and encrypted like the directory's, with keys " +
			"derived from each client's own secret, so the store learns neither a token, nor a client ID, nor which entries " +
			"belong together; each expires when its token stops being kept. While one run fetches a token, runs on other " +
			"machines with the same credentials wait for it (up to `lock_wait`). Redis is never a reason to fail: unreachable, " +
			"slow, full or answering garbage, each run fetches its own token, with one warning that names the cause. " +
			"With `directory` too, the directory is read first. The environment variables `" + redisURLEnv + "` and `" +
			redisPasswordEnv + "` configure it without this block. See the guide \"Runner fleets and rate limits\".",
		Attributes: withAttributes(map[string]schema.Attribute{
			"url": schema.StringAttribute{Optional: true,
				MarkdownDescription: "`redis://host:port[/db]` or `rediss://host:port[/db]` (TLS), as the Go client for Redis parses " +
					"it, with a username if the server has users; `?addr=host:port` (repeated) names further nodes of a cluster, or, with a " +
					"`sentinel` block, further sentinels. " +
					"Plain `redis://` is accepted only to `localhost`, `127.0.0.0/8` and `[::1]` unless `" + redisPlainName + "` is set; " +
					"`?skip_verify=true` only with `" + redisSkipVerifyName + "`. Defaults to `" + redisURLEnv + "`."},
			redisPasswordName: schema.StringAttribute{Optional: true, Sensitive: true,
				MarkdownDescription: "Password of the Redis user; it replaces one in the URL. Sensitive. At most one of `password`, " +
					"`password_file` and `password_env`; defaults to `" + redisPasswordEnv + "`.",
				Validators: oneFormOf(redisPasswordName, redisPasswordArgs.All())},
			"ca_cert_file": schema.StringAttribute{Optional: true,
				MarkdownDescription: "Path of a PEM file of certificate authorities to trust for `rediss://` (every node and sentinel), " +
					"added to the system's roots. `rediss://` checks certificates by default."},
			redisPlainName: schema.BoolAttribute{Optional: true,
				MarkdownDescription: "Allow plain `redis://` (no TLS) to nodes that are not loopback. Without it such a URL is an " +
					"error, with a password or without: the password (`AUTH`) would cross the network in clear, and whoever can see " +
					"or change the traffic could read, replace or delete the cache's (encrypted) entries and its locks. `redis://` to " +
					"`localhost`, `127.0.0.0/8` and `[::1]` is always allowed. Use `rediss://` instead where you can. Defaults to `false`."},
			redisSkipVerifyName: schema.BoolAttribute{Optional: true,
				MarkdownDescription: "Accept any certificate from a `rediss://` server, turning its checks off; the only way to (a " +
					"`?skip_verify=true` in the URL without it is an error). Each run that sets it warns. Prefer `ca_cert_file`. " +
					"Defaults to `false`."},
			redisNetworksName: schema.ListAttribute{Optional: true, ElementType: types.StringType,
				MarkdownDescription: "For a cluster or Sentinel: networks (CIDR ranges such as `10.0.0.0/16`, or single addresses) where its nodes may " +
					"be besides the hosts named in `url`. A cluster tells the client where each key lives (`MOVED` and `ASK` answers, " +
					"and its slot map), a sentinel where the primary is, and the client would connect, and send the password, to any address it is told. So it connects " +
					"only to the hosts in `url` (its own and every `?addr=`, on any port) and to addresses in these networks; any other " +
					"address is refused, with a warning naming it. A host name outside `url` is resolved and must resolve into one of " +
					"these networks. Defaults to none."},
			"client_cert_file": schema.StringAttribute{Optional: true,
				MarkdownDescription: "Path of a PEM file holding the client certificate (and any intermediates) to present to a " +
					"`rediss://` server that asks for one (`tls-auth-clients`), the sentinels and every cluster node included. Needs " +
					"the key in `client_key`, `client_key_file` or `client_key_env`. Defaults to none."},
			redisClientKeyArgs.Inline: schema.StringAttribute{Optional: true, Sensitive: true,
				MarkdownDescription: "The client certificate's private key, PEM, unencrypted. Sensitive. At most one of `client_key`, " +
					"`client_key_file` and `client_key_env`.",
				Validators: oneFormOf(redisClientKeyArgs.Inline, redisClientKeyArgs.All())},
			"key_prefix": schema.StringAttribute{Optional: true,
				MarkdownDescription: "Prefix of every key the cache writes. Each credential set's keys carry its entry's name as a " +
					"hash tag (`{...}`), so that a cluster keeps the entry and its lock in one slot; the prefix may therefore hold no `{` or `}`. " +
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
		MarkdownDescription: "Find the primary through Redis Sentinel. With this block, the hosts of `url` (its own and every " +
			"`?addr=`, port " + tokencache.DefaultSentinelPort + " when none is given) are the sentinels, and the URL's scheme, " +
			"username, password and database are the data nodes': `rediss://sentinel-1:26379/0?addr=sentinel-2:26379&addr=sentinel-3:26379`. " +
			"The client asks the sentinels for the primary, connects there, and asks again after a failover. The primary's " +
			"address, as the sentinels give it, must be a host named in `url` or inside `cluster_networks`; `rediss://` checks " +
			"each server's certificate against the address dialled.",
		Attributes: withAttributes(map[string]schema.Attribute{
			"master_name": schema.StringAttribute{Optional: true,
				MarkdownDescription: "Name of the primary as the sentinels know it (`sentinel monitor NAME ...`). Required in this block."},
			"username": schema.StringAttribute{Optional: true,
				MarkdownDescription: "Username for the sentinels themselves, where they have users (ACL). Defaults to none."},
			redisSentinelPasswordArgs.Inline: schema.StringAttribute{Optional: true, Sensitive: true,
				MarkdownDescription: "Password of the sentinels themselves (their own `requirepass`), not of the data nodes. Sensitive. " +
					"At most one of `password`, `password_file` and `password_env`. Defaults to none.",
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
