"""The long-lived parts a process shares: settings, database, secret box, document storage, read caches and
the throttle."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from fapiao.auth.caches import Caches
from fapiao.crypto import SecretBox, load_secret_box
from fapiao.settings import Profile, Settings
from fapiao.store.db import Database
from fapiao.store.files import DocumentStorage, FilesystemStorage
from fapiao.throttling import Throttle, build_throttle


@dataclass
class Runtime:
    settings: Settings
    db: Database
    box: SecretBox
    storage: DocumentStorage
    caches: Caches = field(default_factory=Caches)  # this process's, see auth.caches

    @cached_property
    def throttle(self) -> Throttle:
        """This process's throttle, built on first use (the server builds it at start: ``app.create_app``)."""
        return build_throttle(self.settings)

    @property
    def profile(self) -> Profile:
        return self.settings.profile

    def close(self) -> None:
        self.db.dispose()


def build_runtime(settings: Settings | None = None) -> Runtime:
    settings = settings or Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return Runtime(
        settings=settings,
        db=Database(settings.resolved_database_url),
        box=load_secret_box(settings),
        storage=FilesystemStorage(settings.documents_dir),
    )
