// Package provider is the Terraform face of clientcreds: schemas, the mapping
// from configuration to protocol requests and back, and diagnostics. Every
// entry point (the token and the token exchange as data sources and
// ephemeral resources, the proxy) gets its token through the one fetch in
// token_fetch.go; a data source and its ephemeral twin share one schema and
// one model, split into arguments (tokenModel, grantModel) and results
// (tokenResult). All protocol work, HTTP included, is in internal/oauth; the
// proxy's listener is internal/proxy, the caches internal/tokencache.
package provider

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/redact"
)

// The optional interfaces the framework looks for, on the provider and on
// each entry point: it skips a method that is missing, so the compiler checks.
var (
	_ provider.Provider                       = (*Provider)(nil)
	_ provider.ProviderWithEphemeralResources = (*Provider)(nil)
	_ provider.ProviderWithFunctions          = (*Provider)(nil)

	_ datasource.DataSourceWithConfigure      = (*twinDataSource[discoveryModel])(nil)
	_ datasource.DataSourceWithValidateConfig = (*twinDataSource[discoveryModel])(nil)

	_ ephemeral.EphemeralResourceWithConfigure      = (*twinEphemeral[discoveryModel])(nil)
	_ ephemeral.EphemeralResourceWithValidateConfig = (*twinEphemeral[discoveryModel])(nil)
	_ ephemeral.EphemeralResourceWithConfigure      = (*tokenEphemeral)(nil)
	_ ephemeral.EphemeralResourceWithValidateConfig = (*tokenEphemeral)(nil)
	_ ephemeral.EphemeralResourceWithClose          = (*tokenEphemeral)(nil)
	_ ephemeral.EphemeralResourceWithConfigure      = (*proxyEphemeral)(nil)
	_ ephemeral.EphemeralResourceWithValidateConfig = (*proxyEphemeral)(nil)
	_ ephemeral.EphemeralResourceWithClose          = (*proxyEphemeral)(nil)
	_ ephemeral.EphemeralResourceWithConfigure      = (*identityEphemeral)(nil)
	_ ephemeral.EphemeralResourceWithValidateConfig = (*identityEphemeral)(nil)
)

// Provider is the clientcreds provider.
type Provider struct {
	version string
	now     func() time.Time // injected so tests can assert expires_at exactly
}

// New returns a constructor of the provider for providerserver.
func New(version string) func() provider.Provider {
	return func() provider.Provider { return &Provider{version: version, now: time.Now} }
}

type providerModel struct {
	RequestTimeout    types.String `tfsdk:"request_timeout"`
	MaxRetries        types.Int64  `tfsdk:"max_retries"`
	RetryWaitMin      types.String `tfsdk:"retry_wait_min"`
	RetryWaitMax      types.String `tfsdk:"retry_wait_max"`
	RetryBudget       types.String `tfsdk:"retry_budget"`
	CACertPEM         types.String `tfsdk:"ca_cert_pem"`
	CACertFile        types.String `tfsdk:"ca_cert_file"`
	AllowInsecureHTTP types.Bool   `tfsdk:"allow_insecure_http"`
	ClientCertPEM     types.String `tfsdk:"client_certificate_pem"`
	ClientCertFile    types.String `tfsdk:"client_certificate_file"`
	ClientKeyPEM      types.String `tfsdk:"client_private_key_pem"`
	ClientKeyFile     types.String `tfsdk:"client_private_key_file"`
	ClientKeyEnv      types.String `tfsdk:"client_private_key_env"`
	Cache             *cacheModel  `tfsdk:"cache"`
}

// providerData is what Configure hands to every data source and ephemeral
// resource.
type providerData struct {
	client *oauth.Client
	// revocations are the ephemeral tokens to revoke at Close.
	revocations handles[oauth.RevokeRequest]
	// The mTLS client certificate and key for tls_client_auth and
	// self_signed_tls_client_auth reads that name none of their own; the key
	// is read at request time, like every secret.
	clientCertPEM []byte
	clientKey     oauth.Secret
	// storeWarning returns a shared cache's first failure, once; nil
	// without one.
	storeWarning func() string
	// proxies are the open clientcreds_proxy listeners.
	proxies handles[openProxy]
	// keyRing holds the key-service keys opened, by URI.
	keyRing keyRing
}

func (p *Provider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "clientcreds"
	resp.Version = p.version
}

func (p *Provider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var m providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	cfg := oauth.Config{
		Redact:            redact.New(), // this instance's: its secrets register as they are read
		MaxRetries:        int(m.MaxRetries.ValueInt64()),
		NoRetries:         !m.MaxRetries.IsNull() && m.MaxRetries.ValueInt64() == 0,
		AllowInsecureHTTP: m.AllowInsecureHTTP.ValueBool(),
		UserAgent:         "terraform-provider-clientcreds/" + p.version,
		Now:               p.now,
		Logger:            tflogLogger{},
	}
	for _, d := range []struct {
		name string
		v    types.String
		dst  *time.Duration
	}{
		{"request_timeout", m.RequestTimeout, &cfg.RequestTimeout},
		{"retry_wait_min", m.RetryWaitMin, &cfg.RetryWaitMin},
		{"retry_wait_max", m.RetryWaitMax, &cfg.RetryWaitMax},
		{"retry_budget", m.RetryBudget, &cfg.RetryBudget},
	} {
		if d.v.IsNull() || d.v.IsUnknown() {
			continue
		}
		*d.dst, _ = time.ParseDuration(d.v.ValueString()) // checked by durationValidator
	}
	cfg.CACertPEM = []byte(m.CACertPEM.ValueString())
	readFile(m.CACertFile, "ca_cert_file", &cfg.CACertPEM, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	storeWarning, ok := configureCache(m.Cache, &cfg, &resp.Diagnostics)
	if !ok {
		return
	}
	client, err := oauth.NewClient(cfg)
	if err != nil {
		resp.Diagnostics.AddError("Invalid Provider Configuration", "The transport could not be set up: "+err.Error()+".")
		return
	}
	pd := &providerData{client: client, storeWarning: storeWarning}
	pd.clientCertPEM = []byte(m.ClientCertPEM.ValueString())
	pd.clientKey = secretOf(m.ClientKeyPEM, m.ClientKeyFile, m.ClientKeyEnv)
	readFile(m.ClientCertFile, "client_certificate_file", &pd.clientCertPEM, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.DataSourceData = pd
	resp.EphemeralResourceData = pd
}

func (p *Provider) Resources(context.Context) []func() resource.Resource { return nil }

func (p *Provider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{tokenTwin.dataSource, discoveryTwin.dataSource, exchangeTwin.dataSource,
		signingKeyTwin.dataSource}
}

func (p *Provider) Functions(context.Context) []func() function.Function {
	return []func() function.Function{newJWTClaimsFunction, newJWTHeaderFunction}
}

func (p *Provider) EphemeralResources(context.Context) []func() ephemeral.EphemeralResource {
	return []func() ephemeral.EphemeralResource{newTokenEphemeral, discoveryTwin.ephemeral, newIdentityEphemeral, exchangeTwin.ephemeral,
		newProxyEphemeral, signingKeyTwin.ephemeral}
}
