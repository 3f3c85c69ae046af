package authserver

import (
	"errors"
	"net/url"
)

const tokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange"

// checkSubject is RFC 8693 §2.1 as a server applies it: a subject token and
// its type; an actor token only with its type; the subject either a token
// this server issued or a JWT the trusted issuer (Subjects) signed.
func (s *Server) checkSubject(p url.Values) error {
	subject, typ := p.Get("subject_token"), p.Get("subject_token_type")
	switch {
	case subject == "" || typ == "":
		return errors.New("subject_token and subject_token_type are required")
	case (p.Get("actor_token") == "") != (p.Get("actor_token_type") == ""):
		return errors.New("actor_token and actor_token_type go together")
	}
	s.mu.Lock()
	_, ours := s.tokens[subject]
	s.mu.Unlock()
	if ours {
		if typ != "urn:ietf:params:oauth:token-type:access_token" {
			return errors.New("subject_token_type does not match: the subject is an access token of ours")
		}
		return nil
	}
	if s.opts.Subjects == nil {
		return errors.New("the subject token is not one this server issued")
	}
	if typ != "urn:ietf:params:oauth:token-type:jwt" && typ != "urn:ietf:params:oauth:token-type:id_token" {
		return errors.New("a foreign subject token must be a JWT")
	}
	_, err := s.opts.Subjects.verify(subject, s.opts.Now())
	return err
}
