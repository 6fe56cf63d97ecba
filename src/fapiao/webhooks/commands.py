"""What callers ask of webhook endpoints, in domain names, with the limits every adapter reads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from annotated_types import Ge, Le, MaxLen

from fapiao.domain.webhooks import DEFAULT_OVERLAP, MAX_OVERLAP, MAX_URL_LENGTH
from fapiao.usecases.spec import Doc

URL_DOC = "The http(s) URL receiving the POSTs: no credentials, no fragment; public addresses only in production."
MAX_EVENT_TYPES = 64  # a filter longer than every known type repeated is a mistake, not a wish
TYPES_DOC = "Event types to receive (title.submitted, title.reviewed, application.filed, application.status_changed)"


@dataclass(frozen=True)
class CreateEndpoint:
    """Register an endpoint for exactly one owner: an account (``user_id``) or a provider app (``app_key``,
    operators only). Answers with its signing secret, shown this once."""

    url: Annotated[str, MaxLen(MAX_URL_LENGTH), Doc(URL_DOC)]
    event_types: Annotated[tuple[str, ...], MaxLen(MAX_EVENT_TYPES), Doc(TYPES_DOC + "; none or * for all.")] = ()
    user_id: Annotated[int | None, Doc("The account whose events are sent.")] = None
    app_key: Annotated[str | None, Doc("The provider app whose events are sent.")] = None


@dataclass(frozen=True)
class UpdateEndpoint:
    """Change an endpoint's URL, event filter or whether it receives events; what is not given stays."""

    endpoint_id: Annotated[int, Doc("The endpoint.")]
    url: Annotated[str | None, MaxLen(MAX_URL_LENGTH), Doc(URL_DOC)] = None
    event_types: Annotated[tuple[str, ...] | None, MaxLen(MAX_EVENT_TYPES), Doc(TYPES_DOC + ", or *.")] = None
    enabled: Annotated[bool | None, Doc("Whether it receives events.")] = None


@dataclass(frozen=True)
class RotateSecret:
    """A new secret signs from now on; the current ones keep signing too (a second ``v1=``) for the overlap,
    so receivers can switch without dropping a delivery. An overlap of 0 retires them at once."""

    endpoint_id: Annotated[int, Doc("The endpoint.")]
    overlap_seconds: Annotated[
        int,
        Ge(0),
        Le(int(MAX_OVERLAP.total_seconds())),
        Doc("How long the current secrets keep signing beside the new one."),
    ] = int(DEFAULT_OVERLAP.total_seconds())
