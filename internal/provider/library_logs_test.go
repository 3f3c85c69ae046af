package provider

import (
	"os"
	"testing"
)

// With no TF_LOG variable, the libraries' loggers are turned off; with
// one, nothing is touched, so that a trace log the user asked for is whole.
func TestLibraryLogsOffOnlyWhenNoLogWasAsked(t *testing.T) {
	for _, name := range []string{"TF_LOG", "TF_LOG_PROVIDER", "TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_PROVIDER_CLIENTCREDS"} {
		t.Setenv(name, "")
		_ = os.Unsetenv(name)
	}
	QuietLibraryLogsUnlessAsked()
	if got := os.Getenv("TF_LOG_SDK_FRAMEWORK"); got != "off" {
		t.Errorf("with no log asked for, TF_LOG_SDK_FRAMEWORK is %q; want off", got)
	}
	for _, name := range []string{"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_PROVIDER"} {
		_ = os.Unsetenv(name)
	}
	t.Setenv("TF_LOG", "trace")
	QuietLibraryLogsUnlessAsked()
	if got, set := os.LookupEnv("TF_LOG_SDK_FRAMEWORK"); set {
		t.Errorf("with TF_LOG=trace, TF_LOG_SDK_FRAMEWORK was set to %q", got)
	}
}
