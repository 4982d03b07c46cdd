"""What a guarded fetch can fail with; every message is one line a person can act on."""
from __future__ import annotations


class FetchError(Exception):
    """A fetch did not produce a page; `retryable` says whether trying again may help."""

    retryable: bool = False


class BlockedURL(FetchError):
    """The URL names something a server-side fetch must never reach (refused before any socket opens)."""


class BodyTooLarge(FetchError):
    """The response body is over the size cap; reading stopped there."""


class FetchTimeout(FetchError):
    """The whole fetch (every redirect hop and the body) took longer than its time cap."""

    retryable = True


class FetchUnavailable(FetchError):
    """The site could not be reached or broke off (DNS, refused connection, reset)."""

    retryable = True


def size_text(n: int) -> str:
    """A byte count as people say it: "5 MB", "1,000 bytes"."""
    return f"{n / 1024 / 1024:g} MB" if n >= 1024 * 1024 else f"{n:,} bytes"
