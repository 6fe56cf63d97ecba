"""The provider side of the demo: an app, the demo merchant's session for it, and the application of the
``alibaba.einvoice.invoiceapply.get`` documentation example (apply_id ``123456ABC``), so that a fresh
sandbox answers ``get`` with exactly the documented response. Idempotent; the secret and session are
reprinted on every run, like the demo root key."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from fapiao.applications import service as applications
from fapiao.applications.commands import ImportApplication, ImportedLine
from fapiao.domain.applications import ItemType, Medium
from fapiao.domain.titles import InvoiceKind
from fapiao.providers import service as providers
from fapiao.runtime import Runtime
from fapiao.store.tables import Account, Application, ProviderApp, ProviderSession, RoutingRule, utcnow
from fapiao.usecases.actor import SYSTEM

DEMO_APP_KEY = "12345678"
DEMO_APP_NAME = "Demo invoice service provider"

DEMO_APPLICATION = ImportApplication(
    user_id=0,  # the demo account, filled in by ``seed``
    apply_id="123456ABC",
    amount_fen=250_00,
    company_name="阿里巴巴",
    payee_register_no="91009182039X",
    bank="招商银行余杭支行",
    bank_account="6226098873832274",
    receiver_name="张三",
    receiver_phone="18588888888",
    receiver_address="杭州市余杭区文一西路969号",
    invoice_kind=InvoiceKind.PLAIN,  # invoice_type 1
    invoice_payee_register_no="87987203945ABC",
    invoice_address="浙江省杭州市文一西路969号",
    invoice_phone="0756-8862222",
    lines=(ImportedLine("税控服务", ItemType.TAX_CONTROL_UNIT, 4500_00, "2016-11-11"),),
    medium=Medium.PAPER,
    sender_name="李四",
    sender_phone="18600000000",
    sender_logistics_company="菜鸟果果",
    sender_logistics_no="9180980123",
)


def seed(rt: Runtime, user_id: int) -> dict[str, str]:
    """Create what is missing and return ``{app_key, app_secret, session, apply_id}``."""
    secret = _app(rt)
    session = _session(rt, user_id)
    _application(rt, user_id)
    return {
        "app_key": DEMO_APP_KEY,
        "app_secret": secret,
        "session": session,
        "apply_id": DEMO_APPLICATION.apply_id,
    }


def _app(rt: Runtime) -> str:
    with rt.db.transaction() as session:
        sealed = session.scalars(select(ProviderApp.secret_sealed).where(ProviderApp.app_key == DEMO_APP_KEY)).first()
        has_default = session.scalars(select(ProviderApp.id).where(ProviderApp.is_default)).first() is not None
    if sealed is not None:
        return rt.box.open(sealed)
    created = providers.create_app(rt, SYSTEM, DEMO_APP_NAME, default=not has_default, app_key=DEMO_APP_KEY)
    return created.app_secret


def _session(rt: Runtime, user_id: int) -> str:
    with rt.db.transaction() as session:
        existing = session.scalars(
            select(ProviderSession.session_sealed)
            .join(ProviderApp, ProviderApp.id == ProviderSession.app_id)
            .join(Account, Account.id == ProviderSession.account_id)
            .where(
                ProviderApp.app_key == DEMO_APP_KEY,
                Account.user_id == user_id,
                ~ProviderSession.revoked,
                ProviderSession.expires_at > utcnow(),
            )
            .order_by(ProviderSession.id)
        ).first()
    if existing is not None:
        return rt.box.open(existing)
    return providers.authorize(rt, SYSTEM, DEMO_APP_KEY, user_id).session


def _application(rt: Runtime, user_id: int) -> None:
    with rt.db.transaction() as session:
        if session.scalars(select(Application.id).where(Application.apply_id == DEMO_APPLICATION.apply_id)).first():
            return
        routed = session.scalars(
            select(RoutingRule.account_id)
            .join(Account, Account.id == RoutingRule.account_id)
            .where(Account.user_id == user_id)
        ).first()
    if routed is None:  # the demo merchant's applications go to the demo app, whichever app is the default
        providers.route(rt, SYSTEM, user_id, DEMO_APP_KEY)
    applications.import_application(rt, SYSTEM, replace(DEMO_APPLICATION, user_id=user_id))
