"""Ids chosen inside an INSERT on each engine: the next free id, in step with the ids the database hands out
itself, so rows inserted either way never collide."""

from __future__ import annotations

from sqlalchemy import Column, Integer, MetaData, String, Table, insert, literal, select

from fapiao.runtime import Runtime
from fapiao.store.ids import PostgresIds, SqliteIds

_PROBE = Table("id_probe", MetaData(), Column("id", Integer, primary_key=True), Column("label", String(10)))


def test_each_database_allocates_ids_with_its_own_dialect(runtime: Runtime) -> None:
    expected = PostgresIds if runtime.db.dialect == "postgresql" else SqliteIds
    assert isinstance(runtime.db.ids, expected)


def test_allocated_ids_follow_and_precede_the_databases_own(runtime: Runtime) -> None:
    allocate = insert(_PROBE).from_select(
        ["id", "label"], select(runtime.db.ids.next_id(_PROBE.c.id), literal("allocated"))
    )
    plain = insert(_PROBE).values(label="plain")
    _PROBE.create(runtime.db.engine)
    with runtime.db.engine.begin() as connection:
        first = connection.execute(allocate.returning(_PROBE.c.id)).scalar_one()
        second = connection.execute(plain.returning(_PROBE.c.id)).scalar_one()
        third = connection.execute(allocate.returning(_PROBE.c.id)).scalar_one()
        rows = connection.execute(select(_PROBE.c.id, _PROBE.c.label).order_by(_PROBE.c.id)).all()
    assert first == 1 and second > first and third > second
    assert [label for _id, label in rows] == ["allocated", "plain", "allocated"]
