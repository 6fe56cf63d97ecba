"""Demo data: one account whose title, address and invoiceable items mirror the platforms' documented
examples, so a fresh sandbox answers exactly what the API documents show. Seeding is idempotent and
reprints the same credentials every time (secrets are encrypted, so they can be shown again)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select

from fapiao.accounts import service as accounts
from fapiao.accounts.commands import AttachPolicy, CreateAccessKey, CreateAccount, CreateRamUser
from fapiao.accounts.views import AccountView, account_view
from fapiao.addresses import service as addresses
from fapiao.demo import top as demo_top
from fapiao.documents import service as documents
from fapiao.documents.commands import DocumentKind, UploadDocument
from fapiao.domain.addresses import AddressData
from fapiao.domain.clock import china_to_utc_naive
from fapiao.domain.items import BizType
from fapiao.domain.tax_ids import HolderKind
from fapiao.domain.titles import CustomerType, InvoiceKind, TaxpayerType, TitleData
from fapiao.items import service as items
from fapiao.items.commands import CreateItem
from fapiao.runtime import Runtime
from fapiao.store.tables import AccessKey, Account, Address, InvoiceableItem, Title
from fapiao.titles import service as titles
from fapiao.titles.commands import Decision, ReviewTitle
from fapiao.usecases.actor import SYSTEM

DEMO_USER_ID = 34565465675
DEMO_NICK = "testNick"
DEMO_TITLE_ID = 239875502738
DEMO_ROOT_KEY_ID = "LTAI5tFapiaoDemoRootKey1"
# A RAM user of the demo account that may only read invoice titles (QueryInvoicingCustomerList).
DEMO_RAM_USER = "invoice-reader"
DEMO_RAM_KEY_ID = "LTAI5tFapiaoDemoRamKey01"
DEMO_RAM_POLICY = {
    "Version": "1",
    "Statement": [{"Effect": "Allow", "Action": ["bss:QueryCustomerInvoiceInfo"], "Resource": "*"}],
}

# A minimal JPEG and an OLE2 (.doc) header: real enough to pass the upload checks.
_JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
_DOC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504

DEMO_TITLE = TitleData(
    invoice_title="Test Company",
    holder_kind=HolderKind.ENTERPRISE,
    invoice_kind=InvoiceKind.SPECIAL,
    taxpayer_type=TaxpayerType.GENERAL,
    customer_type=CustomerType.INDIVIDUAL,
    issue_type=1,
    register_no="21343245342534",
    bank="Test Bank",
    bank_no="389576348573296349853476",
    address="XXX, XXX district, XXX city, XXX province",
    phone="138xxxxxxxx",
    taxation_license="taxationLicense.jpg",
    title_change_instructions="instruction.doc",
    default_remark="PO Code: 12984554",
    start_cycle=202002,
    end_cycle=202003,
)
DEMO_TITLE_CREATED = china_to_utc_naive(datetime(2018, 9, 7, 15, 26, 20))

DEMO_ADDRESS = AddressData(
    addressee="张三",
    phone="18588888888",
    province="浙江省",
    city="杭州市",
    county="余杭区",
    street="文一西路969号",
    postal_code="311121",
)

DEMO_ITEMS = (
    CreateItem("云服务器 ECS 包年包月", "2026-10", 250_00, out_biz_id="208800000000001", bill_id=9001),
    CreateItem("对象存储 OSS 按量付费", "2026-10", 4500_00, out_biz_id="208800000000002", bill_id=9002),
    CreateItem("云数据库 RDS 包年包月", "2026-09", 1299_50, out_biz_id="208800000000003", bill_id=9003),
    CreateItem(
        "云市场 电子发票服务",
        "2026-09",
        88_00,
        biz_type=BizType.MARKETPLACE,
        out_biz_id="208800000000004",
        bill_id=9004,
    ),
    CreateItem("CDN 流量包 (退订)", "2026-08", 100_00, offset_fen=100_00, out_biz_id="208800000000005", bill_id=9005),
)


def seed(rt: Runtime, endpoint: str) -> dict[str, Any]:
    """Create whatever of the demo is missing and describe it."""
    account = _account(rt)
    secret = _root_secret(rt)
    ram_secret = _ram_secret(rt)
    _documents(rt, account.id)
    title_id = _title(rt)
    address_id = _address(rt)
    _items(rt, account.id)
    top = demo_top.seed(rt, DEMO_USER_ID)
    return {
        "endpoint": endpoint,
        "aliyun": {
            "access_key_id": DEMO_ROOT_KEY_ID,
            "access_key_secret": secret,
            "user_id": DEMO_USER_ID,
            "title_id": title_id,
            "address_id": address_id,
            "ram": {"access_key_id": DEMO_RAM_KEY_ID, "access_key_secret": ram_secret},
        },
        "top": top,
    }


def _account(rt: Runtime) -> AccountView:
    with rt.db.transaction() as session:
        row = session.scalars(select(Account).where(Account.user_id == DEMO_USER_ID)).first()
        if row is not None:
            return account_view(row)
    return accounts.create_account(rt, SYSTEM, CreateAccount(DEMO_NICK, DEMO_USER_ID, real_name_verified=True))


def _root_secret(rt: Runtime) -> str:
    with rt.db.transaction() as session:
        sealed = session.scalars(select(AccessKey.secret_sealed).where(AccessKey.key_id == DEMO_ROOT_KEY_ID)).first()
    if sealed is not None:
        return rt.box.open(sealed)
    return accounts.create_access_key(rt, SYSTEM, CreateAccessKey(DEMO_USER_ID, key_id=DEMO_ROOT_KEY_ID)).secret


def _ram_secret(rt: Runtime) -> str:
    with rt.db.transaction() as session:
        sealed = session.scalars(select(AccessKey.secret_sealed).where(AccessKey.key_id == DEMO_RAM_KEY_ID)).first()
    if sealed is not None:
        return rt.box.open(sealed)
    if not any(u.name == DEMO_RAM_USER for u in accounts.list_ram_users(rt, SYSTEM, DEMO_USER_ID)):
        ram_user = CreateRamUser(DEMO_USER_ID, DEMO_RAM_USER, "Demo: reads invoice titles only")
        accounts.create_ram_user(rt, SYSTEM, ram_user)
    policy = AttachPolicy(DEMO_USER_ID, DEMO_RAM_USER, "read-invoice-titles", json.dumps(DEMO_RAM_POLICY))
    accounts.attach_policy(rt, SYSTEM, policy)
    key = accounts.create_access_key(rt, SYSTEM, CreateAccessKey(DEMO_USER_ID, DEMO_RAM_USER, DEMO_RAM_KEY_ID))
    return key.secret


def _documents(rt: Runtime, account_id: int) -> None:
    wanted = (
        (DocumentKind.TAXATION_LICENSE, "taxationLicense.jpg", _JPEG),
        (DocumentKind.TITLE_CHANGE_INSTRUCTIONS, "instruction.doc", _DOC),
    )
    for kind, name, content in wanted:
        with rt.db.transaction() as session:
            exists = documents.find_by_name(session, account_id, kind, name)
        if exists is None:
            documents.upload(rt, SYSTEM, UploadDocument(account_id, kind, name, content))


def _title(rt: Runtime) -> int:
    with rt.db.transaction() as session:
        if session.get(Title, DEMO_TITLE_ID) is not None:
            return DEMO_TITLE_ID
    titles.create_title(rt, SYSTEM, DEMO_USER_ID, DEMO_TITLE, title_id=DEMO_TITLE_ID, created_at=DEMO_TITLE_CREATED)
    titles.review_title(rt, SYSTEM, ReviewTitle(DEMO_TITLE_ID, Decision.APPROVE, "demo data"))
    return DEMO_TITLE_ID


def _address(rt: Runtime) -> int:
    with rt.db.transaction() as session:
        existing = session.scalars(
            select(Address.id)
            .join(Account, Account.id == Address.account_id)
            .where(Account.user_id == DEMO_USER_ID, ~Address.deleted)
            .order_by(Address.id)
            .limit(1)
        ).first()
    if existing is not None:
        return existing
    return addresses.create_address(rt, SYSTEM, DEMO_USER_ID, DEMO_ADDRESS).id


def _items(rt: Runtime, account_id: int) -> None:
    with rt.db.transaction() as session:
        present = set(
            session.scalars(select(InvoiceableItem.out_biz_id).where(InvoiceableItem.account_id == account_id))
        )
    for item in DEMO_ITEMS:
        if item.out_biz_id not in present:
            items.create_item(rt, SYSTEM, DEMO_USER_ID, item)
