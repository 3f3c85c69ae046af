package oauth

import (
	"context"
	"errors"
	"strings"
)

// RFC 8693 token exchange: the same request, transport and answers as the
// client-credentials grant, with a subject token (and optionally an actor
// token) in place of, or beside, the client's own credentials.

// tokenExchangeGrant is the grant_type of RFC 8693 §2.1.
const tokenExchangeGrant = "urn:ietf:params:oauth:grant-type:token-exchange"

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
// variable (read for every attempt), or from the platform's identity
// endpoint (fetched for every attempt, never stored).
type Exchange struct {
	SubjectToken     Secret
	SubjectIdentity  IdentitySource
	SubjectTokenType string // a URN; TokenTypeURN("jwt") by default
	ActorToken       Secret
	// ActorIdentity gives the actor token from a workload identity, its
	// arguments named actor_workload_identity*; ActorTokenType then
	// defaults to TokenTypeURN("jwt").
	ActorIdentity      IdentitySource
	ActorTokenType     string
	RequestedTokenType string
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
	// ArgActorPrefix names the actor's workload identity arguments:
	// actor_workload_identity, actor_workload_identity_audience, and so on
	// for each workload_identity argument.
	ArgActorPrefix           = "actor_"
	ArgActorWorkloadIdentity = ArgActorPrefix + ArgWorkloadIdentity
)

// checkForms enforces RFC 8693 §2.1's one subject token, and one form of
// the actor token.
func (x *Exchange) checkForms() error {
	if x.subjects() > 1 {
		return argErr(ArgSubjectTokenFile, "Set only one of subject_token, subject_token_file, subject_token_env and workload_identity.")
	}
	if err := x.ActorToken.checkOneForm(ActorTokenArgs); err != nil {
		return err
	}
	if x.actors() > 1 {
		return argErr(ArgActorWorkloadIdentity, "Set only one of actor_token, actor_token_file, actor_token_env and actor_workload_identity.")
	}
	return nil
}

func (x *Exchange) actors() int {
	n := x.ActorToken.forms()
	if x.ActorIdentity != nil {
		n++
	}
	return n
}

// actor is the actor's identity source, its errors naming the actor's
// arguments; nil without one.
func (x *Exchange) actor() IdentitySource {
	if x.ActorIdentity == nil {
		return nil
	}
	return actorSource{x.ActorIdentity}
}

// actorSource is an identity source whose argument errors blame the
// actor's arguments (actor_workload_identity_audience for
// workload_identity_audience), since the same sources serve both.
type actorSource struct{ IdentitySource }

func (s actorSource) Check() error { return actorArg(s.IdentitySource.Check()) }

func (s actorSource) Token(ctx context.Context, h PlatformHTTP) (string, error) {
	tok, err := s.IdentitySource.Token(ctx, h)
	return tok, actorArg(err)
}

func actorArg(err error) error {
	var ae *ArgError
	if !errors.As(err, &ae) || !strings.HasPrefix(ae.Arg, ArgWorkloadIdentity) {
		return err
	}
	return &ArgError{Arg: ArgActorPrefix + ae.Arg, Summary: ae.Summary,
		Msg: strings.ReplaceAll(ae.Msg, ArgWorkloadIdentity, ArgActorWorkloadIdentity)}
}

func (x *Exchange) subjects() int {
	n := x.SubjectToken.forms()
	if x.SubjectIdentity != nil {
		n++
	}
	return n
}

// check enforces the rest of RFC 8693 §2.1: a subject token, an actor
// token only with its type.
func (x *Exchange) check(*TokenRequest) error {
	return withSummary(x.checkArgs(), "Invalid Token Exchange")
}

func (x *Exchange) checkArgs() error {
	if x.SubjectIdentity != nil {
		if err := x.SubjectIdentity.Check(); err != nil {
			return err
		}
	}
	if a := x.actor(); a != nil {
		if err := a.Check(); err != nil {
			return err
		}
	}
	if x.subjects() == 0 {
		return argErr(ArgSubjectToken, "Set exactly one of subject_token, subject_token_file, subject_token_env and workload_identity.")
	}
	if x.ActorToken.IsSet() && x.ActorTokenType == "" {
		return argErr(ArgActorTokenType, "An actor token needs actor_token_type (RFC 8693 §2.1).")
	}
	if x.actors() == 0 && x.ActorTokenType != "" {
		return argErr(ArgActorTokenType, "The actor_token_type is set but no actor token is.")
	}
	return nil
}

func (x *Exchange) prepare(*TokenRequest, *Client) error { return nil }

func (x *Exchange) secrets() []grantSecret {
	return []grantSecret{{x.SubjectToken, SubjectTokenArgs}, {x.ActorToken, ActorTokenArgs}}
}

// chooseAuth sends no client authentication when there is no client: the
// subject token stands alone (Google's STS).
func (x *Exchange) chooseAuth(r *TokenRequest, _ *Metadata) (AuthMethod, bool) {
	if r.ClientID == "" {
		return None, true
	}
	return "", false
}

func (x *Exchange) clientOptional(*TokenRequest) bool { return true }
func (x *Exchange) signsWithKey() bool                { return false }
func (x *Exchange) carriesScope() bool                { return false }

// storable is false for a subject or an actor fetched from a workload
// identity: it is the CI job's own, which neither the configuration nor the
// fingerprint can tell apart from another job's.
func (x *Exchange) storable() bool        { return x.SubjectIdentity == nil && x.ActorIdentity == nil }
func (x *Exchange) summary() string       { return "Token Exchange Failed" }
func (x *Exchange) action() string        { return "token exchange" }
func (x *Exchange) issues(tt string) bool { return tt == "N_A" } // RFC 8693 §2.2.1: not an access token

// params are the grant's parameters for one attempt, from its tokens as
// read; a workload identity's token (the subject's, the actor's) is
// fetched now.
func (x *Exchange) params(ctx context.Context, c *Client, res *resolvedRequest) ([][2]string, error) {
	subject := res.grantSecret(ArgSubjectToken)
	if x.SubjectIdentity != nil {
		var err error
		if subject, err = c.IdentityToken(ctx, x.SubjectIdentity); err != nil {
			return nil, err
		}
	}
	typ := x.SubjectTokenType
	if typ == "" {
		typ = TokenTypeURN("jwt")
	}
	p := [][2]string{{"grant_type", tokenExchangeGrant}, {"subject_token", subject}, {"subject_token_type", TokenTypeURN(typ)}}
	actor, actorType := res.grantSecret(ArgActorToken), x.ActorTokenType
	if a := x.actor(); a != nil {
		var err error
		if actor, err = c.IdentityToken(ctx, a); err != nil {
			return nil, err
		}
		if actorType == "" {
			actorType = TokenTypeURN("jwt")
		}
	}
	if actor != "" {
		p = append(p, [2]string{"actor_token", actor}, [2]string{"actor_token_type", TokenTypeURN(actorType)})
	}
	if x.RequestedTokenType != "" {
		p = append(p, [2]string{"requested_token_type", TokenTypeURN(x.RequestedTokenType)})
	}
	return p, nil
}

// identity is what tells two exchanges apart, beyond the client: the
// tokens themselves (as read), the identity sources they come from, and
// their types.
func (x *Exchange) identity(res *resolvedRequest) string {
	return strings.Join([]string{res.grantSecret(ArgSubjectToken), sourceKey(x.SubjectIdentity), TokenTypeURN(x.SubjectTokenType),
		res.grantSecret(ArgActorToken), sourceKey(x.ActorIdentity), TokenTypeURN(x.ActorTokenType), TokenTypeURN(x.RequestedTokenType)}, "\x00")
}

func sourceKey(s IdentitySource) string {
	if s == nil {
		return ""
	}
	return s.Key()
}
