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

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Profile(enum.StrEnum):
    """How strict the platform is with data that fails a check it can only warn about in a sandbox."""

    SANDBOX = "sandbox"
    PRODUCTION = "production"


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "fapiao"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FAPIAO_", extra="ignore")

    data_dir: Path = Field(default_factory=_default_data_dir)
    database_url: str | None = None
    profile: Profile = Profile.SANDBOX
    secret_key: str | None = Field(default=None, repr=False)
    public_url: str | None = None
    max_document_bytes: int = 5 * 1024 * 1024
    log_level: str = "INFO"
    signature_skew_seconds: int = 900
    # TOP gateway (/router/rest) and its TMC queue.
    operator_token: str | None = Field(default=None, repr=False)  # bearer token of /api/v1/admin; unset: disabled
    top_timestamp_skew_seconds: int = 600  # TOP tolerates 10 minutes
    tmc_visibility_seconds: int = 300  # a consumed, unconfirmed TMC message comes back after this lease

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
