"""The Core statements of provider apps, sessions and routing (the credential lookups live with them in
``service``)."""

from __future__ import annotations

from sqlalchemy import Connection, Row, and_, bindparam, delete, insert, or_, select, update

from fapiao.domain.errors import Conflict, Reason
from fapiao.store.tables import Account, ProviderApp, ProviderSession, RoutingRule, table_of

# The app an account's new application goes to: its rule's app if enabled, else the default app. One
# statement: the rule's app sorts first.
ROUTED_APP = (
    select(ProviderApp.id, ProviderApp.app_key)
    .outerjoin(
        RoutingRule, and_(RoutingRule.app_id == ProviderApp.id, RoutingRule.account_id == bindparam("account_id"))
    )
    .where(ProviderApp.enabled, or_(RoutingRule.account_id.is_not(None), ProviderApp.is_default))
    .order_by(RoutingRule.account_id.is_(None), ProviderApp.id)
    .limit(1)
)

_APPS = table_of(ProviderApp)
APP_BY_KEY = select(_APPS).where(ProviderApp.app_key == bindparam("app_key"))
ALL_APPS = select(_APPS).order_by(ProviderApp.id)
HAS_DEFAULT = select(ProviderApp.id).where(ProviderApp.is_default).limit(1)
INSERT_APP = insert(_APPS).returning(*_APPS.c)
CLEAR_DEFAULT = update(_APPS).where(ProviderApp.is_default).values(is_default=False)
MAKE_DEFAULT = update(_APPS).where(ProviderApp.id == bindparam("app_id")).values(is_default=True).returning(*_APPS.c)
INSERT_SESSION = insert(table_of(ProviderSession))
RULE_OF = select(RoutingRule.app_id).where(RoutingRule.account_id == bindparam("account_id"))
DELETE_RULE = delete(table_of(RoutingRule)).where(RoutingRule.account_id == bindparam("account_id"))
INSERT_RULE = insert(table_of(RoutingRule))
ACCOUNT_BY_USER_ID = select(Account.id, Account.user_id, Account.user_nick).where(
    Account.user_id == bindparam("user_id")
)


def routed_app(connection: Connection, account_id: int) -> Row[int, str]:
    """The ``id`` and ``app_key`` of the app that receives the account's next application."""
    app = connection.execute(ROUTED_APP, {"account_id": account_id}).first()
    if app is None:
        raise Conflict(
            "no invoice service provider is configured to receive applications",
            field="provider",
            reason=Reason.UNAVAILABLE,
        )
    return app
