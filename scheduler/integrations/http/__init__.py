"""Guarded server-side HTTP: every fetch resolves, checks and pins its address (see transport.py)."""
from scheduler.integrations.http.addresses import check_host, parse_address, refusal
from scheduler.integrations.http.errors import BlockedURL, BodyTooLarge, FetchError, FetchTimeout, FetchUnavailable
from scheduler.integrations.http.fetch import Page, check_url, fetch
from scheduler.integrations.http.transport import (
    MAX_BYTES,
    MAX_REDIRECTS,
    TIMEOUT_SECONDS,
    USER_AGENT,
    GuardedBackend,
    GuardedTransport,
    Resolver,
    guarded_client,
    system_resolver,
)

__all__ = [
    "MAX_BYTES", "MAX_REDIRECTS", "TIMEOUT_SECONDS", "USER_AGENT", "BlockedURL", "BodyTooLarge", "FetchError", "FetchTimeout",
    "FetchUnavailable", "GuardedBackend", "GuardedTransport", "Page", "Resolver", "check_host", "check_url", "fetch",
    "guarded_client", "parse_address", "refusal", "system_resolver",
]
