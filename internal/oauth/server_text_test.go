package oauth

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// A token endpoint that puts the client secret (given as client_secret_env)
// into the fields a Token keeps for state: none of them holds it.
func TestServerFieldsKeptForStateNeverHoldTheSecret(t *testing.T) {
	const secret = "env-secret-Zr8/Kp2+Wx9"
	t.Setenv("STATE_FIELDS_SECRET", secret)
	for _, field := range []string{"scope", "token_type", "issued_token_type"} {
		srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			form, _ := url.ParseQuery(string(body))
			answer := map[string]any{"access_token": "state-fields-token", "token_type": "Bearer", "expires_in": 60}
			answer[field] = "read " + form.Get("client_secret")
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(answer)
		})
		tok, err := newClient(t).Token(context.Background(), TokenRequest{TokenURL: srv.URL, ClientID: "c",
			ClientSecret: Secret{Env: "STATE_FIELDS_SECRET"}, AuthMethod: ClientSecretPost, NoShare: true})
		if err != nil {
			t.Fatal(err)
		}
		for name, v := range map[string]string{"scope": tok.Scope, "token_type": tok.TokenType, "issued_token_type": tok.IssuedTokenType} {
			if strings.Contains(v, secret) {
				t.Errorf("the server's %s put the secret into %s: %q", field, name, v)
			}
		}
	}
}

// Values of headers and extra_params may be API keys: an echo of one is
// never shown.
func TestHeaderAndExtraParamValuesAreRedacted(t *testing.T) {
	const apiKey, param = "hdr-api-key-5f2a9c-71b0", "tenant-8d1e0b-33c2-4f"
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": "invalid_request",
			"error_description": "bad key " + r.Header.Get("X-Api-Key") + " and tenant " + r.PostForm.Get("tenant")})
	})
	_, err := newClient(t).Token(context.Background(), TokenRequest{TokenURL: srv.URL, ClientID: "c", ClientSecret: Inline(testSecret), NoShare: true,
		Headers: map[string]string{"X-Api-Key": apiKey}, ExtraParams: map[string]string{"tenant": param}})
	if err == nil {
		t.Fatal("no error")
	}
	for _, v := range []string{apiKey, param} {
		if strings.Contains(err.Error(), v) {
			t.Errorf("the error shows %q: %v", v, err)
		}
	}
}
