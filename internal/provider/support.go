package provider

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	dschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	eschema "github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
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

// errorDiag is the one way an error becomes a diagnostic, at validate and at
// read alike: a protocol *Error gives its own summary and full detail; an
// argument error alone (from validation) its summary and message; anything
// else is sanitised. Whichever it is, it is attached to the argument it
// blames, when it blames one: the protocol names the form of a secret the
// configuration used (client_secret_file, not client_secret).
func errorDiag(err error) diag.Diagnostic { return errorDiagAt(path.Empty(), err) }

// errorDiagAt is errorDiag for an error about the arguments of a nested
// block: the argument blamed is taken inside block.
func errorDiagAt(block path.Path, err error) diag.Diagnostic {
	// Only the protocol's own errors can carry a server's text, and those
	// are sanitised with the instance's registry; anything else still
	// passes the sanitiser's fixed rules.
	var anyInstance *redact.Registry
	summary, detail := "Request Failed", anyInstance.Sanitize(err.Error(), 1000)
	var oe *oauth.Error
	var ae *oauth.ArgError
	switch {
	case errors.As(err, &oe):
		summary, detail = oe.Summary, oe.Error()
	case errors.As(err, &ae):
		summary, detail = "Invalid Configuration", ae.Msg
		if ae.Summary != "" {
			summary = ae.Summary
		}
	}
	if errors.As(err, &ae) {
		at := path.Root(ae.Arg)
		if !block.Equal(path.Empty()) {
			at = block.AtName(ae.Arg)
		}
		return diag.NewAttributeErrorDiagnostic(at, summary, detail)
	}
	return diag.NewErrorDiagnostic(summary, detail)
}

// reportBug is the one wording of "this is our bug".
const reportBug = "This is a bug in the provider; please report it at https://github.com/clientcreds/terraform-provider-clientcreds/issues."

// dataSourceConfigured and ephemeralBase keep what the provider's
// Configure handed over, nil before it ran: every data source and ephemeral
// resource embeds one, and with it its Configure.
type dataSourceConfigured struct{ pd *providerData }

func (c *dataSourceConfigured) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	c.pd = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

// ephemeralBase also gives every ephemeral resource its Metadata and
// Schema, from a type name and data-source attribute literals (converted
// here), so that each resource writes only its Open and Close.
type ephemeralBase struct {
	pd *providerData
	// typeName follows the provider's type name, as "_token".
	typeName, description string
	attrs                 map[string]dschema.Attribute
}

func (c *ephemeralBase) Configure(_ context.Context, req ephemeral.ConfigureRequest, resp *ephemeral.ConfigureResponse) {
	c.pd = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (c *ephemeralBase) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + c.typeName
}

func (c *ephemeralBase) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	resp.Schema = eschema.Schema{MarkdownDescription: c.description, Attributes: ephemeralAttributes(c.attrs)}
}

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
