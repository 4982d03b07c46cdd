"""Outside systems the steps talk to: mail (and next, the web, SMS, Slack, webhooks, storage)."""
