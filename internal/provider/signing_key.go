package provider

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"sync"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	dschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/signer"
)

// Keys held by key services: the private_key_kms argument, the keys a
// provider instance has opened (each public key is fetched once per run),
// and clientcreds_signing_key, which gives a key's public half to register
// with an identity provider in the same apply.

const kmsDescription = "URI of a private key in a key service, which signs with it; the key never reaches the provider: " +
	"`awskms://[ENDPOINT]/KEY`, `hashivault://KEY`, `gcpkms://<key version name>` or `azurekms://VAULT.vault.azure.net/KEY[/VERSION]`. " +
	"Tokens it signs for skip the persistent cache. See [Key services](../guides/key-services.md)."

// keyURIValidator refuses, at validate, a URI of no known key service or
// of the wrong shape.
type keyURIValidator struct{}

func (keyURIValidator) Description(context.Context) string {
	return "must be a key URI: " + strings.Join(signer.Schemes(), ", ")
}

func (v keyURIValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (keyURIValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := signer.CheckURI(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.Append(keyURIError(req.Path, err))
	}
}

// keyURIError is the diagnostic of a key URI that could not be opened: a
// URI of the wrong shape (signer.CheckURI's error) is invalid; a key
// service that could not be set up from the environment (a CA file that
// cannot be read, say) is unavailable, and the URI is not blamed for it.
func keyURIError(at path.Path, err error) diag.Diagnostic {
	var se *signer.Error
	if errors.As(err, &se) {
		return diag.NewAttributeErrorDiagnostic(at, "Key Service Unavailable", "The key "+at.String()+" names cannot be used: "+err.Error()+".")
	}
	return diag.NewAttributeErrorDiagnostic(at, "Invalid Key URI", "The "+at.String()+" "+err.Error()+".")
}

// uncheckedKey is a key URI at validate, where nothing is opened: the key
// service's environment (VAULT_CACERT and the like) belongs to the run, not
// to validate. It only carries the URI.
type uncheckedKey string

func (k uncheckedKey) URI() string { return string(k) }

func (k uncheckedKey) Signer(context.Context) (crypto.Signer, error) {
	return nil, fmt.Errorf("the key %s is not opened at validate", string(k))
}

// keyRing is a provider instance's open key-service keys, by URI.
type keyRing struct {
	mu   sync.Mutex
	keys map[string]*signer.Key
}

// keyService is the key uri names, opened once per provider instance with
// its sanitiser; without an instance (validate), only the URI's shape is
// checked and nothing is opened.
func (pd *providerData) keyService(uri string) (oauth.KeyService, error) {
	if pd == nil {
		if err := signer.CheckURI(uri); err != nil {
			return nil, err
		}
		return uncheckedKey(uri), nil
	}
	pd.keyRing.mu.Lock()
	defer pd.keyRing.mu.Unlock()
	if k, ok := pd.keyRing.keys[uri]; ok {
		return k, nil
	}
	k, err := signer.Open(uri, signer.Env{Redact: pd.client.Redact()})
	if err != nil {
		return nil, err
	}
	if pd.keyRing.keys == nil {
		pd.keyRing.keys = map[string]*signer.Key{}
	}
	pd.keyRing.keys[uri] = k
	return k, nil
}

const signingKeyDescription = "The public half of a signing key, held by a key service or given as a PEM private key, for " +
	"registering it with an identity provider (an Okta or Keycloak JWKS, an Entra ID certificate) in the same apply. The " +
	"private key is never part of the results."

var signingKeyAttrs = map[string]dschema.Attribute{
	oauth.ArgPrivateKeyKMS: dschema.StringAttribute{Optional: true, MarkdownDescription: "URI of a key held by a key service, as " +
		"`clientcreds_token`'s `private_key_kms`: " + strings.Join(signer.Schemes(), ", ") + ". Exactly one of the `private_key_*` arguments.",
		Validators: []validator.String{keyURIValidator{}, stringvalidator.ExactlyOneOf(path.MatchRoot(oauth.ArgPrivateKeyPEM),
			path.MatchRoot(oauth.ArgPrivateKeyFile), path.MatchRoot(oauth.ArgPrivateKeyEnv))}},
	oauth.ArgPrivateKeyPEM: dschema.StringAttribute{Optional: true, Sensitive: true,
		MarkdownDescription: "PEM private key whose public half is wanted. Sensitive; the `_file` and `_env` forms keep it out of state."},
	oauth.ArgPrivateKeyFile: dschema.StringAttribute{Optional: true, MarkdownDescription: secretFileDesc("the PEM private key")},
	oauth.ArgPrivateKeyEnv:  dschema.StringAttribute{Optional: true, MarkdownDescription: secretEnvDesc("the PEM private key")},
	oauth.ArgKeyID: dschema.StringAttribute{Optional: true,
		MarkdownDescription: "`kid` to publish. Defaults to the key's RFC 7638 JWK thumbprint (SHA-256), the `kid` `clientcreds_token` " +
			"sends for a `private_key_kms` key."},
	oauth.ArgSigningAlgorithm: dschema.StringAttribute{Optional: true,
		MarkdownDescription: "`alg` to publish. Defaults to the one the key implies: `RS256` for RSA, `ES256`, `ES384` or `ES512` by " +
			"curve, `EdDSA` for Ed25519, a Cloud KMS key version's own.",
		Validators: []validator.String{stringvalidator.OneOf(oauth.KeyAlgorithms()...)}},
	"public_key_pem": dschema.StringAttribute{Computed: true, MarkdownDescription: "The public key, PEM (`PUBLIC KEY`, SubjectPublicKeyInfo)."},
	"jwk": dschema.StringAttribute{Computed: true,
		MarkdownDescription: "The public key as a JWK (JSON), with `kid`, `alg` and `use` = `sig`."},
	"jwks": dschema.StringAttribute{Computed: true,
		MarkdownDescription: "A JWK Set (JSON, `{\"keys\": [...]}`) holding `jwk`: what an identity provider's JWKS field or URL takes."},
	"kid": dschema.StringAttribute{Computed: true, MarkdownDescription: "The `kid`: `key_id`, or the RFC 7638 thumbprint."},
	"alg": dschema.StringAttribute{Computed: true, MarkdownDescription: "The `alg`: `signing_algorithm`, or the one the key implies."},
}

type signingKeyModel struct {
	KMS              types.String `tfsdk:"private_key_kms"`
	PEM              types.String `tfsdk:"private_key_pem"`
	File             types.String `tfsdk:"private_key_file"`
	Env              types.String `tfsdk:"private_key_env"`
	KeyID            types.String `tfsdk:"key_id"`
	SigningAlgorithm types.String `tfsdk:"signing_algorithm"`
	PublicKeyPEM     types.String `tfsdk:"public_key_pem"`
	JWK              types.String `tfsdk:"jwk"`
	JWKS             types.String `tfsdk:"jwks"`
	Kid              types.String `tfsdk:"kid"`
	Alg              types.String `tfsdk:"alg"`
}

// read fills the results from the key: a key service is asked for its
// public key (once per run); a PEM is read, registered with the sanitiser,
// and only its public half kept. pd is configured (twin.open checks).
func (m *signingKeyModel) read(ctx context.Context, pd *providerData) diag.Diagnostics {
	var diags diag.Diagnostics
	var key crypto.Signer
	var err error
	blame := oauth.ArgPrivateKeyKMS
	uri := m.KMS.ValueString()
	if uri != "" {
		k, openErr := pd.keyService(uri)
		if openErr != nil {
			diags.Append(keyURIError(path.Root(blame), openErr))
			return diags
		}
		key, err = k.Signer(ctx)
	} else {
		secret := secretOf(m.PEM, m.File, m.Env)
		blame = secret.Arg(oauth.PrivateKeyArgs)
		v, readErr := secret.Read(oauth.PrivateKeyArgs, pd.client.Redact())
		if readErr != nil {
			diags.Append(errorDiag(readErr))
			return diags
		}
		key, err = oauth.ParsePrivateKey([]byte(v))
	}
	if err != nil {
		diags.AddAttributeError(path.Root(blame), "Signing Key Unavailable", pd.client.Redact().Sanitize(err.Error(), 1000))
		return diags
	}
	// What clientcreds_token signs with, refused where it would be.
	alg, err := oauth.SigningAlgorithm(key, m.SigningAlgorithm.ValueString(), uri)
	if err != nil {
		diags.AddAttributeError(path.Root(oauth.ArgSigningAlgorithm), "Invalid Signing Algorithm", err.Error())
		return diags
	}
	kid := m.KeyID.ValueString()
	if kid == "" {
		if kid, err = oauth.Thumbprint(key.Public()); err != nil {
			diags.AddError("Signing Key Unavailable", err.Error())
			return diags
		}
	}
	pubPEM, jwk, jwks, err := publish(key.Public(), kid, alg)
	if err != nil {
		diags.AddError("Signing Key Unavailable", "The public key cannot be encoded: "+err.Error()+".")
		return diags
	}
	m.PublicKeyPEM, m.JWK, m.JWKS = types.StringValue(pubPEM), types.StringValue(jwk), types.StringValue(jwks)
	m.Kid, m.Alg = types.StringValue(kid), types.StringValue(alg)
	return diags
}

// publish encodes a public key as PEM, a JWK and a JWK Set.
func publish(pub crypto.PublicKey, kid, alg string) (pubPEM, jwk, jwks string, err error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", "", "", err
	}
	k := jose.JSONWebKey{Key: pub, KeyID: kid, Algorithm: alg, Use: "sig"}
	one, err := k.MarshalJSON()
	if err != nil {
		return "", "", "", err
	}
	set, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{k}})
	if err != nil {
		return "", "", "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), string(one), string(set), nil
}

// signingKeyTwin is clientcreds_signing_key as a data source and as an
// ephemeral resource, for configurations that keep even the PEM form's path
// out of state.
var signingKeyTwin = &twin[signingKeyModel]{
	typeName:             "_signing_key",
	attrs:                signingKeyAttrs,
	dataDescription:      signingKeyDescription,
	ephemeralDescription: signingKeyDescription,
	read:                 (*signingKeyModel).read,
}
