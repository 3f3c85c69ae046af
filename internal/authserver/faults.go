package authserver

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Faults are failures the token endpoint produces on demand, for tests of
// how a client copes: they can be given at start (Options.Faults) and
// replaced while the server runs (SetFaults, or PUT on the faults endpoint).
// Every fault applies to token requests only, after they are counted.
type Faults struct {
	// TooManyRequests answers the next TooManyRequests token requests 429
	// with a Retry-After header of RetryAfter (1 s by default).
	TooManyRequests int `json:"too_many_requests,omitempty"`
	// RetryAfter is the Retry-After sent with 429 answers, whole seconds.
	RetryAfter Duration `json:"retry_after,omitempty"`
	// ServerErrors answers the next ServerErrors token requests with
	// ServerErrorStatus (503 by default), after any 429s.
	ServerErrors      int `json:"server_errors,omitempty"`
	ServerErrorStatus int `json:"server_error_status,omitempty"`
	// Latency delays every token answer.
	Latency Duration `json:"latency,omitempty"`
	// RateLimit, when above zero, allows each client at most RateLimit
	// tokens per RateWindow (an hour by default), as Epicollect5 allows 10
	// an hour; a request over the limit is answered 429 with Retry-After
	// naming when the oldest token of the window leaves it.
	RateLimit  int      `json:"rate_limit,omitempty"`
	RateWindow Duration `json:"rate_window,omitempty"`
	// RevokeOlder makes each new token revoke every earlier token of the
	// same client, as Epicollect5 does: only the newest one is accepted.
	RevokeOlder bool `json:"revoke_older,omitempty"`
}

// Duration is a time.Duration that reads and writes JSON as Go duration
// text ("1.5s", "2h") and also reads a number as seconds.
type Duration time.Duration

// MarshalJSON writes the duration as text.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads "90s" or 90.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var n float64
	if err := json.Unmarshal(b, &n); err == nil {
		*d = Duration(n * float64(time.Second))
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// Stats counts what the server did since it started.
type Stats struct {
	// TokenRequests counts every request to the token endpoint, refused,
	// failed on purpose or answered.
	TokenRequests int `json:"token_requests"`
	// TokensIssued counts tokens handed out.
	TokensIssued int `json:"tokens_issued"`
	// Refused counts requests answered with an OAuth error other than a
	// fault: bad client authentication, bad scope, bad grant.
	Refused int `json:"refused"`
	// Faulted counts requests answered with an injected 429 or 5xx,
	// rate-limited ones included; RateLimited counts those alone.
	Faulted     int `json:"faulted"`
	RateLimited int `json:"rate_limited"`
	// DiscoveryRequests counts metadata document fetches.
	DiscoveryRequests int `json:"discovery_requests"`
	// Revocations counts revocation requests that succeeded; RevokedByNewer
	// counts tokens revoked because a newer one was issued (RevokeOlder).
	Revocations    int `json:"revocations"`
	RevokedByNewer int `json:"revoked_by_newer"`
	// APICalls counts requests to the protected API.
	APICalls int `json:"api_calls"`
	// ByClient counts token requests per client id, as the client
	// identified itself (refused requests included).
	ByClient map[string]ClientStats `json:"by_client"`
}

// ClientStats are one client's counts.
type ClientStats struct {
	TokenRequests int `json:"token_requests"`
	TokensIssued  int `json:"tokens_issued"`
}

// SetFaults replaces the faults in force; the counts of TooManyRequests and
// ServerErrors start again from the new values.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
}

// CurrentFaults returns the faults in force, with the counts of failures
// still to come.
func (s *Server) CurrentFaults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults
}

// Stats returns the server's counts.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.DiscoveryRequests, st.APICalls, st.Revocations = s.discovered, s.apiCalls, len(s.revoked)
	st.ByClient = make(map[string]ClientStats, len(s.stats.ByClient))
	for k, v := range s.stats.ByClient {
		st.ByClient[k] = v
	}
	return st
}

// injectFault answers a token request with the next fault due, if any, and
// reports whether it did. It runs after the client is authenticated, so a
// rate limit counts per client.
func (s *Server) injectFault(w http.ResponseWriter, clientID string) bool {
	s.mu.Lock()
	f := &s.faults
	var status int
	var retryAfter time.Duration
	switch {
	case f.TooManyRequests > 0:
		f.TooManyRequests--
		status, retryAfter = http.StatusTooManyRequests, time.Duration(f.RetryAfter)
		if retryAfter <= 0 {
			retryAfter = time.Second
		}
	case f.ServerErrors > 0:
		f.ServerErrors--
		status = f.ServerErrorStatus
		if status < 500 || status > 599 {
			status = http.StatusServiceUnavailable
		}
	case f.RateLimit > 0:
		window := time.Duration(f.RateWindow)
		if window <= 0 {
			window = time.Hour
		}
		now := s.opts.Now()
		recent := slices.DeleteFunc(s.issuedTo[clientID], func(t time.Time) bool { return now.Sub(t) >= window })
		s.issuedTo[clientID] = recent
		if len(recent) >= f.RateLimit {
			status = http.StatusTooManyRequests
			retryAfter = recent[len(recent)-f.RateLimit].Add(window).Sub(now)
			s.stats.RateLimited++
		}
	}
	if status != 0 {
		s.stats.Faulted++
	}
	s.mu.Unlock()
	if status == 0 {
		return false
	}
	markFault(w)
	switch status {
	case http.StatusTooManyRequests:
		secs := int((retryAfter + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
		oauthError(w, status, "slow_down", "too many token requests; retry later")
	default:
		oauthError(w, status, "temporarily_unavailable", "the server is failing on purpose")
	}
	return true
}

// checkPolicy refuses a scope or audience the client is not registered for
// (invalid_scope, RFC 6749 §5.2; invalid_target, RFC 8707 §2). A client
// without a registered list may ask for anything.
func (s *Server) checkPolicy(w http.ResponseWriter, clientID, scope, audience string) bool {
	if allowed, ok := s.opts.ClientScopes[clientID]; ok {
		for _, sc := range strings.Fields(scope) {
			if !slices.Contains(allowed, sc) {
				oauthError(w, http.StatusBadRequest, "invalid_scope", "scope "+strconv.Quote(sc)+" is not granted to this client")
				return false
			}
		}
	}
	if allowed, ok := s.opts.ClientAudiences[clientID]; ok && audience != "" && !slices.Contains(allowed, audience) {
		oauthError(w, http.StatusBadRequest, "invalid_target", "audience "+strconv.Quote(audience)+" is not granted to this client")
		return false
	}
	return true
}

// statsHandler serves Stats as JSON.
func (s *Server) statsHandler(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.Stats())
}

// faultsHandler shows (GET) or replaces (PUT, a JSON Faults) the faults.
func (s *Server) faultsHandler(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPut {
		var f Faults
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": err.Error()})
			return
		}
		s.SetFaults(f)
	}
	writeJSON(w, http.StatusOK, s.CurrentFaults())
}
