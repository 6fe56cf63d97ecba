from __future__ import annotations

from pathlib import Path

from alembic.script import ScriptDirectory

from fapiao.store.db import MIGRATIONS, Database, alembic_config, head_revision


def test_head_revision_is_alembics_head_and_files_are_named_after_revisions() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert head_revision() == script.get_current_head()
    for revision in script.walk_revisions():
        assert revision.path is not None
        assert Path(revision.path).name.startswith(f"{revision.revision}_")
    assert sum(1 for _ in (MIGRATIONS / "versions").glob("[0-9]*_*.py")) == len(list(script.walk_revisions()))


def test_upgrade_migrates_an_empty_store_and_is_a_no_op_at_head(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    assert database.current_revision() is None
    database.upgrade()
    assert database.current_revision() == head_revision()
    database.upgrade()
    assert database.current_revision() == head_revision()
    database.dispose()
