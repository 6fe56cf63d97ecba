"""What operators and merchants ask of provider apps, sessions and routing, with their limits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from annotated_types import Ge, MaxLen, MinLen

from fapiao.usecases.spec import Doc

AppKey = Annotated[str, MinLen(1), MaxLen(32), Doc("The provider app's TOP app_key.")]


@dataclass(frozen=True)
class CreateProviderApp:
    """Register a provider app (operators only). ``app_key``/``app_secret`` are for fixed demo apps."""

    name: Annotated[str, MinLen(1), MaxLen(128), Doc("The provider's name.")]  # provider_apps.name holds 128
    is_default: Annotated[bool, Doc("Receive the applications of accounts without a routing rule.")] = False
    app_key: Annotated[str | None, MinLen(1), MaxLen(32), Doc("A fixed app_key; absent: 8 random digits.")] = None
    app_secret: Annotated[str | None, MinLen(1), MaxLen(128), Doc("A fixed secret; absent: a random one.")] = None


# The longest session key a merchant may be given (stored only sealed, so no column states it).
SESSION_KEY_LENGTH = 128


@dataclass(frozen=True)
class AuthorizeApp:
    """A merchant (account) authorises an app: the session lets the app act for that merchant only."""

    app_key: AppKey
    user_id: Annotated[int, Ge(1), Doc("The merchant account's UserId.")]
    session_key: Annotated[
        str | None, MinLen(1), MaxLen(SESSION_KEY_LENGTH), Doc("A fixed session; absent: random.")
    ] = None


@dataclass(frozen=True)
class RouteAccount:
    """Send an account's new applications to an app (operators only); ``app_key`` None: the default app. The
    app is always named, None included, so that a forgotten field does not silently undo a routing rule."""

    user_id: Annotated[int, Ge(1), Doc("The account's UserId.")]
    app_key: Annotated[
        str | None, MinLen(1), MaxLen(32), Doc("The app to route to; null routes back to the default app.")
    ]
