"""Known-answer vectors and worked examples of reference §2.2–2.3."""

from __future__ import annotations

import pytest

from fapiao.protocols.top.request import parse_request
from fapiao.protocols.top.signing import (
    SignMethod,
    canonical_string,
    compute_sign,
    parse_sign_method,
    verify_sign,
)

VECTOR_1 = {
    "method": "taobao.item.seller.get",
    "app_key": "12345678",
    "session": "test",
    "timestamp": "2016-01-01 12:00:00",
    "format": "json",
    "v": "2.0",
    "sign_method": "md5",
    "fields": "num_iid,title,nick,price,num",
    "num_iid": "11223344",
}
VECTOR_2 = {
    "method": "taobao.user.seller.get",
    "timestamp": "2013-05-06 13:52:03",
    "format": "xml",
    "app_key": "test",
    "v": "2.0",
    "fields": "nick",
    "sign_method": "md5",
    "session": "test",
}

SECRET = "test-secret"
GET = "alibaba.einvoice.invoiceapply.get"
UPDATE = "alibaba.einvoice.invoiceapply.update"
BASE = {"app_key": "12345678", "apply_id": "123456ABC", "format": "json", "v": "2.0"}
PY_TAOBAO_OPEN = {"partner_id": "tbk-sdk-python-20220112", "session": "SESSION-XYZ", "sign_method": "md5"}
TAOBAOPY = {"session": "SESSION-XYZ", "sign_method": "hmac", "timestamp": "2026-11-21 12:19:18"}

WORKED = {
    "a": (
        {**BASE, **PY_TAOBAO_OPEN, "method": GET, "timestamp": "1795234758332"},
        "app_key12345678apply_id123456ABCformatjsonmethodalibaba.einvoice.invoiceapply.getpartner_id"
        "tbk-sdk-python-20220112sessionSESSION-XYZsign_methodmd5timestamp1795234758332v2.0",
        "804E93934FC2B009ED7B730F0A2DD894",
    ),
    "b": (
        {
            **BASE,
            **PY_TAOBAO_OPEN,
            "method": UPDATE,
            "timestamp": "1795234758335",
            "status": "4",
            "ex_info": '{"message": "发票已寄出", "logistics_no": "SF123", "logistics_company": "顺丰"}',
        },
        'app_key12345678apply_id123456ABCex_info{"message": "发票已寄出", "logistics_no": "SF123", '
        '"logistics_company": "顺丰"}formatjsonmethodalibaba.einvoice.invoiceapply.updatepartner_id'
        "tbk-sdk-python-20220112sessionSESSION-XYZsign_methodmd5status4timestamp1795234758335v2.0",
        "F114F7A0B86EFD3A2C0ADB059E8A5D88",
    ),
    "c": (
        {**BASE, **TAOBAOPY, "method": GET},
        "app_key12345678apply_id123456ABCformatjsonmethodalibaba.einvoice.invoiceapply.getsession"
        "SESSION-XYZsign_methodhmactimestamp2026-11-21 12:19:18v2.0",
        "BA2C4EA6BCA423483E87A2D76855B181",
    ),
    "d": (
        {
            **BASE,
            **TAOBAOPY,
            "method": UPDATE,
            "status": "0",
            "ex_info": '{"message": "完成开票", "invoice_code": "66666666", "invoice_no": "88888"}',
        },
        'app_key12345678apply_id123456ABCex_info{"message": "完成开票", "invoice_code": "66666666", '
        '"invoice_no": "88888"}formatjsonmethodalibaba.einvoice.invoiceapply.updatesessionSESSION-XYZ'
        "sign_methodhmacstatus0timestamp2026-11-21 12:19:18v2.0",
        "A8B821773523C3FD1F7D5EA1A6CE7D74",
    ),
    "e": (
        {
            **BASE,
            "apply_id": "A1",
            "ex_info": "",
            "method": UPDATE,
            "sign_method": "hmac",
            "status": "2",
            "timestamp": "2026-11-21 12:19:20",
        },
        "app_key12345678apply_idA1ex_infoformatjsonmethodalibaba.einvoice.invoiceapply.update"
        "sign_methodhmacstatus2timestamp2026-11-21 12:19:20v2.0",
        "D12F18F853F004B3AB3DC2B0C699B102",
    ),
    "f": (
        {
            "method": GET,
            "app_key": "12345678",
            "timestamp": "2026-11-21 12:19:19",
            "format": "xml",
            "v": "2.0",
            "sign_method": "hmac-sha256",
            "apply_id": "A-001",
        },
        "app_key12345678apply_idA-001formatxmlmethodalibaba.einvoice.invoiceapply.getsign_method"
        "hmac-sha256timestamp2026-11-21 12:19:19v2.0",
        "DDE7E57209A8F2F95C7CC4FF5E3947D0DC0F785F6499048CC119CE92DDB363E4",
    ),
}


def test_vector_1_canonical_string_and_md5() -> None:
    assert canonical_string(VECTOR_1) == (
        "app_key12345678fieldsnum_iid,title,nick,price,numformatjsonmethodtaobao.item.seller.get"
        "num_iid11223344sessiontestsign_methodmd5timestamp2016-01-01 12:00:00v2.0"
    )
    assert compute_sign(VECTOR_1, "helloworld", SignMethod.MD5) == "66987CB115214E59E6EC978214934FB8"


def test_vector_2_md5() -> None:
    assert canonical_string(VECTOR_2) == (
        "app_keytestfieldsnickformatxmlmethodtaobao.user.seller.getsessiontestsign_methodmd5"
        "timestamp2013-05-06 13:52:03v2.0"
    )
    assert compute_sign(VECTOR_2, "test", SignMethod.MD5) == "72CB4D809B375A54502C09360D879C64"


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        (SignMethod.HMAC, "D56D7858309C31B6251083A874D48273"),
        (SignMethod.HMAC_SHA256, "04DB15AD0774D5CFCE2C837DE43E3FCEA9011ED74F3038FB6AB5F3C4CEA119E8"),
    ],
)
def test_vector_1_hmac_variants(method: SignMethod, expected: str) -> None:
    params = {**VECTOR_1, "sign_method": method.value}
    assert compute_sign(params, "helloworld", method) == expected


@pytest.mark.parametrize("name", sorted(WORKED))
def test_worked_einvoice_examples(name: str) -> None:
    params, canonical, expected = WORKED[name]
    method = SignMethod(params["sign_method"])
    assert canonical_string(params) == canonical
    assert compute_sign(params, SECRET, method) == expected
    assert verify_sign({**params, "sign": expected}, SECRET, method)
    assert verify_sign({**params, "sign": expected.lower()}, SECRET, method)  # case-insensitive compare
    assert not verify_sign({**params, "sign": expected}, "wrong-secret", method)


def test_sign_itself_is_excluded_from_the_canonical_string() -> None:
    params, canonical, _ = WORKED["c"]
    assert canonical_string({**params, "sign": "ANYTHING"}) == canonical


def test_empty_values_are_signed() -> None:
    params, _, expected = WORKED["e"]
    without_empty = {k: v for k, v in params.items() if v}
    assert compute_sign(without_empty, SECRET, SignMethod.HMAC) != expected
    assert not verify_sign({**without_empty, "sign": expected}, SECRET, SignMethod.HMAC)


def test_worked_example_b_from_the_wire() -> None:
    """The reference's urlencoded body plus its query, through the parser, verifies with md5."""
    params, _, expected = WORKED["b"]
    query = "&".join(f"{k}={v}" for k, v in params.items() if k not in ("apply_id", "status", "ex_info"))
    body = (
        b"apply_id=123456ABC&status=4&ex_info=%7B%22message%22%3A+%22%E5%8F%91%E7%A5%A8%E5%B7%B2%E5%AF%84"
        b"%E5%87%BA%22%2C+%22logistics_no%22%3A+%22SF123%22%2C+%22logistics_company%22%3A+%22%E9%A1%BA%E4%B8"
        b"%B0%22%7D"
    )
    parsed = parse_request("POST", f"{query}&sign={expected}", "application/x-www-form-urlencoded;charset=UTF-8", body)
    assert parsed.params["ex_info"] == params["ex_info"]
    assert verify_sign(parsed.params, SECRET, SignMethod.MD5)


@pytest.mark.parametrize("tampered", ["status", "ex_info", "timestamp"])
def test_any_changed_value_breaks_the_signature(tampered: str) -> None:
    params, _, expected = WORKED["d"]
    assert not verify_sign({**params, tampered: params[tampered] + "1", "sign": expected}, SECRET, SignMethod.HMAC)


def test_missing_sign_never_verifies() -> None:
    params, _, _ = WORKED["a"]
    assert not verify_sign(params, SECRET, SignMethod.MD5)
    assert not verify_sign({**params, "sign": "签名"}, SECRET, SignMethod.MD5)  # non-ASCII must not raise


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("md5", SignMethod.MD5),
        ("hmac", SignMethod.HMAC),
        ("hmac-sha256", SignMethod.HMAC_SHA256),
        ("sha256", None),
        ("MD5", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_sign_method(value: str | None, expected: SignMethod | None) -> None:
    assert parse_sign_method(value) is expected
