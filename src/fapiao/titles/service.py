"""Invoice title use cases: create, edit and resubmit, submit a change, review (``review_title``), list."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fapiao.accounts.service import load_account
from fapiao.audit import service as audit
from fapiao.documents import service as documents
from fapiao.documents.commands import DocumentKind
from fapiao.domain.errors import NotFound, ValidationFailed
from fapiao.domain.titles import (
    AdjustType,
    TitleData,
    TitleStatus,
    adjust_type_for,
    check_title,
    require_transition,
)
from fapiao.runtime import Runtime
from fapiao.settings import Profile
from fapiao.store import revisions
from fapiao.store.tables import Account, Title
from fapiao.titles import queries
from fapiao.titles.commands import ChangeTitle, Decision, ListTitles, ReviewTitle
from fapiao.titles.views import TitleView as TitleView
from fapiao.titles.views import title_data as title_data
from fapiao.titles.views import title_view as _view
from fapiao.usecases import outbox, spec
from fapiao.usecases.actor import Actor
from fapiao.usecases.pagination import Page, PageRequest, paginate
from fapiao.usecases.serialize import to_jsonable

if TYPE_CHECKING:
    from fapiao.auth.credentials import Credential

_DOCUMENT_FIELDS = {
    "taxation_license": DocumentKind.TAXATION_LICENSE,
    "title_change_instructions": DocumentKind.TITLE_CHANGE_INSTRUCTIONS,
}
_REVIEWED = {
    Decision.REJECT: TitleStatus.REJECTED,
    Decision.WITHDRAW: TitleStatus.WITHDRAWN,
    Decision.INVALIDATE: TitleStatus.INVALID,
}


def create_title(
    rt: Runtime,
    actor: Actor,
    user_id: int,
    command: TitleData,
    *,
    title_id: int | None = None,
    created_at: datetime | None = None,
) -> TitleView:
    """File a new title for review (``command``: a ``CreateTitle``, or any ``TitleData``).
    ``title_id``/``created_at`` are for imports and the demo only."""
    spec.check(command)
    checked = check_title(command, strict=_strict(rt))
    with rt.db.transaction() as session:
        account = load_account(session, user_id, actor)
        _require_documents(session, account.id, checked.data)
        row = Title(
            id=title_id,
            account_id=account.id,
            status=TitleStatus.APPLYING.value,
            adjust_type=AdjustType.DETAILS.value,
            warnings=list(checked.warnings),
            pending_change=None,
            review_note="",
            **checked.data.to_json(),
        )
        if created_at is not None:
            row.created_at = row.updated_at = created_at
        session.add(row)
        session.flush()
        view = _view(row, account)
        audit.record(session, actor, "title.create", "title", row.id, account_id=account.id, after=_snapshot(row))
        _publish(session, "title.submitted", view, "create", account.id)
        return view


def update_title(rt: Runtime, actor: Actor, command: ChangeTitle) -> TitleView:
    """Edit a title that has no approved version yet, and put it (back) under review."""
    spec.check(command)
    with rt.db.transaction() as session:
        row, account = _load(session, actor, command.title_id)
        require_transition("resubmit", TitleStatus(row.status), has_pending_change=row.pending_change is not None)
        before = _snapshot(row)
        checked = check_title(title_data(row).replace(**command.changes()), strict=_strict(rt))
        _require_documents(session, account.id, checked.data)
        _assign(row, checked.data)
        row.status, row.warnings, row.review_note = TitleStatus.APPLYING.value, list(checked.warnings), ""
        return _recorded(session, actor, row, account, "resubmit", before, "title.submitted")


def submit_change(rt: Runtime, actor: Actor, command: ChangeTitle) -> TitleView:
    """Propose a change to an approved title. The approved values stay in force until it is approved."""
    spec.check(command)
    with rt.db.transaction() as session:
        row, account = _load(session, actor, command.title_id)
        require_transition("change", TitleStatus(row.status), has_pending_change=row.pending_change is not None)
        current = title_data(row)
        checked = check_title(current.replace(**command.changes()), strict=_strict(rt))
        if checked.data == current:
            raise ValidationFailed("the change does not change anything", field="changes")
        adjust = adjust_type_for(current, checked.data, real_name_verified=account.real_name_verified)
        _require_documents(session, account.id, checked.data)
        before = _snapshot(row)
        row.pending_change = checked.data.to_json()
        row.status, row.adjust_type = TitleStatus.APPLYING.value, adjust.value
        row.warnings, row.review_note = list(checked.warnings), ""
        return _recorded(session, actor, row, account, "change", before, "title.submitted")


def review_title(rt: Runtime, actor: Actor, command: ReviewTitle) -> TitleView:
    """Approve, reject, withdraw or invalidate a title, or the pending change of an approved one."""
    spec.check(command)
    decision, note = command.decision, command.note.strip()
    if decision is Decision.REJECT and not note:
        raise ValidationFailed("a rejection needs a reason", field="note")
    with rt.db.transaction() as session:
        row, account = _load(session, actor, command.title_id)
        if decision is not Decision.WITHDRAW and actor.is_customer:
            raise NotFound("no such record")  # customers never review their own titles, only withdraw them
        require_transition(decision.value, TitleStatus(row.status))
        before = _snapshot(row)
        pending = row.pending_change
        if decision is Decision.APPROVE:
            if pending is not None:
                _assign(row, TitleData.from_json(pending))
            row.status = TitleStatus.APPROVED.value
        elif decision in (Decision.REJECT, Decision.WITHDRAW) and pending is not None:
            row.status = TitleStatus.APPROVED.value  # the approved version stays; the change is dropped
        else:
            row.status = _REVIEWED[decision].value
        row.pending_change, row.review_note = None, note
        return _recorded(session, actor, row, account, decision.value, before, "title.reviewed")


def get_title(rt: Runtime, actor: Actor, title_id: int) -> TitleView:
    with rt.db.transaction() as session:
        row, account = _load(session, actor, title_id)
        return _view(row, account)


def list_titles(rt: Runtime, actor: Actor, command: ListTitles) -> Page[TitleView]:
    """Titles oldest first; a customer's own account only."""
    spec.check(command)
    own = actor.visible_account
    with rt.db.transaction() as session:
        page = PageRequest(command.page, command.page_size)
        return paginate(session, queries.listing(command, own), Title.id, page, _view)


ACCOUNT_TITLES_LIMIT = 10_000


def account_titles(rt: Runtime, signer: Credential) -> tuple[TitleView, ...]:
    """Every title of the signing key's account, oldest first (at most ``ACCOUNT_TITLES_LIMIT``).

    Signed list calls read this on every request, so it is answered from this process's cache while it is
    as new as ``signer``, whose account revision ``auth.service`` checked for this request.
    """
    actor, account_id = signer.actor, signer.account_id
    if not actor.is_customer:
        raise NotFound("only an account's own keys list its titles this way")
    cached = rt.caches.titles.current(account_id, (signer.revision,))
    if cached is not None:
        return cached
    query = (
        select(Title, Account)
        .join(Account, Account.id == Title.account_id)
        .where(Title.account_id == account_id)
        .order_by(Title.id)
        .limit(ACCOUNT_TITLES_LIMIT)
    )
    with rt.db.transaction() as session:
        (current,) = revisions.read(session.connection(), [revisions.account_scope(account_id)])
        views = tuple(_view(title, account) for title, account in session.execute(query))
    rt.caches.titles.put(account_id, views, (current,))
    return views


def _strict(rt: Runtime) -> bool:
    """Production refuses what a sandbox only warns about (placeholder tax ids, phone formats)."""
    return rt.profile is Profile.PRODUCTION


def _load(session: Session, actor: Actor, title_id: int) -> tuple[Title, Account]:
    pair = session.execute(queries.by_id(title_id)).first()
    if pair is None or not actor.sees(pair[1].id):
        raise NotFound(f"title {title_id} does not exist", field="id")
    return pair[0], pair[1]


def _require_documents(session: Session, account_id: int, data: TitleData) -> None:
    """A title refers to its documents by file name; the file must have been uploaded by the account."""
    for field, kind in _DOCUMENT_FIELDS.items():
        name = getattr(data, field)
        if name and documents.find_by_name(session, account_id, kind, name) is None:
            raise ValidationFailed(
                f"{field} names {name!r}, but no such {kind.value} document was uploaded", field=field
            )


def _assign(row: Title, data: TitleData) -> None:
    for name, value in data.to_json().items():
        setattr(row, name, value)


def _snapshot(row: Title) -> dict[str, Any]:
    return {
        "status": row.status,
        "adjust_type": row.adjust_type,
        **title_data(row).to_json(),
        "pending_change": row.pending_change,
        "review_note": row.review_note,
    }


def _recorded(
    session: Session, actor: Actor, row: Title, account: Account, action: str, before: dict[str, Any], event: str
) -> TitleView:
    """Flush a changed title, audit it as ``title.<action>`` and publish ``event``, in the caller's transaction."""
    session.flush()
    audit.record(
        session, actor, f"title.{action}", "title", row.id, account_id=account.id, before=before, after=_snapshot(row)
    )
    view = _view(row, account)
    _publish(session, event, view, action, account.id)
    return view


def _publish(session: Session, event_type: str, view: TitleView, action: str, account_id: int) -> None:
    outbox.publish(session, event_type, {"title": to_jsonable(view), "action": action}, account_id=account_id)
