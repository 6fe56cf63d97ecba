"""Stores to benchmark against: migrated with ``fapiao db upgrade``, seeded with the demo (``fapiao demo``),
the benchmark's own fixtures (through Fapiao's services) and bulk rows (titles, accounts, applications).

Seeding is cached: each store keeps a ``marker.json`` in its data directory (which also holds the store's
``secret.key``; the SQLite file lives there too) and is reused while the marker matches the migration head,
the seed version and the requested sizes. ``--reseed`` rebuilds; ``--clean`` drops everything.

After each benchmark step ``reset`` brings the store back to its seeded state (rows above the recorded
watermarks deleted, the update pool pending again, nonces cleared), so reruns and the small/large pair
measure the same data.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, func, insert, select, text, update
from sqlalchemy.engine import make_url
from tqdm import tqdm

from bench.servers import base_env

SEED_VERSION = 3
CACHE = Path(os.environ.get("FAPIAO_BENCH_CACHE") or Path.home() / ".cache" / "fapiao-bench")
DEFAULT_PG_URL = os.environ.get("FAPIAO_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
PG_PREFIX = "fapiao_bench_"
BATCH = 20_000
BIG_ITEM_FEN = 10**14  # the item ApplyInvoice reserves 1 fen from, per request
BENCH_APP_KEY = "20269999"
BENCH_SESSION = "fapiao-bench-session-" + "0" * 27


@dataclass(frozen=True)
class Counts:
    accounts: int
    titles: int
    applications: int


SCALES = {
    "small": Counts(accounts=100, titles=1_000, applications=1_000),
    "large": Counts(accounts=100_000, titles=1_000_000, applications=1_000_000),
}
POOL = 20_000  # pending applications of the demo account that invoiceapply.update moves (reset after each step)
WATERMARK_TABLES = (
    "applications",
    "application_lines",
    "application_events",
    "outbox_events",
    "audit_events",
    "tmc_messages",
    "idempotency_records",
)


@dataclass
class Store:
    engine: str  # sqlite | postgresql
    scale: str
    data_dir: Path
    url: str
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.engine}/{self.scale}"

    def sa_engine(self) -> Engine:
        from fapiao.store.db import normalise_url

        return create_engine(normalise_url(self.url))


def _pg_url(base: str, name: str) -> str:
    return make_url(base).set(database=name).render_as_string(hide_password=False)


def _alembic_head() -> str:
    from alembic.script import ScriptDirectory

    from fapiao.store.db import alembic_config

    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    return head or ""


def store_for(engine: str, scale: str, pg_url: str = DEFAULT_PG_URL) -> Store:
    data_dir = CACHE / f"{engine}-{scale}"
    url = f"sqlite:///{data_dir / 'fapiao.sqlite3'}" if engine == "sqlite" else _pg_url(pg_url, PG_PREFIX + scale)
    return Store(engine, scale, data_dir, url)


def _wanted_marker(store: Store) -> dict[str, Any]:
    return {
        "seed_version": SEED_VERSION,
        "alembic_head": _alembic_head(),
        "counts": asdict(SCALES[store.scale]),
        "pool": POOL,
        "url": store.url,
    }


def _marker_ok(store: Store) -> bool:
    path = store.data_dir / "marker.json"
    if not path.exists():
        return False
    marker = json.loads(path.read_text())
    if any(marker.get(k) != v for k, v in _wanted_marker(store).items()):
        return False
    if store.engine == "postgresql":
        try:
            with store.sa_engine().connect() as conn:
                revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except Exception:
            return False
        if revision != marker["alembic_head"]:
            return False
    elif not (store.data_dir / "fapiao.sqlite3").exists():
        return False
    store.info = marker
    return True


def prepare(store: Store, *, reseed: bool = False, log: Callable[[str], None] = print) -> Store:
    """Reuse the cached store when its marker matches; else build it from scratch."""
    if not reseed and _marker_ok(store):
        log(f"store {store.label}: cached ({store.data_dir})")
        return store
    started = time.perf_counter()
    log(f"store {store.label}: seeding from scratch")
    _wipe(store)
    store.data_dir.mkdir(parents=True, exist_ok=True)
    _cli(store, "db", "upgrade")
    demo = json.loads(_cli(store, "demo"))
    fixtures = _fixtures(store, demo)
    counts = SCALES[store.scale]
    _bulk(store, counts, fixtures)
    with store.sa_engine().begin() as conn:
        watermarks = {t: _max_id(conn, t) for t in WATERMARK_TABLES}
        conn.execute(text("ANALYZE"))
    store.info = {
        **_wanted_marker(store),
        "demo": demo,
        "fixtures": fixtures,
        "watermarks": watermarks,
        "seeded_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seed_seconds": round(time.perf_counter() - started, 1),
    }
    (store.data_dir / "marker.json").write_text(json.dumps(store.info, indent=2, ensure_ascii=False))
    log(f"store {store.label}: seeded in {store.info['seed_seconds']} s")
    return store


def _wipe(store: Store) -> None:
    if store.engine == "postgresql":
        name = make_url(store.url).database
        admin = create_engine(_admin_url(store.url), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    if store.data_dir.exists():
        shutil.rmtree(store.data_dir)


def _admin_url(url: str) -> str:
    from fapiao.store.db import normalise_url

    return make_url(normalise_url(url)).set(database="postgres").render_as_string(hide_password=False)


def clean(pg_url: str = DEFAULT_PG_URL, log: Callable[[str], None] = print) -> None:
    """Drop every cached store: the PostgreSQL databases and the cache directory."""
    from fapiao.store.db import normalise_url

    admin = create_engine(normalise_url(_pg_url(pg_url, "postgres")), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            names = conn.execute(
                text("SELECT datname FROM pg_database WHERE datname LIKE :p"), {"p": PG_PREFIX + "%"}
            ).scalars()
            for name in list(names):
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                log(f"dropped database {name}")
    except Exception as exc:
        log(f"PostgreSQL not cleaned: {exc}")
    finally:
        admin.dispose()
    if CACHE.exists():
        shutil.rmtree(CACHE)
        log(f"removed {CACHE}")


def _cli(store: Store, *args: str) -> str:
    env = base_env()
    env.update(FAPIAO_DATABASE_URL=store.url, FAPIAO_DATA_DIR=str(store.data_dir))
    done = subprocess.run(  # noqa: S603 - our own fixed argv
        [sys.executable, "-m", "fapiao", *args, "--json"], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"fapiao {' '.join(args)} failed: {done.stdout}\n{done.stderr}")
    return done.stdout


# --- fixtures through Fapiao's own services ---------------------------------------------------------------


def _fixtures(store: Store, demo: dict[str, Any]) -> dict[str, Any]:
    """What the calls need beyond the demo: a provider app and session (unless the demo has them), an item
    big enough for every ApplyInvoice of a run, and one filed application (template and TOP ``get`` target)."""
    from fapiao.applications import service as applications
    from fapiao.applications.commands import FileApplication
    from fapiao.items import service as items
    from fapiao.items.commands import CreateItem
    from fapiao.providers import service as providers
    from fapiao.runtime import build_runtime
    from fapiao.settings import Settings
    from fapiao.store.tables import Account, ProviderApp
    from fapiao.usecases.actor import SYSTEM

    rt = build_runtime(Settings(data_dir=store.data_dir, database_url=store.url))
    try:
        user_id = int(demo["aliyun"]["user_id"])
        top = demo.get("top") or {}
        if not top.get("app_key"):
            app = providers.create_app(
                rt, SYSTEM, "Fapiao benchmark", default=True, app_key=BENCH_APP_KEY, app_secret="bench" * 6 + "xy"
            )
            session = providers.authorize(rt, SYSTEM, BENCH_APP_KEY, user_id, session_key=BENCH_SESSION)
            top = {"app_key": app.app.app_key, "app_secret": app.app_secret, "session": session.session}
            top["source"] = "bench"
        else:
            top = {**top, "source": "demo"}
        item = items.create_item(
            rt, SYSTEM, user_id, CreateItem("压测 Benchmark item", "2026-10", BIG_ITEM_FEN, out_biz_id="bench-item")
        )
        filed = applications.file_application(
            rt,
            SYSTEM,
            user_id,
            FileApplication(
                title_id=int(demo["aliyun"]["title_id"]),
                item_ids=(item.id,),
                amount_fen=100,
                address_id=int(demo["aliyun"]["address_id"]),
                apply_user_nick="bench",
            ),
        )
        with rt.db.transaction() as session_:
            account_id = session_.scalars(select(Account.id).where(Account.user_id == user_id)).one()
            app_id = session_.scalars(select(ProviderApp.id).where(ProviderApp.app_key == top["app_key"])).one()
        return {
            "top": top,
            "account_id": account_id,
            "user_id": user_id,
            "title_id": int(demo["aliyun"]["title_id"]),
            "app_id": app_id,
            "item_id": item.id,
            "item_reserved_fen": 100,
            "apply_id": top.get("apply_id") or filed.apply_id,
            "template_application_id": filed.id,
        }
    finally:
        rt.close()


# --- bulk rows -------------------------------------------------------------------------------------------------


def _max_id(conn: Connection, table: str) -> int:
    return int(conn.execute(text(f"SELECT COALESCE(MAX(id), 0) FROM {table}")).scalar() or 0)  # noqa: S608


def _batches(rows: Iterator[dict[str, Any]], size: int = BATCH) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _template(conn: Connection, table: Table, row_id: int) -> dict[str, Any]:
    row = conn.execute(select(table).where(table.c.id == row_id)).mappings().one()
    return dict(row)


def _bulk(store: Store, counts: Counts, fixtures: dict[str, Any]) -> None:
    from fapiao.store.tables import Account, Application, Title

    accounts_t: Table = Account.__table__  # type: ignore[assignment]
    titles_t: Table = Title.__table__  # type: ignore[assignment]
    apps_t: Table = Application.__table__  # type: ignore[assignment]
    engine = store.sa_engine()
    with engine.begin() as conn:
        if store.engine == "sqlite":
            conn.exec_driver_sql("PRAGMA synchronous=OFF")
        title_template = _template(conn, titles_t, int(fixtures["title_id"]))
        app_template = _template(conn, apps_t, int(fixtures["template_application_id"]))
        first_account = int(conn.execute(select(func.max(accounts_t.c.id))).scalar() or 0) + 1
        first_title = int(conn.execute(select(func.coalesce(func.max(titles_t.c.id), 0))).scalar() or 0) + 1
        first_app = int(conn.execute(select(func.max(apps_t.c.id))).scalar() or 0) + 1
    now = datetime.now(UTC).replace(tzinfo=None)

    def account_rows() -> Iterator[dict[str, Any]]:
        for i in range(counts.accounts):
            yield {
                "id": first_account + i,
                "user_id": 1_000_000_000_000 + i,
                "user_nick": f"bench{i}",
                "real_name_verified": True,
                "enabled": True,
                "created_at": now,
            }

    def title_rows() -> Iterator[dict[str, Any]]:
        for i in range(counts.titles):
            yield {
                **title_template,
                "id": first_title + i,
                "account_id": first_account + i % counts.accounts,
                "invoice_title": f"压测科技有限公司 {i}",
                "register_no": f"91350100M{i:09d}",
                "created_at": now,
                "updated_at": now,
            }

    def app_rows() -> Iterator[dict[str, Any]]:
        base = {**app_template, "client_token": None, "request_fingerprint": "", "created_at": now, "updated_at": now}
        for i in range(counts.applications):
            t = i % counts.titles
            yield {
                **base,
                "id": first_app + i,
                "apply_id": f"B{i}",
                "account_id": first_account + t % counts.accounts,
                "title_id": first_title + t,
                "address_id": None,
            }
        for i in range(POOL):
            yield {**base, "id": first_app + counts.applications + i, "apply_id": f"P{i}"}

    plan: list[tuple[Table, int, Callable[[], Iterator[dict[str, Any]]]]] = [
        (accounts_t, counts.accounts, account_rows),
        (titles_t, counts.titles, title_rows),
        (apps_t, counts.applications + POOL, app_rows),
    ]
    for table, total, rows in plan:
        with tqdm(total=total, desc=f"{store.label} {table.name}", unit="row", unit_scale=True) as bar:
            if store.engine == "postgresql":
                _copy_pg(store, table, rows(), bar)
            else:
                with engine.begin() as conn:
                    conn.exec_driver_sql("PRAGMA synchronous=OFF")
                    for batch in _batches(rows()):
                        conn.execute(insert(table), batch)
                        bar.update(len(batch))
    if store.engine == "postgresql":
        with engine.begin() as conn:
            for table, _, _ in plan:
                sequence = f"pg_get_serial_sequence('{table.name}', 'id')"
                conn.execute(text(f"SELECT setval({sequence}, (SELECT MAX(id) FROM {table.name}))"))  # noqa: S608
    engine.dispose()
    fixtures["pool_first_id"] = first_app + counts.applications
    fixtures["pool_template"] = {
        k: app_template[k] for k in ("status", "sender_name", "sender_phone", "sender_logistics_company",
                                     "sender_logistics_no", "invoice_code", "invoice_no", "provider_message")
    }  # fmt: skip


def _copy_pg(store: Store, table: Table, rows: Iterator[dict[str, Any]], bar: tqdm[Any]) -> None:
    import psycopg

    from fapiao.store.db import normalise_url

    columns = [c.name for c in table.columns]
    json_columns = {c.name for c in table.columns if c.type.__class__.__name__ == "JSON"}
    dsn = make_url(normalise_url(store.url)).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        with cur.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for i, row in enumerate(rows, 1):
                copy.write_row(
                    [json.dumps(row[c], ensure_ascii=False) if c in json_columns and row[c] is not None else row[c]
                     for c in columns]
                )  # fmt: skip
                if i % BATCH == 0:
                    bar.update(BATCH)
            bar.update(bar.total - bar.n)
        conn.commit()


# --- between steps -----------------------------------------------------------------------------------------------


def reset(store: Store) -> None:
    """Back to the seeded state: later rows deleted, the pool pending, the big item unreserved, nonces gone."""
    from fapiao.store.tables import Application, InvoiceableItem

    fixtures = store.info["fixtures"]
    engine = store.sa_engine()
    with engine.begin() as conn:
        # children first (SQLite foreign keys are off on this connection, PostgreSQL cascades anyway)
        for table in reversed(WATERMARK_TABLES):
            mark = int(store.info["watermarks"][table])
            conn.execute(text(f"DELETE FROM {table} WHERE id > :mark"), {"mark": mark})  # noqa: S608
        conn.execute(
            update(Application)
            .where(Application.id >= int(fixtures["pool_first_id"]), Application.status != "pending")
            .values(**fixtures["pool_template"], version=1)
        )
        conn.execute(
            update(InvoiceableItem)
            .where(InvoiceableItem.id == int(fixtures["item_id"]))
            .values(reserved_fen=int(fixtures["item_reserved_fen"]))
        )
        conn.execute(text("DELETE FROM used_nonces"))
    if store.engine == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
