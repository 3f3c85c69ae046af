package provider

// exchangeTwin is clientcreds_token_exchange as each kind: one schema, one
// model, one fetch; only the descriptions differ.
var exchangeTwin = &twin[exchangeModel]{
	typeName: "_token_exchange",
	attrs:    exchangeAttrs,
	dataDescription: exchangeDescription +
		" The issued token is stored in state; where the consumer takes ephemeral values, prefer the ephemeral resource.",
	ephemeralDescription: exchangeDescription +
		" As an ephemeral resource (Terraform 1.10+), neither the subject token nor the issued token is written to state or a plan.",
	read:     (*exchangeModel).exchange,
	validate: validateExchangeConfig,
}
