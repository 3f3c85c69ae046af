package oauth

import (
	"errors"
	"fmt"
)

// The protocol package knows nothing of Terraform, but its messages name the
// settings a user must change, and those are the provider's arguments. This
// is the one table of those names: the provider's schemas are keyed by the
// same constants and its diagnostics point at them, so a message and the
// attribute it blames cannot drift apart.
const (
	ArgTokenURL            = "token_url"
	ArgClientID            = "client_id"
	ArgClientSecret        = "client_secret"
	ArgClientSecretFile    = "client_secret_file"
	ArgClientSecretEnv     = "client_secret_env"
	ArgAuthMethod          = "auth_method"
	ArgPrivateKeyPEM       = "private_key_pem"
	ArgPrivateKeyFile      = "private_key_file"
	ArgPrivateKeyEnv       = "private_key_env"
	ArgCertificatePEM      = "certificate_pem"
	ArgCertificateFile     = "certificate_file"
	ArgSigningAlgorithm    = "signing_algorithm"
	ArgKeyID               = "key_id"
	ArgAssertionAudience   = "assertion_audience"
	ArgClientAssertion     = "client_assertion"
	ArgClientAssertionFile = "client_assertion_file"
	ArgClientAssertionEnv  = "client_assertion_env"
	ArgWorkloadIdentity    = "workload_identity"
	ArgWorkloadAudience    = "workload_identity_audience"
	ArgWorkloadConnection  = "workload_identity_service_connection_id"
	ArgRequestFormat       = "request_format"
	ArgExtraParams         = "extra_params"
	ArgHeaders             = "headers"
)

// ArgError is a request that cannot be sent as configured, blaming the one
// argument to change. Its message is a full sentence.
type ArgError struct {
	Arg string // one of the Arg constants
	Msg string
	// Summary names the kind of problem for a diagnostic's title; empty
	// for the general "Invalid Configuration".
	Summary string
}

// withSummary titles an *ArgError; other errors pass through.
func withSummary(err error, summary string) error {
	var ae *ArgError
	if errors.As(err, &ae) && ae.Summary == "" {
		ae.Summary = summary
	}
	return err
}

func (e *ArgError) Error() string { return e.Msg }

func argErr(arg, format string, a ...any) *ArgError {
	return &ArgError{Arg: arg, Msg: fmt.Sprintf(format, a...)}
}
