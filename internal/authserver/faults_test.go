package authserver

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func startTest(t *testing.T, opts Options) *Server {
	t.Helper()
	if opts.Clients == nil {
		opts.Clients = map[string]string{"a": "sa", "b": "sb"}
	}
	s, err := Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

type answer struct {
	status int
	header http.Header
	body   map[string]any
}

func post(t *testing.T, s *Server, client string, form url.Values) answer {
	t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("grant_type", "client_credentials")
	form.Set("client_id", client)
	form.Set("client_secret", "s"+client)
	resp, err := http.PostForm(s.TokenURL(), form)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return answer{resp.StatusCode, resp.Header, body}
}

func TestFaultsTooManyThenServerErrors(t *testing.T) {
	s := startTest(t, Options{Faults: Faults{TooManyRequests: 2, RetryAfter: Duration(3 * time.Second), ServerErrors: 1, ServerErrorStatus: 502}})
	for i, want := range []int{429, 429, 502, 200} {
		a := post(t, s, "a", nil)
		if a.status != want {
			t.Fatalf("request %d: %d; want %d", i+1, a.status, want)
		}
		if want == 429 && a.header.Get("Retry-After") != "3" {
			t.Errorf("Retry-After %q; want 3", a.header.Get("Retry-After"))
		}
	}
	st := s.Stats()
	if st.TokenRequests != 4 || st.Faulted != 3 || st.TokensIssued != 1 || st.Refused != 0 || st.ByClient["a"].TokenRequests != 4 {
		t.Errorf("stats %+v", st)
	}
}

func TestFaultsRateLimitPerClient(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := startTest(t, Options{Now: func() time.Time { return now }, Faults: Faults{RateLimit: 2, RateWindow: Duration(time.Hour)}})
	for i := range 2 {
		if a := post(t, s, "a", nil); a.status != 200 {
			t.Fatalf("token %d: %d", i+1, a.status)
		}
	}
	a := post(t, s, "a", nil)
	if a.status != 429 || a.header.Get("Retry-After") != "3600" {
		t.Fatalf("third token in the hour: %d, Retry-After %q; want 429, 3600", a.status, a.header.Get("Retry-After"))
	}
	if b := post(t, s, "b", nil); b.status != 200 {
		t.Errorf("another client is limited too: %d", b.status)
	}
	now = now.Add(time.Hour)
	if a := post(t, s, "a", nil); a.status != 200 {
		t.Errorf("an hour later: %d", a.status)
	}
	if st := s.Stats(); st.RateLimited != 1 {
		t.Errorf("rate limited %d; want 1", st.RateLimited)
	}
}

func TestFaultsRevokeOlder(t *testing.T) {
	s := startTest(t, Options{Faults: Faults{RevokeOlder: true}})
	token := func(client string) string {
		tok, _ := post(t, s, client, nil).body["access_token"].(string)
		return tok
	}
	first, other, second := token("a"), token("b"), token("a")
	if s.Issued(first) || !s.Issued(second) || !s.Issued(other) {
		t.Errorf("after a second token: first valid %v, second %v, other client's %v", s.Issued(first), s.Issued(second), s.Issued(other))
	}
	if st := s.Stats(); st.RevokedByNewer != 1 {
		t.Errorf("revoked by newer %d; want 1", st.RevokedByNewer)
	}
}

func TestClientScopesAndAudiences(t *testing.T) {
	s := startTest(t, Options{ClientScopes: map[string][]string{"a": {"read"}}, ClientAudiences: map[string][]string{"a": {"api://one"}}})
	for _, c := range []struct {
		client, scope, audience string
		status                  int
		err                     string
	}{
		{"a", "read", "api://one", 200, ""},
		{"a", "read write", "", 400, "invalid_scope"},
		{"a", "", "api://two", 400, "invalid_target"},
		{"b", "anything", "api://any", 200, ""},
	} {
		a := post(t, s, c.client, url.Values{"scope": {c.scope}, "audience": {c.audience}})
		if a.status != c.status || (c.err != "" && a.body["error"] != c.err) {
			t.Errorf("%s asking %q for %q: %d %v; want %d %s", c.client, c.scope, c.audience, a.status, a.body["error"], c.status, c.err)
		}
	}
	if st := s.Stats(); st.Refused != 2 {
		t.Errorf("refused %d; want 2", st.Refused)
	}
}

func TestAdminEndpoints(t *testing.T) {
	s := startTest(t, Options{Admin: true})
	req, _ := http.NewRequest(http.MethodPut, s.FaultsURL(), strings.NewReader(`{"server_errors":1,"latency":"10ms"}`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != 200 || s.CurrentFaults().ServerErrors != 1 {
		t.Fatalf("PUT /faults: %d, faults %+v", resp.StatusCode, s.CurrentFaults())
	}
	req, _ = http.NewRequest(http.MethodPut, s.FaultsURL(), strings.NewReader(`{"server_error":1}`))
	if resp, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Fatalf("an unknown fault is not refused: %d", resp.StatusCode)
	}
	if a := post(t, s, "a", nil); a.status != 503 {
		t.Errorf("after PUT: %d; want 503", a.status)
	}
	post(t, s, "a", nil)
	resp, err = http.Get(s.StatsURL())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	var st Stats
	if err := json.Unmarshal(b, &st); err != nil || st.TokenRequests != 2 || st.TokensIssued != 1 || st.ByClient["a"].TokensIssued != 1 {
		t.Errorf("GET /stats: %s (%v)", b, err)
	}
}

func TestAdminEndpointsOffByDefault(t *testing.T) {
	s := startTest(t, Options{})
	resp, err := http.Get(s.StatsURL())
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("GET /stats without Admin: %d; want 404", resp.StatusCode)
	}
}
