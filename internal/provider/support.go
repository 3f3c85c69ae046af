package provider

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/clientcreds/terraform-provider-clientcreds/internal/oauth"
	"github.com/clientcreds/terraform-provider-clientcreds/internal/redact"
)

// tflogLogger sends the protocol package's log lines to tflog, where the
// masks set by maskSecrets apply.
type tflogLogger struct{}

func (tflogLogger) Debug(ctx context.Context, msg string, fields map[string]any) {
	tflog.Debug(ctx, msg, fields)
}

// maskSecrets makes every later log line under ctx replace these values,
// wherever they appear, in messages and in fields.
func maskSecrets(ctx context.Context, secrets ...string) context.Context {
	for _, s := range secrets {
		if s == "" {
			continue
		}
		ctx = tflog.MaskMessageStrings(ctx, s)
		ctx = tflog.MaskAllFieldValuesStrings(ctx, s)
	}
	return ctx
}

// errorDiag turns a protocol error into one diagnostic: the error's own short
// summary, and its full explanation as the detail, attached to the argument
// it blames when it blames one.
func errorDiag(err error) diag.Diagnostic {
	var oe *oauth.Error
	if !errors.As(err, &oe) {
		return diag.NewErrorDiagnostic("Request Failed", redact.Sanitize(err.Error(), 1000))
	}
	var ae *oauth.ArgError
	if errors.As(err, &ae) {
		return diag.NewAttributeErrorDiagnostic(path.Root(ae.Arg), oe.Summary, oe.Error())
	}
	return diag.NewErrorDiagnostic(oe.Summary, oe.Error())
}

// reportBug is the one wording of "this is our bug".
const reportBug = "This is a bug in the provider; please report it at https://github.com/clientcreds/terraform-provider-clientcreds/issues."

// providerDataFrom recovers what Configure handed over; nil before Configure.
func providerDataFrom(data any, diags *diag.Diagnostics) *providerData {
	if data == nil {
		return nil
	}
	pd, ok := data.(*providerData)
	if !ok {
		diags.AddError("Unexpected Provider Data", fmt.Sprintf("The provider was handed %T where it expected its own configuration. %s", data, reportBug))
	}
	return pd
}

// notConfigured is the diagnostic for a read before the provider was configured.
func notConfigured() diag.Diagnostic {
	return diag.NewErrorDiagnostic("Provider Not Configured",
		"The clientcreds provider was not configured before this read. "+reportBug)
}

// durationValidator accepts a positive Go duration such as "30s" or "2m".
type durationValidator struct{}

func (durationValidator) Description(context.Context) string {
	return "must be a positive duration such as 30s or 2m"
}

func (v durationValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v durationValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	d, err := time.ParseDuration(req.ConfigValue.ValueString())
	if err != nil || d <= 0 {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Duration",
			fmt.Sprintf("%q %s.", req.ConfigValue.ValueString(), v.Description(ctx)))
	}
}
