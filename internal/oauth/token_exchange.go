package oauth

import (
	"context"
	"strings"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/redact"
)

// RFC 8693 token exchange: the same request, transport and answers as the
// client-credentials grant, with a subject token (and optionally an actor
// token) in place of, or beside, the client's own credentials.

// TokenExchangeGrant is the grant_type of RFC 8693 §2.1.
const TokenExchangeGrant = "urn:ietf:params:oauth:grant-type:token-exchange"

const tokenTypePrefix = "urn:ietf:params:oauth:token-type:"

// TokenTypeURN expands the short names of RFC 8693 §3 token types (jwt,
// id_token, access_token, refresh_token, saml1, saml2) to their URNs; any
// other value is returned as it is.
func TokenTypeURN(s string) string {
	switch s {
	case "jwt", "id_token", "access_token", "refresh_token", "saml1", "saml2":
		return tokenTypePrefix + s
	}
	return s
}

// Exchange is what an RFC 8693 request carries beyond client
// authentication. Each token comes inline, from a file or an environment
// variable (read for every attempt), or, for the subject, from the CI
// platform's identity endpoint.
type Exchange struct {
	SubjectToken, SubjectTokenFile, SubjectTokenEnv string
	SubjectIdentity                                 *IdentitySource
	SubjectTokenType                                string // a URN; TokenTypeURN("jwt") by default
	ActorToken, ActorTokenFile, ActorTokenEnv       string
	ActorTokenType                                  string
	RequestedTokenType                              string
}

// Argument names of the exchange's own settings.
const (
	ArgSubjectToken     = "subject_token"
	ArgSubjectTokenFile = "subject_token_file"
	ArgSubjectTokenEnv  = "subject_token_env"
	ArgActorToken       = "actor_token"
	ArgActorTokenFile   = "actor_token_file"
	ArgActorTokenEnv    = "actor_token_env"
	ArgActorTokenType   = "actor_token_type"
)

// Check enforces RFC 8693 §2.1: one subject token, an actor token only with
// its type.
func (x *Exchange) Check() error {
	if x.subjects() > 1 {
		return argErr(ArgSubjectTokenFile, "Set only one of subject_token, subject_token_file, subject_token_env and workload_identity.")
	}
	if secretForms(x.ActorToken, x.ActorTokenFile, x.ActorTokenEnv) > 1 {
		return argErr(ArgActorTokenFile, "Set only one of actor_token, actor_token_file and actor_token_env.")
	}
	return x.CheckArgs()
}

func (x *Exchange) subjects() int {
	n := secretForms(x.SubjectToken, x.SubjectTokenFile, x.SubjectTokenEnv)
	if x.SubjectIdentity != nil {
		n++
	}
	return n
}

// CheckArgs is Check for a configuration whose schema already refuses a
// token in two forms.
func (x *Exchange) CheckArgs() error {
	if x.SubjectIdentity != nil {
		if err := x.SubjectIdentity.Check(); err != nil {
			return err
		}
	}
	if x.subjects() == 0 {
		return argErr(ArgSubjectToken, "Set exactly one of subject_token, subject_token_file, subject_token_env and workload_identity.")
	}
	actors := secretForms(x.ActorToken, x.ActorTokenFile, x.ActorTokenEnv)
	if actors == 1 && x.ActorTokenType == "" {
		return argErr(ArgActorTokenType, "An actor token needs actor_token_type (RFC 8693 §2.1).")
	}
	if actors == 0 && x.ActorTokenType != "" {
		return argErr(ArgActorTokenType, "The actor_token_type is set but no actor token is.")
	}
	return nil
}

// resolved reads the subject and actor tokens as they are now (an identity
// token is fetched when the attempt is built, not here).
func (x *Exchange) resolved() (*Exchange, error) {
	res := *x
	var err error
	if res.SubjectToken, err = readSecret(x.SubjectToken, x.SubjectTokenFile, ArgSubjectTokenFile, x.SubjectTokenEnv, ArgSubjectTokenEnv); err != nil {
		return nil, err
	}
	if res.ActorToken, err = readSecret(x.ActorToken, x.ActorTokenFile, ArgActorTokenFile, x.ActorTokenEnv, ArgActorTokenEnv); err != nil {
		return nil, err
	}
	res.SubjectTokenFile, res.SubjectTokenEnv, res.ActorTokenFile, res.ActorTokenEnv = "", "", "", ""
	return &res, nil
}

// lead is the grant's parameters for one attempt, tokens read now.
func (x *Exchange) lead(ctx context.Context, c *Client) ([][2]string, error) {
	res, err := x.resolved()
	if err != nil {
		return nil, err
	}
	if res.SubjectIdentity != nil {
		if res.SubjectToken, err = c.IdentityToken(ctx, *res.SubjectIdentity); err != nil {
			return nil, err
		}
	}
	redact.Remember(res.SubjectToken, res.ActorToken)
	typ := x.SubjectTokenType
	if typ == "" {
		typ = TokenTypeURN("jwt")
	}
	p := [][2]string{{"grant_type", TokenExchangeGrant}, {"subject_token", res.SubjectToken}, {"subject_token_type", TokenTypeURN(typ)}}
	if res.ActorToken != "" {
		p = append(p, [2]string{"actor_token", res.ActorToken}, [2]string{"actor_token_type", TokenTypeURN(x.ActorTokenType)})
	}
	if x.RequestedTokenType != "" {
		p = append(p, [2]string{"requested_token_type", TokenTypeURN(x.RequestedTokenType)})
	}
	return p, nil
}

// identity is what tells two exchanges apart in memory, beyond the client:
// the tokens themselves (as read now) and their types.
func (x *Exchange) identity() string {
	if x == nil {
		return ""
	}
	src := ""
	if s := x.SubjectIdentity; s != nil {
		src = string(s.Platform) + "\x00" + s.Audience + "\x00" + s.ServiceConnectionID
	}
	return strings.Join([]string{x.SubjectToken, src, TokenTypeURN(x.SubjectTokenType), x.ActorToken, TokenTypeURN(x.ActorTokenType),
		TokenTypeURN(x.RequestedTokenType)}, "\x00")
}
