"""What a shop plugs Apuri into: outbound webhooks (and, with the API keys, the JSON API)."""
