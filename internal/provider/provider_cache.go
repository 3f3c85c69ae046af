package provider

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/tokencache"
)

// The persistent token cache: a directory on this machine, a Redis shared
// by many, or both (the directory is read first).

type cacheModel struct {
	Directory    types.String `tfsdk:"directory"`
	MinRemaining types.String `tfsdk:"min_remaining"`
	Redis        *redisModel  `tfsdk:"redis"`
}

type redisModel struct {
	URL          types.String `tfsdk:"url"`
	Password     types.String `tfsdk:"password"`
	PasswordFile types.String `tfsdk:"password_file"`
	PasswordEnv  types.String `tfsdk:"password_env"`
	CACertFile   types.String `tfsdk:"ca_cert_file"`
	KeyPrefix    types.String `tfsdk:"key_prefix"`
	LockWait     types.String `tfsdk:"lock_wait"`
	// The transport policy's two opt-ins (see tokencache/redis_policy.go).
	AllowPlaintext     types.Bool `tfsdk:"allow_plaintext"`
	InsecureSkipVerify types.Bool `tfsdk:"insecure_skip_verify"`
	ClusterNetworks    types.List `tfsdk:"cluster_networks"`
	// TLS client authentication, for servers that ask for it.
	ClientCertFile types.String   `tfsdk:"client_cert_file"`
	ClientKey      types.String   `tfsdk:"client_key"`
	ClientKeyFile  types.String   `tfsdk:"client_key_file"`
	ClientKeyEnv   types.String   `tfsdk:"client_key_env"`
	Sentinel       *sentinelModel `tfsdk:"sentinel"`
}

type sentinelModel struct {
	MasterName   types.String `tfsdk:"master_name"`
	Username     types.String `tfsdk:"username"`
	Password     types.String `tfsdk:"password"`
	PasswordFile types.String `tfsdk:"password_file"`
	PasswordEnv  types.String `tfsdk:"password_env"`
}

// The environment turns the caches on without a cache block, so that a
// runner fleet needs no change to its configurations.
const (
	cacheDirEnv         = "CLIENTCREDS_CACHE_DIR"
	redisURLEnv         = "CLIENTCREDS_CACHE_REDIS_URL"
	redisPasswordEnv    = "CLIENTCREDS_CACHE_REDIS_PASSWORD"
	redisBlockPath      = "redis"
	cacheBlockPath      = "cache"
	redisPasswordName   = "password"
	redisPlainName      = "allow_plaintext"
	redisSkipVerifyName = "insecure_skip_verify"
	redisNetworksName   = "cluster_networks"
	redisSentinelPath   = "sentinel"
)

var (
	redisPasswordArgs         = oauth.SecretArgs{Inline: redisPasswordName, File: "password_file", Env: "password_env"}
	redisClientKeyArgs        = oauth.SecretArgs{Inline: "client_key", File: "client_key_file", Env: "client_key_env"}
	redisSentinelPasswordArgs = redisPasswordArgs
)

// configureCache sets up the persistent token cache when asked for, and the
// reuse margin in any case. It returns the shared store's warning source
// (nil without one), and false when an error was reported.
func configureCache(m *cacheModel, cfg *oauth.Config, diags *diag.Diagnostics) (func() string, bool) {
	dir := os.Getenv(cacheDirEnv)
	ro := tokencache.RedisOptions{URL: os.Getenv(redisURLEnv)}
	password := oauth.Secret{Value: os.Getenv(redisPasswordEnv)}
	var clientKey, sentinelPassword oauth.Secret
	var sentinel *sentinelModel
	redisPath := path.Root(cacheBlockPath).AtName(redisBlockPath)
	if m != nil {
		if v := m.MinRemaining.ValueString(); v != "" {
			cfg.MinRemaining, _ = time.ParseDuration(v) // checked by durationValidator
		}
		if v := m.Directory.ValueString(); v != "" {
			dir = v
		}
		if r := m.Redis; r != nil {
			if v := r.URL.ValueString(); v != "" {
				ro.URL = v
			}
			if p := secretOf(r.Password, r.PasswordFile, r.PasswordEnv); p.IsSet() {
				password = p
			}
			ro.KeyPrefix = r.KeyPrefix.ValueString()
			if v := r.LockWait.ValueString(); v != "" {
				ro.LockWait, _ = time.ParseDuration(v) // checked by durationValidator
			}
			ro.AllowPlaintext = r.AllowPlaintext.ValueBool()
			ro.InsecureSkipVerify = r.InsecureSkipVerify.ValueBool()
			ro.ClusterNetworks = clusterNetworks(r.ClusterNetworks, redisPath.AtName(redisNetworksName), diags)
			readFile(r.CACertFile, "ca_cert_file", &ro.CACertPEM, diags)
			readFile(r.ClientCertFile, "client_cert_file", &ro.ClientCertPEM, diags)
			clientKey = secretOf(r.ClientKey, r.ClientKeyFile, r.ClientKeyEnv)
			if sentinel = r.Sentinel; sentinel != nil {
				ro.Sentinel = &tokencache.SentinelOptions{MasterName: sentinel.MasterName.ValueString(), Username: sentinel.Username.ValueString()}
				sentinelPassword = secretOf(sentinel.Password, sentinel.PasswordFile, sentinel.PasswordEnv)
			}
		}
		if dir == "" && ro.URL == "" {
			diags.AddAttributeError(path.Root(cacheBlockPath).AtName("directory"), "No Cache Configured",
				"The cache block needs a directory or a redis block with a url, or the "+cacheDirEnv+" or "+redisURLEnv+" environment variable.")
			return nil, false
		}
	}
	var stores tokencache.Tiered
	if dir != "" {
		disk, err := tokencache.NewDiskCache(dir)
		if err != nil {
			diags.AddAttributeError(path.Root(cacheBlockPath).AtName("directory"), "Unusable Cache Directory", err.Error()+".")
			return nil, false
		}
		stores = append(stores, disk)
	}
	var warning func() string
	if ro.URL != "" {
		pw, err := password.Read(redisPasswordArgs, cfg.Redact)
		if err != nil {
			diags.Append(errorDiagAt(redisPath, err))
			return nil, false
		}
		ro.Password, ro.Redact = pw, cfg.Redact
		if clientKey.IsSet() {
			key, err := clientKey.Read(redisClientKeyArgs, cfg.Redact)
			if err != nil {
				diags.Append(errorDiagAt(redisPath, err))
				return nil, false
			}
			ro.ClientKeyPEM = []byte(key)
		}
		if ro.Sentinel != nil && sentinelPassword.IsSet() {
			spw, err := sentinelPassword.Read(redisSentinelPasswordArgs, cfg.Redact)
			if err != nil {
				diags.Append(errorDiagAt(redisPath.AtName(redisSentinelPath), err))
				return nil, false
			}
			ro.Sentinel.Password = spw
		}
		shared, err := tokencache.NewRedis(ro)
		if err != nil {
			diags.Append(redisURLDiag(redisPath, err))
			return nil, false
		}
		if ro.InsecureSkipVerify {
			// Once per run: Terraform configures the provider once for a plan or an apply.
			diags.AddAttributeWarning(redisPath.AtName(redisSkipVerifyName), "Redis Certificate Checks Off",
				"insecure_skip_verify is set: the shared token cache accepts any certificate from the Redis server, so "+
					"whoever can intercept the connection receives the Redis password and can read, replace or delete the "+
					"cache's entries and locks. Give the server's certificate authority in ca_cert_file instead.")
		}
		stores = append(stores, shared)
		warning = shared.Warning
	}
	switch len(stores) {
	case 0:
	case 1:
		cfg.Store = stores[0]
	default:
		cfg.Store = stores
	}
	return warning, !diags.HasError()
}

// redisURLDiag turns NewRedis' refusal into one diagnostic on the url,
// naming what to change.
func redisURLDiag(redisPath path.Path, err error) diag.Diagnostic {
	urlPath := redisPath.AtName("url")
	switch {
	case errors.Is(err, tokencache.ErrPlaintext):
		return diag.NewAttributeErrorDiagnostic(urlPath, "Unencrypted Redis Connection Refused",
			"The Redis URL uses plain redis:// to a host that is not loopback (localhost, 127.0.0.0/8 or ::1): "+
				refusalDetail(err)+", and whoever can see or change it "+
				"could also read, replace or delete the cache's entries and locks. Use rediss:// (TLS), or set "+
				redisPlainName+" = true in the provider's cache.redis block if you accept that risk.")
	case errors.Is(err, tokencache.ErrSkipVerify):
		return diag.NewAttributeErrorDiagnostic(urlPath, "Redis Certificate Checks Off",
			"The Redis URL sets skip_verify, which turns off the checks of the server's certificate. Give the server's "+
				"certificate authority in ca_cert_file instead, or, to accept any certificate, set "+redisSkipVerifyName+
				" = true in the provider's cache.redis block (and remove skip_verify from the URL).")
	case errors.Is(err, tokencache.ErrSkipVerifyWithoutTLS):
		return diag.NewAttributeErrorDiagnostic(redisPath.AtName(redisSkipVerifyName), "Insecure Skip Verify Without TLS",
			redisSkipVerifyName+" applies to rediss:// URLs only; this URL is plain redis://. Remove "+redisSkipVerifyName+
				", or use rediss://.")
	case errors.Is(err, tokencache.ErrNoMasterName):
		return diag.NewAttributeErrorDiagnostic(redisPath.AtName(redisSentinelPath).AtName("master_name"), "Missing Sentinel Master Name",
			"The sentinel block needs master_name: the primary's name as the sentinels know it.")
	case errors.Is(err, tokencache.ErrClientCert):
		return diag.NewAttributeErrorDiagnostic(redisPath.AtName("client_cert_file"), "Unusable Redis Client Certificate",
			"The Redis client certificate cannot be used: "+refusalDetail(err)+".")
	}
	if errors.Is(err, tokencache.ErrKeyPrefixBraces) {
		return diag.NewAttributeErrorDiagnostic(redisPath.AtName("key_prefix"), "Unusable Key Prefix", "The "+err.Error()+".")
	}
	return diag.NewAttributeErrorDiagnostic(urlPath, "Unusable Redis URL", err.Error()+".")
}

// refusalDetail is what in particular NewRedis refused (its RefusalError's
// Detail), or the whole error.
func refusalDetail(err error) string {
	var re *tokencache.RefusalError
	if errors.As(err, &re) {
		return re.Detail
	}
	return err.Error()
}

// clusterNetworks parses the CIDR ranges of cluster_networks; an address
// without a prefix length is that one address.
func clusterNetworks(l types.List, at path.Path, diags *diag.Diagnostics) []netip.Prefix {
	if l.IsNull() || l.IsUnknown() {
		return nil
	}
	var out []netip.Prefix
	for i, e := range l.Elements() {
		s, ok := e.(types.String)
		if !ok || s.IsNull() || s.IsUnknown() {
			continue
		}
		v := strings.TrimSpace(s.ValueString())
		p, err := netip.ParsePrefix(v)
		if err != nil {
			a, aerr := netip.ParseAddr(v)
			if aerr != nil {
				diags.AddAttributeError(at.AtListIndex(i), "Invalid Network",
					fmt.Sprintf("%q is not a CIDR range (such as 10.0.0.0/16 or fd00::/8) nor an IP address.", v))
				continue
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		out = append(out, p.Masked())
	}
	return out
}
