"""The RPC request pipeline, in the order the real gateway checks (reference aliyun-rpc.md §4):

route (``InvalidVersion`` / ``InvalidAction.NotFound``) → common parameters (``MissingParameter``) →
timestamp → access key → signature → nonce (recorded only once the signature holds, so strangers cannot
burn nonces) → RAM permission → throttling (``Throttling.User``) → API parameters → the operation.

An address over its budget of failed authentications (``fapiao.throttling``) is refused before any of the
checks that cost: credential lookup, signature, nonce.

Framework-free: ``handle`` takes the raw request and returns a complete ``Rendered`` answer, so it is the one
place where every failure, unexpected ones included, becomes the protocol's error envelope.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import structlog

from fapiao import metrics
from fapiao.auth.credentials import Credential
from fapiao.auth.service import Refusal, Refused, authenticate_rpc
from fapiao.domain.errors import DomainError
from fapiao.domain.policies import RequestContext
from fapiao.protocols.access import Exchange
from fapiao.protocols.aliyun import errors, faults, signing
from fapiao.protocols.aliyun.catalog import Call, Operation
from fapiao.protocols.aliyun.envelope import Format, Rendered, render_error, render_success
from fapiao.protocols.aliyun.headers import HeaderInput
from fapiao.protocols.aliyun.operations import CATALOG
from fapiao.protocols.aliyun.request import RpcRequest, decode_form, parse_request
from fapiao.runtime import Runtime
from fapiao.throttling import key_caller

log = structlog.get_logger(__name__)

# Each refusal of ``authenticate`` as a reason of the authentication-failure metric.
AUTH_FAILURES: dict[str, metrics.AuthFailure] = {
    errors.Code.ACCESS_KEY_NOT_FOUND: metrics.AuthFailure.UNKNOWN_KEY,
    errors.Code.ACCESS_KEY_INACTIVE: metrics.AuthFailure.UNKNOWN_KEY,
    errors.Code.ACCESS_KEY_DISABLED: metrics.AuthFailure.UNKNOWN_KEY,
    errors.Code.SIGNATURE_DOES_NOT_MATCH: metrics.AuthFailure.BAD_SIGNATURE,
    errors.Code.INCOMPLETE_SIGNATURE: metrics.AuthFailure.BAD_SIGNATURE,
    errors.Code.TIMESTAMP_EXPIRED: metrics.AuthFailure.EXPIRED_TIMESTAMP,
    errors.Code.TIMESTAMP_FORMAT: metrics.AuthFailure.MALFORMED,
    errors.Code.SIGNATURE_NONCE_USED: metrics.AuthFailure.REPLAYED_NONCE,
    errors.Code.MISSING_PARAMETER: metrics.AuthFailure.MISSING_CREDENTIALS,
    errors.Code.SECURITY_TOKEN_EXPIRED: metrics.AuthFailure.BAD_TOKEN,
    errors.Code.SECURITY_TOKEN_MALFORMED: metrics.AuthFailure.BAD_TOKEN,
    errors.Code.SECURITY_TOKEN_MISMATCH: metrics.AuthFailure.BAD_TOKEN,
}
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
    exchange: Exchange,
    now: datetime | None = None,
    client: str | None = None,
    secure: bool = False,
) -> Rendered:
    """Answer one RPC request; never raises. ``client`` is the caller's address as the server saw it (the
    socket peer, or what a trusted proxy said), ``secure`` whether it came over HTTPS: RAM policy conditions
    (``acs:SourceIp``, ``acs:SecureTransport``) read them, and failed authentications count against the
    address's budget. ``exchange`` holds the request's id and takes its action, caller and error code (the
    access log)."""
    request_id = exchange.request_id
    fmt = Format.JSON
    op: Operation | None = None
    throttle = rt.throttle
    try:
        req = parse_request(method, query_string, headers, body)
        fmt = req.format
        exchange.claim(action=req.action)
        op = CATALOG.resolve(*req.route())
        moment = now or datetime.now(UTC)
        blocked = throttle.blocked(client)
        if blocked is not None:
            raise faults.throttled(blocked)
        try:
            credential = authenticate(rt, req, moment, RequestContext.of(client, secure, moment), exchange)
        except errors.RpcError as refused:
            throttle.failed(client)
            metrics.auth_failed(metrics.Protocol.ALIYUN, AUTH_FAILURES.get(refused.code, metrics.AuthFailure.OTHER))
            raise
        faults.authorise(op, credential)
        limited = throttle.admit(key_caller(credential.actor.key_id), op.action)
        if limited is not None:
            raise faults.throttled(limited)
        data = op.run(Call(rt, credential, request_id), req.params)
        document: Mapping[str, object] = {**SUCCESS_2017, "Data": data} if op.envelope else data
        return render_success(document, action=op.action, request_id=request_id, fmt=fmt)
    except errors.RpcError as error:
        return _refused(error, exchange, fmt)
    except DomainError as error:
        if op is None:  # pragma: no cover - domain errors only come from operations
            raise
        return _refused(faults.from_domain(error, op), exchange, fmt)
    except Exception:
        log.exception("aliyun.internal_error", action=op.action if op else None)  # the request id is bound
        return _refused(errors.internal_error(), exchange, fmt)


def refuse(error: errors.RpcError, query_string: bytes | str, exchange: Exchange) -> Rendered:
    """Answer a request refused before its body was read, in the format its query asks for (else JSON)."""
    try:
        fmt = Format.parse(decode_form(query_string).get("Format"))
    except errors.RpcError:
        fmt = Format.JSON
    return _refused(error, exchange, fmt)


def _refused(error: errors.RpcError, exchange: Exchange, fmt: Format) -> Rendered:
    exchange.failed(error.code)
    return render_error(error, request_id=exchange.request_id, fmt=fmt)


def authenticate(
    rt: Runtime, req: RpcRequest, now: datetime, context: RequestContext, exchange: Exchange
) -> Credential:
    """The key's credential once timestamp, key, signature and nonce all check out (``auth.service``),
    acting in the request's ``context``; the key id it claims goes to the access log, whatever comes next."""
    creds = signing.credentials(req)
    exchange.claim(caller=creds.access_key_id)
    signing.check_clock_skew(signing.parse_timestamp(creds.timestamp), now)
    token = creds.security_token

    def verify(secret: str) -> signing.Verdict | _Rejected:
        try:
            verdict = signing.verify(req, secret)
        except errors.RpcError as error:  # a malformed signature: refused like a wrong one
            return _Rejected(error)
        if verdict.ok and token is not None:
            return _Rejected(errors.security_token_malformed())  # Fapiao issues no STS tokens: none is valid
        return verdict

    result = authenticate_rpc(
        rt,
        creds.access_key_id,
        creds.nonce,
        now.replace(tzinfo=None),
        verify,
        nonce_window=NONCE_WINDOW,
        context=context,
    )
    if not isinstance(result, Refused):
        return result
    verdict = result.verdict
    if isinstance(verdict, _Rejected):
        raise verdict.error
    if verdict is not None:
        raise errors.signature_does_not_match(verdict.string_to_sign)
    if result.refusal is Refusal.NONCE_USED:
        raise errors.signature_nonce_used()
    raise errors.access_key_not_found()


@dataclass(frozen=True, slots=True)
class _Rejected:
    """A refusal of the signature that is not a mismatch: it answers with its own error."""

    error: errors.RpcError

    @property
    def ok(self) -> bool:
        return False
