"""Rate limits with Discord's headers: per-route buckets keyed by major parameter, and a global per-second bucket.

Off unless a test passes a ``RateLimitConfig``. Interaction callbacks are exempt from the global limit, as on
Discord; followups are limited per interaction token.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

_CHANNEL_MESSAGE_ROUTES = frozenset(
    {
        "POST /channels/{channel_id}/messages",
        "PATCH /channels/{channel_id}/messages/{message_id}",
        "DELETE /channels/{channel_id}/messages/{message_id}",
    }
)


@dataclass(frozen=True)
class RateLimitConfig:
    """Limits as ``(requests, window_seconds)``; None switches a kind of limit off.

    ``per_channel`` covers creating, editing and deleting messages in one channel; ``webhook`` covers followups and
    ``@original`` edits per interaction token; ``per_route`` sets a bucket for any other ``"METHOD /template"``.
    """

    global_per_second: int | None = 50
    per_channel: tuple[int, float] | None = (5, 5.0)
    webhook: tuple[int, float] | None = (5, 2.0)
    per_route: dict[str, tuple[int, float]] = field(default_factory=dict)


@dataclass
class RateLimitStats:
    """How many 429s the stand-in sent, by scope."""

    global_429s: int = 0
    bucket_429s: int = 0
    requests_limited: list[str] = field(default_factory=list)

    @property
    def total_429s(self) -> int:
        """All 429s sent."""
        return self.global_429s + self.bucket_429s


@dataclass
class _Bucket:
    limit: int
    window: float
    remaining: int
    reset_at: float


@dataclass(frozen=True)
class RateLimitVerdict:
    """Headers to add to the response, and a 429 body when the request was refused."""

    headers: dict[str, str]
    limited_body: dict[str, object] | None = None


class RateLimiter:
    """Tracks buckets; ``check`` is called once per request before it is handled."""

    def __init__(self, config: RateLimitConfig | None) -> None:
        self.config = config
        self.stats = RateLimitStats()
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._global_window_start = 0.0
        self._global_count = 0

    def _limits_for(
        self, config: RateLimitConfig, route: str, params: dict[str, str]
    ) -> tuple[tuple[int, float] | None, str]:
        if route in config.per_route:
            return config.per_route[route], params.get("channel_id") or params.get("guild_id") or ""
        if route in _CHANNEL_MESSAGE_ROUTES:
            return config.per_channel, params.get("channel_id", "")
        if route.split(" ", 1)[1].startswith("/webhooks/"):
            return config.webhook, f"{params.get('application_id', '')}:{params.get('interaction_token', '')}"
        return None, ""

    def check(self, route: str, params: dict[str, str]) -> RateLimitVerdict:
        """Count one request on ``route`` (``"POST /channels/{channel_id}/messages"``)."""
        if self.config is None:
            return RateLimitVerdict(headers={})
        now = time.monotonic()
        path = route.split(" ", 1)[1]
        exempt = path.startswith(("/interactions/", "/webhooks/"))
        if self.config.global_per_second is not None and not exempt:
            if now - self._global_window_start >= 1.0:
                self._global_window_start = now
                self._global_count = 0
            self._global_count += 1
            if self._global_count > self.config.global_per_second:
                retry_after = max(1.0 - (now - self._global_window_start), 0.001)
                self.stats.global_429s += 1
                self.stats.requests_limited.append(route)
                log.debug("global rate limit hit on %s", route)
                return RateLimitVerdict(
                    headers={
                        "Retry-After": str(math.ceil(retry_after)),
                        "X-RateLimit-Global": "true",
                        "X-RateLimit-Scope": "global",
                        "Via": "1.1 google",
                    },
                    limited_body={
                        "message": "You are being rate limited.",
                        "retry_after": round(retry_after, 3),
                        "global": True,
                        "code": 0,
                    },
                )
        limits, major = self._limits_for(self.config, route, params)
        if limits is None:
            return RateLimitVerdict(headers={})
        limit, window = limits
        key = (route, major)
        bucket = self._buckets.get(key)
        if bucket is None or now >= bucket.reset_at:
            bucket = _Bucket(limit=limit, window=window, remaining=limit, reset_at=now + window)
            self._buckets[key] = bucket
        reset_after = max(bucket.reset_at - now, 0.0)
        bucket_hash = hashlib.sha1(route.encode(), usedforsecurity=False).hexdigest()[:16]
        headers = {
            "X-RateLimit-Limit": str(bucket.limit),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": bucket_hash,
        }
        if bucket.remaining <= 0:
            self.stats.bucket_429s += 1
            self.stats.requests_limited.append(route)
            log.debug("bucket rate limit hit on %s", route)
            headers.update(
                {
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Scope": "user",
                    "Retry-After": str(math.ceil(reset_after)),
                    "Via": "1.1 google",
                }
            )
            return RateLimitVerdict(
                headers=headers,
                limited_body={
                    "message": "You are being rate limited.",
                    "retry_after": round(max(reset_after, 0.001), 3),
                    "global": False,
                },
            )
        bucket.remaining -= 1
        headers["X-RateLimit-Remaining"] = str(bucket.remaining)
        return RateLimitVerdict(headers=headers)
