package oauth

import (
	"net/url"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/redact"
)

// resolvedRequest is a token request with its secrets read as they are at
// one moment: what the value checks look at, what the sharing and the
// persistent store are keyed by, what the mutual-TLS connection presents,
// and what one attempt sends. Each attempt resolves the request again, so
// that a rotated file or variable is picked up.
type resolvedRequest struct {
	*TokenRequest
	clientSecret, privateKey, clientAssertion string
	// grantVals are the grant's own secrets, by their inline argument.
	grantVals map[string]*string
	// endpoint is the token endpoint, checked against the URL policy once.
	endpoint *url.URL
}

// grantSecret is the value of the grant's secret named by its inline
// argument, as read; "" when it has none.
func (r *resolvedRequest) grantSecret(name string) string {
	if v := r.grantVals[name]; v != nil {
		return *v
	}
	return ""
}

// resolve reads every secret of the request now, each registered with reg
// as it is read, with the Basic form of the client's secret and the header
// and parameter values that could be credentials. Errors blame the
// argument that named the file or variable.
func (r *TokenRequest) resolve(reg *redact.Registry) (*resolvedRequest, error) {
	res := &resolvedRequest{TokenRequest: r}
	for _, s := range r.secrets(res) {
		v, err := s.read(s.args, reg)
		if err != nil {
			return nil, err
		}
		*s.dst = v
	}
	reg.RememberBasic(r.ClientID, res.clientSecret)
	// The provider cannot tell which headers and parameters carry an API
	// key, so every value that could be one is treated as one.
	for _, m := range []map[string]string{r.Headers, r.ExtraParams} {
		for _, v := range m {
			if couldBeCredential(v) {
				reg.Remember(v)
			}
		}
	}
	return res, nil
}

// boundSecret is one of a request's secrets, its arguments, and where a
// resolved request keeps its value.
type boundSecret struct {
	Secret
	args SecretArgs
	dst  *string
}

// secrets lists the request's secrets, the client's and the grant's,
// bound to res's fields.
func (r *TokenRequest) secrets(res *resolvedRequest) []boundSecret {
	s := []boundSecret{{r.ClientSecret, ClientSecretArgs, &res.clientSecret}, {r.PrivateKey, PrivateKeyArgs, &res.privateKey},
		{r.ClientAssertion, ClientAssertionArgs, &res.clientAssertion}}
	res.grantVals = map[string]*string{}
	for _, g := range r.grant().secrets() {
		v := new(string)
		res.grantVals[g.args.Inline] = v
		s = append(s, boundSecret{g.Secret, g.args, v})
	}
	return s
}

// checkOneForm refuses a secret given in more than one form, and an
// assertion given beside the workload identity that fetches one.
func (r *TokenRequest) checkOneForm() error {
	for _, s := range r.secrets(&resolvedRequest{}) {
		if err := s.checkOneForm(s.args); err != nil {
			return err
		}
	}
	if err := r.grant().checkForms(); err != nil {
		return err
	}
	if r.WorkloadIdentity != nil && r.ClientAssertion.IsSet() {
		return argErr(ArgWorkloadIdentity, "Set either workload_identity or a client_assertion, not both: workload_identity fetches the assertion itself.")
	}
	return nil
}
