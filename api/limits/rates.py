"""Rate limits per organisation: a token bucket per (bucket, organisation), in process memory."""
from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from fastapi import HTTPException


class RateLimits:
    """Buckets of calls per minute (a burst of that many, refilled evenly); a rate of 0 is no limit.

    Each process keeps its own counts: with several servers behind a balancer, an organisation gets
    up to the rate on each, which is still a bound (the point is that one tenant cannot starve others).
    """

    def __init__(self, per_minute: dict[str, int], clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = dict(per_minute)
        self._clock = clock
        self._tokens: dict[tuple[str, str | None], tuple[float, float]] = {}  # (tokens left, when counted)
        self._lock = threading.Lock()

    def spend(self, bucket: str, org_id: str | None) -> None:
        """Take one call from the organisation's bucket; 429 with Retry-After when none is left."""
        rate = self.per_minute.get(bucket, 0)
        if rate <= 0:
            return
        per_second = rate / 60.0
        with self._lock:
            now = self._clock()
            tokens, then = self._tokens.get((bucket, org_id), (float(rate), now))
            tokens = min(float(rate), tokens + (now - then) * per_second)
            if tokens < 1.0:
                self._tokens[(bucket, org_id)] = (tokens, now)
                wait = math.ceil((1.0 - tokens) / per_second)
                raise HTTPException(429, f"too many {bucket} calls for this organisation: {rate} a minute; "
                                         f"try again in {wait} s", headers={"Retry-After": str(wait)})
            self._tokens[(bucket, org_id)] = (tokens - 1.0, now)
