"""What a user is told when the model fails: the reason in plain words, never a broken stream."""
from __future__ import annotations

import anthropic

RETRY = "Please try again in a minute."


def _error_type(exc: anthropic.APIStatusError) -> str:
    body = exc.body if isinstance(exc.body, dict) else {}
    error = body.get("error") if isinstance(body.get("error"), dict) else body
    return str(error.get("type") or "")


def model_failure_text(exc: BaseException) -> str | None:
    """The words for a failed model call (overloaded, rate-limited, refused key, unreachable); None if not a model failure."""
    if isinstance(exc, anthropic.APITimeoutError):
        return f"Claude took too long to answer, so I stopped waiting. {RETRY}"
    if isinstance(exc, anthropic.APIConnectionError):
        return f"I could not reach Claude just now (the connection failed). {RETRY}"
    if not isinstance(exc, anthropic.APIStatusError):
        return None
    kind = _error_type(exc)
    # A stream that breaks off with an `error` event arrives with the 200 of the stream: the type tells.
    if exc.status_code == 529 or kind == "overloaded_error":
        return f"Claude is overloaded right now, so I could not finish that answer. {RETRY}"
    if exc.status_code == 429 or kind == "rate_limit_error":
        return f"Claude is rate-limiting this service right now. {RETRY}"
    if exc.status_code in (401, 403) or kind in ("authentication_error", "permission_error"):
        return "Claude refused this service's API key; whoever runs it should check ANTHROPIC_API_KEY."
    if exc.status_code == 404 or kind == "not_found_error":
        return "Claude does not know the model this service asks for; check PLAYBOOKS_MODEL_FAST and PLAYBOOKS_MODEL_STRONG."
    return f"Claude answered with an error ({exc.status_code} {kind or 'unknown'}), so I could not finish that answer. {RETRY}"
