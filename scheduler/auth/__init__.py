"""Who may call: session tokens, agent keys and the cron secret."""
