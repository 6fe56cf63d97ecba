"""Tables. Times are stored in UTC (naive ``DateTime`` on both engines); amounts in integer fen."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-increments INTEGER PRIMARY KEY; BIGINT elsewhere.
Id = BigInteger().with_variant(Integer(), "sqlite")


def table_of(model: type[Base]) -> Table:
    """A model's ``Table``, for Core inserts of rows nothing reads back in the same transaction."""
    return model.metadata.tables[model.__tablename__]


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    user_nick: Mapped[str] = mapped_column(String(64), unique=True)
    real_name_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class RamUser(Base):
    __tablename__ = "ram_users"
    __table_args__ = (UniqueConstraint("account_id", "name"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(128), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    policies: Mapped[list[RamPolicy]] = relationship(
        back_populates="ram_user", cascade="all, delete-orphan", order_by="RamPolicy.id"
    )


class RamPolicy(Base):
    __tablename__ = "ram_policies"
    __table_args__ = (UniqueConstraint("ram_user_id", "name"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    ram_user_id: Mapped[int] = mapped_column(ForeignKey("ram_users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    ram_user: Mapped[RamUser] = relationship(back_populates="policies")


class AccessKey(Base):
    __tablename__ = "access_keys"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    key_id: Mapped[str] = mapped_column(String(64), unique=True)
    secret_sealed: Mapped[str] = mapped_column(Text)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    ram_user_id: Mapped[int | None] = mapped_column(ForeignKey("ram_users.id", ondelete="CASCADE"), index=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Document(Base):
    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    file_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Title(Base):
    """An invoice title. The columns named after ``TitleData`` fields hold the version in force (or the one
    under first review); ``pending_change`` holds a proposed change of an approved title."""

    __tablename__ = "titles"
    __table_args__ = (
        Index("ix_titles_account_status", "account_id", "status"),
        Index("ix_titles_register_no", "register_no"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    adjust_type: Mapped[str] = mapped_column(String(16))
    invoice_title: Mapped[str] = mapped_column(String(100))
    holder_kind: Mapped[str] = mapped_column(String(16))
    invoice_kind: Mapped[str] = mapped_column(String(16))
    taxpayer_type: Mapped[str] = mapped_column(String(16))
    customer_type: Mapped[str] = mapped_column(String(16))
    issue_type: Mapped[int] = mapped_column(Integer)
    register_no: Mapped[str] = mapped_column(String(26))
    bank: Mapped[str] = mapped_column(String(120))
    bank_no: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(300))
    phone: Mapped[str] = mapped_column(String(60))
    taxation_license: Mapped[str] = mapped_column(String(255))
    title_change_instructions: Mapped[str] = mapped_column(String(255))
    default_remark: Mapped[str] = mapped_column(String(450))
    start_cycle: Mapped[int | None] = mapped_column(Integer)
    end_cycle: Mapped[int | None] = mapped_column(Integer)
    pending_change: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    warnings: Mapped[list[Any]] = mapped_column(JSON, default=list)
    review_note: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}


class Address(Base):
    __tablename__ = "addresses"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    addressee: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(200))
    province: Mapped[str] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(200))
    county: Mapped[str] = mapped_column(String(200))
    street: Mapped[str] = mapped_column(String(200))
    postal_code: Mapped[str] = mapped_column(String(200))
    biz_type: Mapped[str] = mapped_column(String(200))
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class InvoiceableItem(Base):
    __tablename__ = "invoiceable_items"
    __table_args__ = (
        Index("ix_items_account_id", "account_id", "id"),
        Index("ix_items_account_cycle", "account_id", "bill_cycle"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    biz_type: Mapped[str] = mapped_column(String(32))
    bill_cycle: Mapped[str] = mapped_column(String(7))
    bill_id: Mapped[int] = mapped_column(BigInteger, default=0)
    item_id: Mapped[int] = mapped_column(BigInteger, default=0)
    out_biz_id: Mapped[str] = mapped_column(String(64), default="", index=True)
    op_id: Mapped[str] = mapped_column(String(64), default="")
    biz_time: Mapped[datetime] = mapped_column(DateTime)
    original_fen: Mapped[int] = mapped_column(BigInteger)
    offset_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    invoiced_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    reserved_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    present_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[int] = mapped_column(Integer, default=1)
    type: Mapped[int] = mapped_column(Integer, default=2)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_account_id", "account_id", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(128))
    account_id: Mapped[int | None] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(64))
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    request_id: Mapped[str] = mapped_column(String(64), default="")


class IdempotencyRecord(Base):
    """A write's first answer, replayed for a repeat of the same key with the same parameters."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("scope", "key"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    scope: Mapped[str] = mapped_column(String(128))
    key: Mapped[str] = mapped_column(String(128))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)


class UsedNonce(Base):
    """Signature nonces seen within the clock-skew window, shared by every server process."""

    __tablename__ = "used_nonces"

    nonce: Mapped[str] = mapped_column(String(200), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime, index=True)


class CacheRevision(Base):
    """A counter per cache scope (``account:<id>``, ``app:<id>``), bumped by triggers (migration 0004) in the
    transaction of every write to what the per-process caches of signed requests hold."""

    __tablename__ = "cache_revisions"

    scope: Mapped[str] = mapped_column(String(64), primary_key=True)
    revision: Mapped[int] = mapped_column(BigInteger)


class ProviderApp(Base):
    """An invoice service provider's app on the TOP side: it processes the applications routed to it."""

    __tablename__ = "provider_apps"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    app_key: Mapped[str] = mapped_column(String(32), unique=True)
    secret_sealed: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(String(128))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ProviderSession(Base):
    """A merchant's (account's) authorisation of a provider app; requests carrying it act for that merchant."""

    __tablename__ = "provider_sessions"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    # The key itself is a secret (it signs in as the merchant): stored sealed, and found by its keyed digest
    # (``SecretBox.digest``). Sealed is nullable only because SQLite adds a column without a table rebuild
    # that way (migration 0005); every row has it.
    session_digest: Mapped[str] = mapped_column(String(128), unique=True)
    session_sealed: Mapped[str | None] = mapped_column(Text)
    app_id: Mapped[int] = mapped_column(ForeignKey("provider_apps.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class RoutingRule(Base):
    """Which provider app an account's applications go to; accounts without a rule use the default app."""

    __tablename__ = "routing_rules"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("provider_apps.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Application(Base):
    """An invoice application. The title and address are snapshotted at filing: titles change, issued
    invoices must not. ``version`` guards concurrent status updates."""

    __tablename__ = "applications"
    __table_args__ = (
        Index("ix_applications_account_id", "account_id", "id"),
        Index("ix_applications_app_status", "provider_app_id", "status"),
        UniqueConstraint("account_id", "client_token"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    apply_id: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    provider_app_id: Mapped[int] = mapped_column(ForeignKey("provider_apps.id"))
    title_id: Mapped[int | None] = mapped_column(ForeignKey("titles.id", ondelete="SET NULL"))
    address_id: Mapped[int | None] = mapped_column(ForeignKey("addresses.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16))
    medium: Mapped[str] = mapped_column(String(16))
    invoice_kind: Mapped[str] = mapped_column(String(16))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    company_name: Mapped[str] = mapped_column(String(200))
    payee_register_no: Mapped[str] = mapped_column(String(26))
    bank: Mapped[str] = mapped_column(String(120))
    bank_account: Mapped[str] = mapped_column(String(100))
    receiver_name: Mapped[str] = mapped_column(String(200))
    receiver_phone: Mapped[str] = mapped_column(String(60))
    receiver_address: Mapped[str] = mapped_column(String(500))
    invoice_payee_register_no: Mapped[str] = mapped_column(String(26))
    invoice_address: Mapped[str] = mapped_column(String(300))
    invoice_phone: Mapped[str] = mapped_column(String(60))
    sender_name: Mapped[str] = mapped_column(String(200), default="")
    sender_phone: Mapped[str] = mapped_column(String(60), default="")
    sender_logistics_company: Mapped[str] = mapped_column(String(200), default="")
    sender_logistics_no: Mapped[str] = mapped_column(String(100), default="")
    invoice_code: Mapped[str] = mapped_column(String(32), default="")
    invoice_no: Mapped[str] = mapped_column(String(32), default="")
    provider_message: Mapped[str] = mapped_column(Text, default="")
    user_remark: Mapped[str] = mapped_column(Text, default="")
    emails: Mapped[str] = mapped_column(String(200), default="")
    process_way: Mapped[int] = mapped_column(Integer, default=1)
    apply_user_nick: Mapped[str] = mapped_column(String(64), default="")
    client_token: Mapped[str | None] = mapped_column(String(128))
    request_fingerprint: Mapped[str] = mapped_column(String(64), default="")
    title_snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    address_snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    lines: Mapped[list[ApplicationLine]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="ApplicationLine.id"
    )
    history: Mapped[list[ApplicationEvent]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="ApplicationEvent.id"
    )

    __mapper_args__ = {"version_id_col": version}


class ApplicationLine(Base):
    """A line of an application (TOP ``invoice_item_list``), with the invoiceable item it reserves from."""

    __tablename__ = "application_lines"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("invoiceable_items.id", ondelete="SET NULL"), index=True)
    item_name: Mapped[str] = mapped_column(String(200))
    item_type: Mapped[str] = mapped_column(String(32))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    reserved_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    bill_date: Mapped[str] = mapped_column(String(10))

    application: Mapped[Application] = relationship(back_populates="lines")


class ApplicationEvent(Base):
    """The application's history: every status change with who made it and what they sent."""

    __tablename__ = "application_events"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(128))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    application: Mapped[Application] = relationship(back_populates="history")


class OutboxEvent(Base):
    """Every state change's event, written in the change's own transaction: the only source of
    notifications (TMC messages, webhooks)."""

    __tablename__ = "outbox_events"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    type: Mapped[str] = mapped_column(String(64), index=True)
    account_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    provider_app_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    dispatched_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)


class TmcMessage(Base):
    """A provider app's TMC queue entry (``taobao.tmc.messages.consume``): at-least-once, leased on
    consume, removed on confirm, expired after the retention period."""

    __tablename__ = "tmc_messages"
    __table_args__ = (Index("ix_tmc_app_group_visible", "app_id", "group_name", "confirmed", "visible_after"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("provider_apps.id", ondelete="CASCADE"))
    group_name: Mapped[str] = mapped_column(String(64), default="default")
    topic: Mapped[str] = mapped_column(String(64))
    content: Mapped[str] = mapped_column(Text)
    pub_time: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    pub_app_key: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[int] = mapped_column(BigInteger)
    user_nick: Mapped[str] = mapped_column(String(64))
    outbox_event_id: Mapped[str | None] = mapped_column(String(64))
    retried: Mapped[int] = mapped_column(Integer, default=0)
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    visible_after: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime, index=True)


class WebhookEndpoint(Base):
    """Where an account's or a provider app's events are POSTed. ``event_types`` filters them (``["*"]``: all)."""

    __tablename__ = "webhook_endpoints"
    __table_args__ = (CheckConstraint("(account_id IS NULL) <> (provider_app_id IS NULL)", name="one_owner"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    provider_app_id: Mapped[int | None] = mapped_column(ForeignKey("provider_apps.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2048))
    event_types: Mapped[list[Any]] = mapped_column(JSON)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class WebhookSecret(Base):
    """A signing secret of an endpoint, sealed. After a rotation the old one signs too until ``expires_at``."""

    __tablename__ = "webhook_secrets"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True)
    secret_sealed: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime)


class WebhookDelivery(Base):
    """One event for one endpoint, until it succeeds or its schedule runs out. A worker owns it while
    ``claimed_until`` is in the future; a killed worker's claim simply expires and another takes it."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "outbox_event_id"),
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_endpoint", "endpoint_id", "id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    outbox_event_id: Mapped[int] = mapped_column(ForeignKey("outbox_events.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    attempt_count: Mapped[int] = mapped_column(Integer, default=0)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    manual: Mapped[bool] = mapped_column(Boolean, default=False)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime)
    last_response_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class WebhookAttempt(Base):
    """One HTTP POST of a delivery, as it went: the delivery log."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (UniqueConstraint("delivery_id", "number"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("webhook_deliveries.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    manual: Mapped[bool] = mapped_column(Boolean, default=False)
    worker: Mapped[str] = mapped_column(String(128))
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    response_code: Mapped[int | None] = mapped_column(Integer)
    latency_ms: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str] = mapped_column(Text, default="")
    response_excerpt: Mapped[str] = mapped_column(Text, default="")
    retry_at: Mapped[datetime | None] = mapped_column(DateTime)  # when it failed and a retry was set
