package oauth

import (
	"errors"
	"os"
	"strings"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/redact"
)

// Secret is one secret argument in its three forms: Value given inline,
// File naming a file that holds it, Env naming an environment variable that
// holds it. At most one is set. The file and the variable are read when a
// request is sent, on every attempt, so a rotated file or a refreshed
// variable is picked up and the value never passes through Terraform's
// configuration, state or plan.
type Secret struct{ Value, File, Env string }

// SecretArgs are the names of a secret's three arguments, for messages and
// for the diagnostics that blame one of them.
type SecretArgs struct{ Inline, File, Env string }

// The secrets of a token request, by their arguments.
var (
	ClientSecretArgs    = SecretArgs{ArgClientSecret, ArgClientSecretFile, ArgClientSecretEnv}
	PrivateKeyArgs      = SecretArgs{ArgPrivateKeyPEM, ArgPrivateKeyFile, ArgPrivateKeyEnv}
	ClientAssertionArgs = SecretArgs{ArgClientAssertion, ArgClientAssertionFile, ArgClientAssertionEnv}
	SubjectTokenArgs    = SecretArgs{ArgSubjectToken, ArgSubjectTokenFile, ArgSubjectTokenEnv}
	ActorTokenArgs      = SecretArgs{ArgActorToken, ArgActorTokenFile, ArgActorTokenEnv}
)

// Inline is a secret given as its value.
func Inline(v string) Secret { return Secret{Value: v} }

// IsSet reports whether any form is set.
func (s Secret) IsSet() bool { return s.forms() > 0 }

func (s Secret) forms() int {
	n := 0
	for _, v := range []string{s.Value, s.File, s.Env} {
		if v != "" {
			n++
		}
	}
	return n
}

// All is the three argument names, inline first.
func (a SecretArgs) All() []string { return []string{a.Inline, a.File, a.Env} }

// names is "a, a_file and a_env".
func (a SecretArgs) names() string { return a.Inline + ", " + a.File + " and " + a.Env }

// checkOneForm is the rule that a secret is given in at most one form.
func (s Secret) checkOneForm(a SecretArgs) error {
	if s.forms() > 1 {
		return argErr(a.File, "Set only one of %s.", a.names())
	}
	return nil
}

// Arg is the argument of the form that is set: the one a message about the
// secret's value blames (the inline one when none is set).
func (s Secret) Arg(a SecretArgs) string {
	switch {
	case s.File != "":
		return a.File
	case s.Env != "":
		return a.Env
	}
	return a.Inline
}

// Read is read for a secret outside a token request (the shared cache's
// password, say), with its arguments' names for the messages.
func (s Secret) Read(a SecretArgs, reg *redact.Registry) (string, error) {
	if err := s.checkOneForm(a); err != nil {
		return "", err
	}
	return s.read(a, reg)
}

// read returns the secret's value now: inline, the file's content trimmed of
// surrounding white space, or the variable's, and hands it to reg before
// anyone can send it, so that no text shown later can repeat it: a secret
// is registered here, where it is read, and nowhere else. Errors name the
// file or the variable, never the content, and blame the argument that
// named it.
func (s Secret) read(a SecretArgs, reg *redact.Registry) (string, error) {
	v, err := s.value(a)
	if err == nil && reg != nil {
		reg.Remember(v)
	}
	return v, err
}

func (s Secret) value(a SecretArgs) (string, error) {
	switch {
	case s.Value != "":
		return s.Value, nil
	case s.File != "":
		b, err := readFile(s.File)
		if err != nil {
			return "", argErr(a.File, "The file %s named by %s could not be read: %v.", s.File, a.File, err)
		}
		v := strings.TrimSpace(string(b))
		if v == "" {
			return "", argErr(a.File, "The file %s named by %s is empty.", s.File, a.File)
		}
		return v, nil
	case s.Env != "":
		v, ok := os.LookupEnv(s.Env)
		if !ok {
			return "", argErr(a.Env, "The environment variable %s named by %s is not set.", s.Env, a.Env)
		}
		if v = strings.TrimSpace(v); v == "" {
			return "", argErr(a.Env, "The environment variable %s named by %s is empty.", s.Env, a.Env)
		}
		return v, nil
	}
	return "", nil
}

// readNow is the value where it can be known without waiting for the
// request: inline, or in a file that exists now. A variable, or a file not
// there yet (written by an earlier step), is read when the request is sent.
func (s Secret) readNow(a SecretArgs) string {
	if s.Env != "" {
		return ""
	}
	v, _ := s.value(a) // only looked at, never sent: not registered
	return v
}

// readFile reads a file a configuration names; its error leaves out the
// path, which the caller's message gives once.
func readFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	var pe *os.PathError
	if errors.As(err, &pe) {
		return nil, pe.Err
	}
	return b, err
}
