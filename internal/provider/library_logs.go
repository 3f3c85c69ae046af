package provider

import (
	"os"
	"strings"
)

// QuietLibraryLogsUnlessAsked turns the plugin libraries' own logging off
// when Terraform was asked for no log at all; main calls it before serving,
// except with -debug, where the provider's stderr is the developer's log.
// Their loggers default to TRACE and JSON-encode a line per attribute of
// every request to stderr, which Terraform then throws away: most of a data
// source's validation time (make bench: 4.8 ms to 1.0 ms per
// ValidateDataResourceConfig). With TF_LOG, or a TF_LOG_PROVIDER* or
// TF_LOG_SDK* variable set, nothing changes (TF_LOG_CORE and TF_LOG_PATH
// alone ask for Terraform's own log, not the provider's).
func QuietLibraryLogsUnlessAsked() {
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "TF_LOG=") || strings.HasPrefix(kv, "TF_LOG_PROVIDER") || strings.HasPrefix(kv, "TF_LOG_SDK") {
			return
		}
	}
	for _, name := range []string{"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK", "TF_LOG_PROVIDER"} {
		_ = os.Setenv(name, "off")
	}
}
