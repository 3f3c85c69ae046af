package oauth

import (
	"errors"
	"os"
	"strings"
)

// A secret comes inline, from a file or from an environment variable; the
// file and the variable are read when a request is sent, on every attempt,
// so a rotated file or a refreshed variable is picked up and the value never
// passes through Terraform's configuration, state or plan.

// readSecret returns the value of the first form set: inline, file (its
// content, trimmed of surrounding white space), or environment variable.
// Errors name the file or the variable, never the content, and blame the
// argument that named it.
func readSecret(inline, file, fileArg, env, envArg string) (string, error) {
	switch {
	case inline != "":
		return inline, nil
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", argErr(fileArg, "The file %s named by %s could not be read: %v.", file, fileArg, pathErr(err))
		}
		v := strings.TrimSpace(string(b))
		if v == "" {
			return "", argErr(fileArg, "The file %s named by %s is empty.", file, fileArg)
		}
		return v, nil
	case env != "":
		v, ok := os.LookupEnv(env)
		if !ok {
			return "", argErr(envArg, "The environment variable %s named by %s is not set.", env, envArg)
		}
		if v = strings.TrimSpace(v); v == "" {
			return "", argErr(envArg, "The environment variable %s named by %s is empty.", env, envArg)
		}
		return v, nil
	}
	return "", nil
}

// pathErr is an os error without the path, which the message gives once.
func pathErr(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// resolved returns the request with its secrets read from their files and
// environment variables into the inline fields, as they are at this moment.
func (r *TokenRequest) resolved() (TokenRequest, error) {
	res := *r
	var err error
	if res.ClientSecret, err = readSecret(r.ClientSecret, r.ClientSecretFile, ArgClientSecretFile, r.ClientSecretEnv, ArgClientSecretEnv); err != nil {
		return res, err
	}
	key, err := readSecret(string(r.PrivateKeyPEM), r.PrivateKeyFile, ArgPrivateKeyFile, r.PrivateKeyEnv, ArgPrivateKeyEnv)
	if err != nil {
		return res, err
	}
	res.PrivateKeyPEM = []byte(key)
	if res.ClientAssertion, err = readSecret(r.ClientAssertion, r.ClientAssertionFile, ArgClientAssertionFile, r.ClientAssertionEnv, ArgClientAssertionEnv); err != nil {
		return res, err
	}
	if r.Exchange != nil {
		if res.Exchange, err = r.Exchange.resolved(); err != nil {
			return res, err
		}
	}
	res.ClientSecretFile, res.ClientSecretEnv, res.PrivateKeyFile, res.PrivateKeyEnv = "", "", "", ""
	res.ClientAssertionFile, res.ClientAssertionEnv = "", ""
	return res, nil
}

// secretForms counts how many forms of one secret are set, for the rule
// that at most one is.
func secretForms(vals ...string) int {
	n := 0
	for _, v := range vals {
		if v != "" {
			n++
		}
	}
	return n
}

// checkOneForm refuses a secret given in more than one form.
func (r *TokenRequest) checkOneForm() error {
	for _, s := range []struct {
		names string
		arg   string
		vals  []string
	}{
		{"client_secret, client_secret_file and client_secret_env", ArgClientSecretFile, []string{r.ClientSecret, r.ClientSecretFile, r.ClientSecretEnv}},
		{"private_key_pem, private_key_file and private_key_env", ArgPrivateKeyFile, []string{string(r.PrivateKeyPEM), r.PrivateKeyFile, r.PrivateKeyEnv}},
		{"client_assertion, client_assertion_file and client_assertion_env", ArgClientAssertionFile, []string{r.ClientAssertion, r.ClientAssertionFile, r.ClientAssertionEnv}},
	} {
		if secretForms(s.vals...) > 1 {
			return argErr(s.arg, "Set only one of %s.", s.names)
		}
	}
	if r.WorkloadIdentity != nil && secretForms(r.ClientAssertion, r.ClientAssertionFile, r.ClientAssertionEnv) > 0 {
		return argErr(ArgWorkloadIdentity, "Set either workload_identity or a client_assertion, not both: workload_identity fetches the assertion itself.")
	}
	return nil
}
