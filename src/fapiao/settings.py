"""Runtime settings, read once from the environment (``FAPIAO_*``) or passed explicitly.

The embedded mode needs nothing configured: SQLite under a data directory, a generated encryption key,
and the ``sandbox`` profile. A production deployment sets at least the database URL, the secret key and
``FAPIAO_PROFILE=production``.
"""

from __future__ import annotations

import enum
import os
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class LogFormat(enum.StrEnum):
    """How log lines are written (``fapiao.logging``): JSON lines for collectors, aligned text for a terminal."""

    JSON = "json"
    CONSOLE = "console"


class Profile(enum.StrEnum):
    """How strict the platform is with data that fails a check it can only warn about in a sandbox."""

    SANDBOX = "sandbox"
    PRODUCTION = "production"


# Seconds to wait before each retry of a failed webhook delivery: 1 m, 5 m, 30 m, 1 h, 3 h, 6 h, 12 h, so
# eight attempts spread over about 23 hours (Stripe retries for days; Kill Bill's 15 m … 1 d is the model).
DEFAULT_WEBHOOK_SCHEDULE = (60.0, 300.0, 1800.0, 3600.0, 10800.0, 21600.0, 43200.0)


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "fapiao"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FAPIAO_", extra="ignore")

    data_dir: Path = Field(default_factory=_default_data_dir)
    database_url: str | None = None
    profile: Profile = Profile.SANDBOX
    secret_key: str | None = Field(default=None, repr=False)
    # Keys that open what an earlier FAPIAO_SECRET_KEY sealed, comma-separated, during a key rotation
    # (docs/operations.md "Rotating the secret key"); unset once `fapiao secrets rotate` has run.
    old_secret_keys: Annotated[tuple[str, ...], NoDecode] = Field(default=(), repr=False)
    public_url: str | None = None
    # Addresses (or CIDR blocks, comma-separated; "*" for any) of reverse proxies whose X-Forwarded-For and
    # X-Forwarded-Proto headers name the client and its scheme. Unset: the socket peer is the client (a RAM
    # policy's acs:SourceIp and acs:SecureTransport read it), and nobody can claim another address.
    trusted_proxies: str | None = None
    max_document_bytes: int = 5 * 1024 * 1024
    # The metrics page (docs/operations.md "Logs and metrics"): on the server's port at /metrics, or on a port
    # of its own (served by ``fapiao serve``'s main process, which adds up every worker's counts); a bearer
    # token to read it, if set.
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    metrics_host: str = "127.0.0.1"
    metrics_token: str | None = Field(default=None, repr=False)
    log_level: str = "INFO"  # DEBUG, INFO (one access line per request), WARNING, ERROR or CRITICAL
    log_format: LogFormat = LogFormat.JSON
    # Request limits (docs/operations.md). Bodies: every REST route and both wire gateways; a document upload
    # may be max_document_bytes plus its multipart framing instead. The largest legitimate wire request (an
    # ApplyInvoice with hundreds of ids) is a few KB, the largest JSON body a few tens of KB.
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    max_header_bytes: int = Field(default=64 * 1024, ge=8 * 1024)  # request line and headers together
    header_timeout_seconds: float = Field(default=10.0, gt=0)  # from a request's first byte to its last header
    body_idle_timeout_seconds: float = Field(default=30.0, gt=0)  # longest silence inside a request body
    body_timeout_seconds: float = Field(default=120.0, gt=0)  # whole body, from the end of the headers
    max_connections: int = Field(default=1000, ge=1)  # per server process; requests beyond it get 503
    # The Alibaba Cloud RPC clock skew (15 minutes) is the protocol's rule, not a setting: the nonce window
    # is derived from it (protocols/aliyun/signing.py CLOCK_SKEW).
    # TOP gateway (/router/rest) and its TMC queue.
    operator_token: str | None = Field(default=None, repr=False)  # bearer token of /api/v1/admin; unset: disabled
    top_timestamp_skew_seconds: int = 600  # TOP tolerates 10 minutes
    tmc_visibility_seconds: int = 300  # a consumed, unconfirmed TMC message comes back after this lease
    # Webhooks (docs/webhooks.md). The schedule is a comma-separated or JSON list of seconds in the environment.
    webhook_schedule: Annotated[tuple[float, ...], NoDecode] = DEFAULT_WEBHOOK_SCHEDULE
    webhook_jitter: float = Field(default=0.1, ge=0, le=1)
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    webhook_claim_seconds: float = Field(default=60.0, gt=0)
    webhook_poll_seconds: float = Field(default=1.0, gt=0)
    webhook_response_bytes: int = Field(default=4096, ge=0)
    webhook_allow_private: bool | None = None
    # Retention (docs/operations.md "Retention"): days a row is kept once nothing waits on it; 0 keeps it forever.
    # `fapiao worker` (and the webhook worker inside `fapiao serve`) prunes every interval; `fapiao db prune` now.
    retention_audit_days: int = Field(default=0, ge=0)  # the audit log is a record: kept unless you decide
    retention_outbox_days: int = Field(default=30, ge=0)  # dispatched events with no delivery left
    retention_deliveries_days: int = Field(default=30, ge=0)  # succeeded or given-up deliveries, with attempts
    retention_interval_seconds: float = Field(default=3600.0, gt=0)
    run_worker: bool = False  # set by `fapiao serve` on SQLite for its in-process webhook worker
    # Throttling (fapiao.throttling, docs/operations.md "Throttling"); rates in the `limits` notation.
    rate_limiting: bool | None = None  # unset: on in production, off in the sandbox
    rate_limit_storage: str = "memory://"  # or redis://host:6379/0 to share the counters between processes
    rate_limit_default: str = "50/second"  # each caller, over all its calls without a rate of their own
    rate_limits: dict[str, str] = Field(default_factory=dict)  # action → its own rate per caller (JSON)
    rate_limit_failures: str = "30/minute"  # failed authentications per source address

    @field_validator("log_level")
    @classmethod
    def _check_log_level(cls, value: str) -> str:
        if value.upper() not in LOG_LEVELS:
            raise ValueError(f"the log level is one of {', '.join(LOG_LEVELS)}")
        return value.upper()

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower_log_format(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value

    @field_validator("rate_limits")
    @classmethod
    def _check_actions(cls, value: dict[str, str]) -> dict[str, str]:
        for action in value:
            method, _, path = action.removeprefix("rest:").partition(" ")
            if action.startswith("rest:") and not (method.isupper() and path.startswith("/")):
                raise ValueError(f"{action!r}: a REST action is 'rest:<METHOD> <path>', e.g. 'rest:GET /api/v1/titles'")
        return value

    @field_validator("rate_limit_storage")
    @classmethod
    def _check_storage(cls, value: str) -> str:
        if value != "memory://" and not value.startswith(("redis://", "rediss://", "redis+unix://")):
            raise ValueError("the rate limit storage is memory:// or a Redis URL (redis://host:6379/0)")
        return value

    @field_validator("old_secret_keys", mode="before")
    @classmethod
    def _split_keys(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("webhook_schedule", mode="before")
    @classmethod
    def _split_schedule(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part for part in value.strip().strip("[]").split(",") if part.strip()]
        return value

    @field_validator("webhook_schedule")
    @classmethod
    def _check_schedule(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if any(delay < 0 for delay in value):
            raise ValueError("webhook retry delays must not be negative")
        return value

    @model_validator(mode="after")
    def _claim_outlasts_attempt(self) -> Settings:
        # A claim must outlive the attempt it covers, or a second worker could start the same delivery.
        if self.webhook_claim_seconds < 2 * self.webhook_timeout_seconds:
            raise ValueError("webhook_claim_seconds must be at least twice webhook_timeout_seconds")
        return self

    @property
    def webhook_private_targets(self) -> bool:
        """Whether webhooks may target private, loopback and link-local addresses (default: sandbox only)."""
        if self.webhook_allow_private is not None:
            return self.webhook_allow_private
        return self.profile is Profile.SANDBOX

    @property
    def rate_limiting_enabled(self) -> bool:
        """Whether requests are throttled (default: in production only)."""
        if self.rate_limiting is not None:
            return self.rate_limiting
        return self.profile is Profile.PRODUCTION

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'fapiao.sqlite3'}"

    @property
    def documents_dir(self) -> Path:
        return self.data_dir / "documents"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")
