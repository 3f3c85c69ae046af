# Epicollect5: every parameter in a JSON body, a numeric client ID, 2-hour
# tokens, and at most 10 tokens per hour per IP address.
data "clientcreds_token" "ec5" {
  token_url      = "https://five.epicollect.net/api/oauth/token"
  client_id      = "153"
  client_secret  = var.ec5_client_secret
  request_format = "json"
  content_type   = "application/vnd.api+json"
}
