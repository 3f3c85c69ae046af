# Epicollect5 through the ephemeral resource. Each plan and each apply opens
# it, so a plan-and-apply run costs two of Epicollect5's 10 tokens per hour.
ephemeral "clientcreds_token" "ec5" {
  token_url      = "https://five.epicollect.net/api/oauth/token"
  client_id      = "153"
  client_secret  = var.ec5_client_secret
  request_format = "json"
  content_type   = "application/vnd.api+json"
}
