"""The RPC request pipeline, in the order the real gateway checks (reference aliyun-rpc.md §4):

route (``InvalidVersion`` / ``InvalidAction.NotFound``) → common parameters (``MissingParameter``) →
timestamp → access key → signature → nonce (recorded only once the signature holds, so strangers cannot
burn nonces) → RAM permission → API parameters → the operation.

Framework-free: ``handle`` takes the raw request and returns a complete ``Rendered`` answer, so it is the one
place where every failure, unexpected ones included, becomes the protocol's error envelope.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import structlog

from fapiao.accounts.service import Credential, resolve_access_key
from fapiao.domain.errors import DomainError, Unauthenticated
from fapiao.protocols.aliyun import errors, faults, signing
from fapiao.protocols.aliyun.catalog import Call, Operation
from fapiao.protocols.aliyun.envelope import Format, Rendered, new_request_id, render_error, render_success
from fapiao.protocols.aliyun.headers import HeaderInput
from fapiao.protocols.aliyun.operations import CATALOG
from fapiao.protocols.aliyun.request import RpcRequest, parse_request
from fapiao.runtime import Runtime
from fapiao.store import nonces

log = structlog.get_logger(__name__)

SUCCESS_2017 = {"Code": "Success", "Message": "Successful!", "Success": True}
# A timestamp up to 15 minutes ahead stays acceptable for 30 minutes, so its nonce must be kept that long.
NONCE_WINDOW = 2 * signing.CLOCK_SKEW


def handle(
    rt: Runtime,
    method: str,
    query_string: bytes | str,
    headers: HeaderInput,
    body: bytes = b"",
    *,
    now: datetime | None = None,
) -> Rendered:
    """Answer one RPC request; never raises."""
    request_id = new_request_id()
    fmt = Format.JSON
    op: Operation | None = None
    try:
        req = parse_request(method, query_string, headers, body)
        fmt = req.format
        op = CATALOG.resolve(*req.route())
        credential = authenticate(rt, req, now or datetime.now(UTC))
        faults.authorise(op, credential)
        data = op.run(Call(rt, credential, request_id), req.params)
        document: Mapping[str, object] = {**SUCCESS_2017, "Data": data} if op.envelope else data
        return render_success(document, action=op.action, request_id=request_id, fmt=fmt)
    except errors.RpcError as error:
        return render_error(error, request_id=request_id, fmt=fmt)
    except DomainError as error:
        if op is None:  # pragma: no cover - domain errors only come from operations
            raise
        return render_error(faults.from_domain(error, op), request_id=request_id, fmt=fmt)
    except Exception:
        log.exception("aliyun.internal_error", request_id=request_id, action=op.action if op else None)
        return render_error(errors.internal_error(), request_id=request_id, fmt=fmt)


def authenticate(rt: Runtime, req: RpcRequest, now: datetime) -> Credential:
    """The key's credential once timestamp, key, signature and nonce all check out.

    The key comes from this process's cache when it can; the nonce claim reads the account's current cache
    revision, and a credential read at another revision — or any refusal based on a cached one — is checked
    again against the database, so a disabled key or a changed policy counts from the next request.
    """
    creds = signing.credentials(req)
    signing.check_clock_skew(signing.parse_timestamp(creds.timestamp), now)
    cached = creds.access_key_id in rt.caches.credentials
    try:
        credential = _checked_key(rt, req, creds.access_key_id, cached=cached)
    except errors.RpcError:
        if not cached:
            raise  # decided from the database already
        credential = _checked_key(rt, req, creds.access_key_id, cached=False)
    if creds.security_token is not None:
        raise errors.security_token_malformed()  # Fapiao issues no STS tokens, so none can be valid
    claimed, revision = nonces.claim_reading_revision(
        rt, creds.access_key_id, creds.nonce, now.replace(tzinfo=None), NONCE_WINDOW, scope=credential.scope
    )
    if not claimed:
        raise errors.signature_nonce_used()
    if revision != credential.revision:
        credential = _checked_key(rt, req, creds.access_key_id, cached=False)
    return credential


def _checked_key(rt: Runtime, req: RpcRequest, key_id: str, *, cached: bool) -> Credential:
    try:
        credential = resolve_access_key(rt, key_id, cached=cached)
    except Unauthenticated:
        raise errors.access_key_not_found() from None
    verdict = signing.verify(req, credential.secret)
    if not verdict.ok:
        raise errors.signature_does_not_match(verdict.string_to_sign)
    return credential
