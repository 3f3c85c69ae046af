package oauth

import (
	"context"
	"fmt"
	"net/http"
)

// RevokeRequest asks an RFC 7009 revocation endpoint to invalidate a token,
// authenticating the client the way the token was requested.
type RevokeRequest struct {
	URL   string
	Token string
	// Client is the token request the token came from; its credentials,
	// auth method, format and headers are reused.
	Client TokenRequest
}

// Revoke revokes a token. RFC 7009 §2.2: 200 means revoked or already invalid.
func (c *Client) Revoke(ctx context.Context, req RevokeRequest) error {
	o := c.op("Token Revocation Failed", "token revocation")
	c.cfg.Redact.Remember(req.Token)
	u, err := c.checkURL("revocation URL", req.URL)
	if err != nil {
		return o.failWith(err)
	}
	o.action = fmt.Sprintf("POST %s (auth_method %s)", redactURL(u), req.Client.AuthMethod)
	tr := req.Client
	tr.Scopes, tr.Audience, tr.Resources = nil, "", nil
	tr.ExtraParams = map[string]string{"token_type_hint": "access_token"}
	tr.Format, tr.ContentType = FormatForm, "" // RFC 7009 §2.1: always form-encoded
	// An assertion names the endpoint it is sent to as its aud, except
	// under rfc7523bis, where aud is the issuer identifier at every endpoint.
	if a, _ := tr.auth(); a.assertion && tr.AssertionProfile != ProfileRFC7523bis {
		tr.AssertionAudience = ""
		tr.TokenURL = u.String()
	}
	attempt, header := tr.encodeWith(ctx, c, map[string]string{"token": req.Token})
	res, err := tr.resolve(c.cfg.Redact) // the mTLS key, for the connection
	if err != nil {
		return o.failWith(err)
	}
	hc, err := c.postClient(res)
	if err != nil {
		return o.failWith(err)
	}
	ans, err := c.send(ctx, hc, http.MethodPost, u.String(), attempt, header, o)
	if err != nil {
		return err
	}
	if ans.status == http.StatusOK {
		return nil
	}
	f, err := decodeFields(ans)
	e := o.answerFailed(ans, "the server did not confirm the revocation", err != nil)
	e.Code, _ = f["error"].(string)
	e.Description, _ = f["error_description"].(string)
	return e
}
