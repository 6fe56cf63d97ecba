"""Known-answer vectors and worked examples of reference aliyun-rpc.md §2–4, plus the failure paths."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from fapiao.protocols.aliyun import signing
from fapiao.protocols.aliyun.errors import Code, RpcError
from fapiao.protocols.aliyun.headers import HeaderMap
from fapiao.protocols.aliyun.request import parse_request
from fapiao.protocols.aliyun.signing import Scheme

UA = "AlibabaCloud (Linux; x86_64) Python/3.11.7 Core/0.4.3 TeaDSL/2"
EMPTY_SHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
TEA_SIGNED = (
    "accept;host;user-agent;x-acs-action;x-acs-content-sha256;x-acs-credentials-provider;"
    "x-acs-date;x-acs-signature-nonce;x-acs-version"
)


def v1_common(nonce: str, ts: str, action: str, version: str = "2017-12-14", fmt: str = "json") -> dict[str, str]:
    return {
        "AccessKeyId": "testAKID",
        "Action": action,
        "Format": fmt,
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": nonce,
        "SignatureVersion": "1.0",
        "Timestamp": ts,
        "Version": version,
    }


def tea_v3_headers(
    action: str,
    nonce: str,
    date: str,
    signature: str,
    *,
    version: str = "2017-12-14",
    host: str = "127.0.0.1:40929",
    sha: str = EMPTY_SHA,
    content_type: str | None = None,
) -> list[tuple[str, str]]:
    signed = TEA_SIGNED if content_type is None else TEA_SIGNED.replace("accept;", "accept;content-type;")
    headers = [
        ("Accept-Encoding", "identity"),
        ("host", host),
        ("x-acs-version", version),
        ("x-acs-action", action),
        ("user-agent", UA),
        ("x-acs-date", date),
        ("x-acs-signature-nonce", nonce),
        ("accept", "application/json"),
        ("x-acs-content-sha256", sha),
        ("x-acs-credentials-provider", "static_ak"),
        (
            "Authorization",
            f"ACS3-HMAC-SHA256 Credential=testAKID,SignedHeaders={signed},Signature={signature}",
        ),
    ]
    if content_type is not None:
        headers.append(("content-type", content_type))
    return headers


# --- percent-encoding -------------------------------------------------------------------------------------


def test_pct_matches_reference_check() -> None:
    assert signing.pct(" ~/*-+") == "%20~%2F%2A-%2B"


def test_pct_encodes_utf8_with_uppercase_hex() -> None:
    assert signing.pct("备注") == "%E5%A4%87%E6%B3%A8"
    assert signing.pct("a_b.c-d~") == "a_b.c-d~"


# --- v1 ---------------------------------------------------------------------------------------------------


def test_v1_known_answer_vector() -> None:
    sts = signing.v1_string_to_sign("GET", {"query": "test", "body": "test"})
    assert sts == "GET&%2F&body%3Dtest%26query%3Dtest"
    assert signing.v1_signature(sts, "secret") == "XlUyV4sXjOuX5FnjUz9IF9tm5rU="


def test_v1_worked_example_a_from_raw_request() -> None:
    raw = (
        b"Action=QueryInvoicingCustomerList&Format=json&Version=2017-12-14&Timestamp=2026-11-21T04%3A23%3A36Z"
        b"&SignatureNonce=8b5618226abbac9f113b9f24aab9b523&OwnerId=123456&SignatureMethod=HMAC-SHA1"
        b"&SignatureVersion=1.0&AccessKeyId=testAKID&Signature=3aAwWi3tYw%2Bw0dphQ4MiuiXMtiA%3D"
    )
    req = parse_request("POST", raw, {"host": "127.0.0.1:40929", "x-acs-credentials-provider": "static_ak"})
    verdict = signing.verify(req, "testSecret")
    assert verdict.ok
    assert verdict.string_to_sign == (
        "POST&%2F&AccessKeyId%3DtestAKID%26Action%3DQueryInvoicingCustomerList%26Format%3Djson%26OwnerId%3D123456"
        "%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D8b5618226abbac9f113b9f24aab9b523"
        "%26SignatureVersion%3D1.0%26Timestamp%3D2026-11-21T04%253A23%253A36Z%26Version%3D2017-12-14"
    )
    wrong = signing.verify(req, "otherSecret")
    assert not wrong.ok
    assert wrong.reason == "signature"
    assert wrong.string_to_sign == verdict.string_to_sign


def test_v1_worked_example_b_awkward_characters() -> None:
    params = v1_common("37ab7ce03340e331de61386f33ddd02a", "2026-11-21T04:23:36Z", "ApplyInvoice") | {
        "AddressId": "11",
        "ApplyUserNick": "nick*~ +",
        "CustomerId": "22",
        "InvoiceAmount": "1000",
        "InvoiceByAmount": "True",
        "InvoicingType": "1",
        "ProcessWay": "1",
        "SelectedIds.1": "101",
        "SelectedIds.2": "102",
        "UserRemark": "备注 a/b:c&d=e",
        "emails": "a@b.com,c@d.com",
    }
    sts = signing.v1_string_to_sign("POST", params)
    assert sts == (
        "POST&%2F&AccessKeyId%3DtestAKID%26Action%3DApplyInvoice%26AddressId%3D11"
        "%26ApplyUserNick%3Dnick%252A~%2520%252B%26CustomerId%3D22%26Format%3Djson%26InvoiceAmount%3D1000"
        "%26InvoiceByAmount%3DTrue%26InvoicingType%3D1%26ProcessWay%3D1%26SelectedIds.1%3D101"
        "%26SelectedIds.2%3D102%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D37ab7ce03340e331de61386f33ddd02a"
        "%26SignatureVersion%3D1.0%26Timestamp%3D2026-11-21T04%253A23%253A36Z"
        "%26UserRemark%3D%25E5%25A4%2587%25E6%25B3%25A8%2520a%252Fb%253Ac%2526d%253De%26Version%3D2017-12-14"
        "%26emails%3Da%2540b.com%252Cc%2540d.com"
    )
    assert signing.v1_signature(sts, "testSecret") == "0W49AO5wvY3j3eMvcjZYDIy416c="


def test_v1_worked_example_c_core_sdk_query_and_form_body() -> None:
    query = (
        "CustomerId=22&Version=2017-12-14&Action=ApplyInvoice&Format=JSON&RegionId=cn-hangzhou"
        "&Timestamp=2026-11-21T04%3A34%3A01Z&SignatureMethod=HMAC-SHA1&SignatureType=&SignatureVersion=1.0"
        "&SignatureNonce=6a4b469835818410791ef35d0e808a8c&AccessKeyId=testAKID"
        "&Signature=Phl%2FHk%2BJuP1cLUfe1H%2BKSgHOOx0%3D"
    )
    body = b"UserRemark=a+b%2A~%2F%E5%A4%87%E6%B3%A8&InvoiceAmount=1000"
    headers = {"Host": "127.0.0.1:40929", "Content-Type": "application/x-www-form-urlencoded"}
    req = parse_request("POST", query, headers, body)
    assert req.params["UserRemark"] == "a b*~/备注"
    verdict = signing.verify(req, "testSecret")
    assert verdict.ok, verdict.string_to_sign
    assert "%26RegionId%3Dcn-hangzhou%26" in verdict.string_to_sign
    assert "%26SignatureType%3D%26" in verdict.string_to_sign
    assert verdict.string_to_sign.endswith(
        "%26UserRemark%3Da%2520b%252A~%252F%25E5%25A4%2587%25E6%25B3%25A8%26Version%3D2017-12-14"
    )


def test_v1_body_parameters_are_signed() -> None:
    query = (
        "CustomerId=22&Version=2017-12-14&Action=ApplyInvoice&Format=JSON&RegionId=cn-hangzhou"
        "&Timestamp=2026-11-21T04%3A34%3A01Z&SignatureMethod=HMAC-SHA1&SignatureType=&SignatureVersion=1.0"
        "&SignatureNonce=6a4b469835818410791ef35d0e808a8c&AccessKeyId=testAKID"
        "&Signature=Phl%2FHk%2BJuP1cLUfe1H%2BKSgHOOx0%3D"
    )
    tampered = b"UserRemark=a+b%2A~%2F%E5%A4%87%E6%B3%A8&InvoiceAmount=1001"
    req = parse_request("POST", query, {"Content-Type": "application/x-www-form-urlencoded"}, tampered)
    assert not signing.verify(req, "testSecret").ok


def test_v1_worked_example_d_shrink_json_lists() -> None:
    params = v1_common(
        "f185f131bb96765ced3c8be48c25dcfc", "2026-11-21T04:23:39Z", "ListInvoiceCandidate", "2023-09-30"
    ) | {"BillingCycles": "[202401]", "Types": "[1]"}
    sts = signing.v1_string_to_sign("POST", params)
    assert "%26BillingCycles%3D%255B202401%255D%26" in sts
    assert signing.v1_signature(sts, "testSecret") == "++KJgcTv/mD8owmCM2tcfBwKbx0="


def test_v1_worked_example_e_security_token_is_signed() -> None:
    params = v1_common("n", "2026-11-21T04:23:39Z", "ApplyInvoice") | {"SecurityToken": "testSTSToken+/="}
    assert "%26SecurityToken%3DtestSTSToken%252B%252F%253D%26" in signing.v1_string_to_sign("POST", params)


def test_v1_sorts_by_code_point() -> None:
    sts = signing.v1_string_to_sign("GET", {"SelectedIds.2": "b", "SelectedIds.10": "a", "a": "x", "Z": "y"})
    assert sts == "GET&%2F&SelectedIds.10%3Da%26SelectedIds.2%3Db%26Z%3Dy%26a%3Dx"


def test_v1_signature_parameter_is_excluded_and_method_uppercased() -> None:
    with_sig = signing.v1_string_to_sign("get", {"query": "test", "body": "test", "Signature": "x"})
    assert with_sig == "GET&%2F&body%3Dtest%26query%3Dtest"


def test_v1_rejects_other_signature_method_with_string_to_sign() -> None:
    params = v1_common("n", "2026-11-21T04:23:39Z", "ApplyInvoice") | {"SignatureMethod": "HMAC-SHA256"}
    params["Signature"] = signing.v1_signature(signing.v1_string_to_sign("POST", params), "testSecret")
    with pytest.raises(RpcError) as caught:
        signing.verify_v1("POST", params, "testSecret")
    assert caught.value.code == Code.INCOMPLETE_SIGNATURE
    assert caught.value.message.endswith(":" + signing.v1_string_to_sign("POST", params))


def test_v1_rejects_other_signature_version() -> None:
    params = v1_common("n", "2026-11-21T04:23:39Z", "ApplyInvoice") | {"SignatureVersion": "2.0", "Signature": "x"}
    with pytest.raises(RpcError) as caught:
        signing.verify_v1("POST", params, "testSecret")
    assert caught.value.code == Code.INCOMPLETE_SIGNATURE


def test_v1_accepts_own_signature_and_rejects_tampering() -> None:
    params = v1_common("n", "2026-11-21T04:23:39Z", "ApplyInvoice") | {"CustomerId": "22"}
    params["Signature"] = signing.v1_signature(signing.v1_string_to_sign("POST", params), "s3cr3t")
    assert signing.verify_v1("POST", params, "s3cr3t").ok
    assert not signing.verify_v1("GET", params, "s3cr3t").ok
    assert not signing.verify_v1("POST", params | {"CustomerId": "23"}, "s3cr3t").ok


# --- v3 ---------------------------------------------------------------------------------------------------

KAT_SHA = "55e12e91650d2fec56ec74e1d3e4ddbfce2ef3a65890c2a19ecf88a307e76a23"


def test_v3_known_answer_vector() -> None:
    headers = HeaderMap([("x-acs-test", "http"), ("x-acs-TEST", "https"), ("x-acs-content-sha256", KAT_SHA)])
    canonical = signing.v3_canonical_request("GET", "/", {"test": "ok", "empty": ""}, headers, ("x-acs-test",), KAT_SHA)
    assert canonical == f"GET\n/\nempty=&test=ok\nx-acs-test:http,https\n\nx-acs-test\n{KAT_SHA}"
    sts = signing.v3_string_to_sign(canonical)
    assert sts == "ACS3-HMAC-SHA256\n6c416f315497f25326e3f67e06370dbfce4d082b99aecdfc2411eeecd152f68f"
    assert signing.v3_signature(sts, "secret") == "d16b30a7699ae9e43875b13195b2f81bcc3ed10c14a9b5eb780e51619aa50be1"


def test_v3_known_answer_vector_lacks_required_signed_headers() -> None:
    auth = (
        "ACS3-HMAC-SHA256 Credential=acesskey,SignedHeaders=x-acs-test,"
        "Signature=d16b30a7699ae9e43875b13195b2f81bcc3ed10c14a9b5eb780e51619aa50be1"
    )
    headers = HeaderMap([("x-acs-test", "http"), ("x-acs-TEST", "https"), ("authorization", auth)])
    with pytest.raises(RpcError) as caught:
        signing.verify_v3("GET", "/", {"test": "ok", "empty": ""}, headers, b"", "secret")
    assert caught.value.code == Code.INCOMPLETE_SIGNATURE
    assert ":ACS3-HMAC-SHA256\n" in caught.value.message


def test_v3_worked_example_a_from_raw_request() -> None:
    sig = "68c1c570f0c00a620b61c1043c91fc0babfea30505fda4ecbb5dc8736d2d1659"
    headers = [
        *tea_v3_headers("QueryInvoicingCustomerList", "8d7c229681c2f251e6899eb2e87eb2b5", "2026-11-21T04:23:36Z", sig),
        ("Content-Length", "0"),
    ]
    req = parse_request("POST", b"OwnerId=123456", headers)
    canonical = signing.v3_canonical_request(
        req.method, req.path, req.query, req.headers, tuple(TEA_SIGNED.split(";")), EMPTY_SHA
    )
    assert canonical == (
        "POST\n/\nOwnerId=123456\naccept:application/json\nhost:127.0.0.1:40929\n"
        f"user-agent:{UA}\nx-acs-action:QueryInvoicingCustomerList\nx-acs-content-sha256:{EMPTY_SHA}\n"
        "x-acs-credentials-provider:static_ak\nx-acs-date:2026-11-21T04:23:36Z\n"
        "x-acs-signature-nonce:8d7c229681c2f251e6899eb2e87eb2b5\nx-acs-version:2017-12-14\n\n"
        f"{TEA_SIGNED}\n{EMPTY_SHA}"
    )
    verdict = signing.verify(req, "testSecret")
    assert verdict.ok
    assert verdict.string_to_sign == (
        "ACS3-HMAC-SHA256\nf9b3e30cc481b5d1bd5886262effb3745101d49a0f47ff40fdc42ba786a7ca56"
    )
    assert not signing.verify(req, "testSecret&").ok


def test_v3_worked_example_b_wire_query_reencoded() -> None:
    sig = "68b89703d513022f6b6ed4385406f1292661d1bde135c2fa181ad42fb6743413"
    query = (
        b"AddressId=11&ApplyUserNick=nick%2A~+%2B&CustomerId=22&InvoiceAmount=1000&InvoiceByAmount=True"
        b"&InvoicingType=1&ProcessWay=1&SelectedIds.1=101&SelectedIds.2=102"
        b"&UserRemark=%E5%A4%87%E6%B3%A8+a%2Fb%3Ac%26d%3De&emails=a%40b.com%2Cc%40d.com"
    )
    headers = tea_v3_headers("ApplyInvoice", "090154abd42a79b0a0f0e176f21ea375", "2026-11-21T04:23:36Z", sig)
    req = parse_request("POST", query, headers)
    assert signing.v3_canonical_query(req.query) == (
        "AddressId=11&ApplyUserNick=nick%2A~%20%2B&CustomerId=22&InvoiceAmount=1000&InvoiceByAmount=True"
        "&InvoicingType=1&ProcessWay=1&SelectedIds.1=101&SelectedIds.2=102"
        "&UserRemark=%E5%A4%87%E6%B3%A8%20a%2Fb%3Ac%26d%3De&emails=a%40b.com%2Cc%40d.com"
    )
    verdict = signing.verify(req, "testSecret")
    assert verdict.string_to_sign == (
        "ACS3-HMAC-SHA256\nf548f997dea12b3796ddef23d8661c0c6aa70bbaab0f36155b58687f9e5e86dc"
    )
    assert verdict.ok


def test_v3_worked_example_c_form_body_covered_by_hash_only() -> None:
    sig = "1a2dfec8d5086733466b0cf3305848c204910da5d658d4bfc14fb184b6fb8788"
    body = b"SelectedIds.1=101&SelectedIds.2=102&UserRemark=a+b"
    sha = "02cc69bed348cf3171746efb76a7e2398e234f3dd6f796c3699a2481a18de5f6"
    headers = tea_v3_headers(
        "ApplyInvoice",
        "b9d273987fbeb6ff34070e9701b6e22c",
        "2026-11-21T04:34:01Z",
        sig,
        host="127.0.0.1:33653",
        sha=sha,
        content_type="application/x-www-form-urlencoded",
    )
    req = parse_request("POST", b"CustomerId=22", headers, body)
    assert req.params["UserRemark"] == "a b"
    verdict = signing.verify(req, "testSecret")
    assert verdict.string_to_sign == (
        "ACS3-HMAC-SHA256\n59580a27bdf5885b225086fa7f35123a9422c7fd19b278a9b9d4c5ed74b7c4dc"
    )
    assert verdict.ok
    tampered = parse_request("POST", b"CustomerId=22", headers, body.replace(b"a+b", b"a+c"))
    bad = signing.verify(tampered, "testSecret")
    assert (bad.ok, bad.reason) == (False, "content-sha256")


def test_v3_worked_example_d_2023_shrink_json() -> None:
    sig = "5ea12f2233b61b47b30c809578f9b8b88772fa8df0224f57e41e334602a28fe2"
    query = {
        "Amount": "12.50",
        "EcIdAccountIds": '[{"AccountIds":[1,2],"EcId":"ec1"}]',
        "InvoiceCandidateIds": '["c1","c2"]',
        "InvoiceMode": "0",
        "InvoiceRemark": "备注",
        "InvoiceTitleId": "t1",
        "InvoiceType": "1",
        "RecipientEmails": '["a@b.com"]',
    }
    headers = HeaderMap(
        tea_v3_headers(
            "CreateInvoice", "51a113b95921ef0ce4ed541bc7b69d1d", "2026-11-21T04:23:39Z", sig, version="2023-09-30"
        )
    )
    assert signing.v3_canonical_query(query) == (
        "Amount=12.50&EcIdAccountIds=%5B%7B%22AccountIds%22%3A%5B1%2C2%5D%2C%22EcId%22%3A%22ec1%22%7D%5D"
        "&InvoiceCandidateIds=%5B%22c1%22%2C%22c2%22%5D&InvoiceMode=0&InvoiceRemark=%E5%A4%87%E6%B3%A8"
        "&InvoiceTitleId=t1&InvoiceType=1&RecipientEmails=%5B%22a%40b.com%22%5D"
    )
    verdict = signing.verify_v3("POST", "/", query, headers, b"", "testSecret")
    assert verdict.string_to_sign == (
        "ACS3-HMAC-SHA256\n5d14a5d51bb489e1720cb43873c8f1004c360842285d4ef0e619545c725367b0"
    )
    assert verdict.ok


def test_v3_tampered_query_value_fails() -> None:
    sig = "68c1c570f0c00a620b61c1043c91fc0babfea30505fda4ecbb5dc8736d2d1659"
    headers = tea_v3_headers(
        "QueryInvoicingCustomerList", "8d7c229681c2f251e6899eb2e87eb2b5", "2026-11-21T04:23:36Z", sig
    )
    req = parse_request("POST", b"OwnerId=123457", headers)
    assert signing.verify(req, "testSecret").reason == "signature"


@pytest.mark.parametrize(
    "value",
    [
        "",
        "ACS3-HMAC-SHA256",
        "ACS3-HMAC-SM3 Credential=a,SignedHeaders=host,Signature=00",
        "ACS3-HMAC-SHA256 Credential=a,SignedHeaders=host",
        "ACS3-HMAC-SHA256 SignedHeaders=host,Signature=00",
        "ACS3-HMAC-SHA256 Credential=a,SignedHeaders=,Signature=00",
        "ACS3-HMAC-SHA256 Credential=a,SignedHeaders=host;;date,Signature=00",
        "ACS3-HMAC-SHA256 Credential=a,Credential=b,SignedHeaders=host,Signature=00",
        "ACS3-HMAC-SHA256 Credential=a,SignedHeaders=host,Signature",
    ],
)
def test_v3_malformed_authorization_is_incomplete_signature(value: str) -> None:
    with pytest.raises(RpcError) as caught:
        signing.parse_v3_authorization(value)
    assert caught.value.code == Code.INCOMPLETE_SIGNATURE
    assert caught.value.status == 400
    assert "server string to sign is:" in caught.value.message


def test_v3_authorization_parsing() -> None:
    auth = signing.parse_v3_authorization(
        "ACS3-HMAC-SHA256 Credential=AK1, SignedHeaders=host;X-Acs-Date ,Signature=abc"
    )
    assert auth == signing.V3Authorization("ACS3-HMAC-SHA256", "AK1", ("host", "x-acs-date"), "abc")


def test_v3_signed_header_absent_from_request_is_incomplete() -> None:
    sig = "68c1c570f0c00a620b61c1043c91fc0babfea30505fda4ecbb5dc8736d2d1659"
    headers = [
        h
        for h in tea_v3_headers(
            "QueryInvoicingCustomerList", "8d7c229681c2f251e6899eb2e87eb2b5", "2026-11-21T04:23:36Z", sig
        )
        if h[0] != "x-acs-date"
    ]
    with pytest.raises(RpcError) as caught:
        signing.verify(parse_request("POST", b"OwnerId=123456", headers), "testSecret")
    assert caught.value.code == Code.INCOMPLETE_SIGNATURE


def _self_signed_v3(body: bytes, signed: str, content_type: str | None) -> list[tuple[str, str]]:
    """Headers of a v3 request whose signature is right for ``signed``: only the signed-header rule may refuse."""
    sha = hashlib.sha256(body).hexdigest()
    headers = [
        ("host", "127.0.0.1:1"),
        ("x-acs-action", "ApplyInvoice"),
        ("x-acs-version", "2017-12-14"),
        ("x-acs-date", "2026-11-21T04:34:01Z"),
        ("x-acs-signature-nonce", "b9d273987fbeb6ff34070e9701b6e22c"),
        ("x-acs-content-sha256", sha),
    ]
    if content_type is not None:
        headers.append(("content-type", content_type))
    names = tuple(signed.split(";"))
    canonical = signing.v3_canonical_request("POST", "/", {"CustomerId": "22"}, HeaderMap(headers), names, sha)
    signature = signing.v3_signature(signing.v3_string_to_sign(canonical), "testSecret")
    authorization = f"ACS3-HMAC-SHA256 Credential=testAKID,SignedHeaders={signed},Signature={signature}"
    return [*headers, ("Authorization", authorization)]


MINIMAL_SIGNED = "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version"
FORM = "application/x-www-form-urlencoded"


@pytest.mark.parametrize(
    ("body", "signed", "content_type", "ok"),
    [
        (b"UserRemark=a", "content-type;" + MINIMAL_SIGNED, FORM, True),  # what the SDKs send
        (b"UserRemark=a", MINIMAL_SIGNED, FORM, False),  # a middlebox could retype the body
        (b"UserRemark=a", MINIMAL_SIGNED, None, False),  # a body whose type nobody vouched for
        (b"UserRemark=a", "content-type;" + MINIMAL_SIGNED, None, False),  # signed but absent
        (b"", MINIMAL_SIGNED, "application/octet-stream", True),  # async tea: empty body, type unsigned
        (b"", MINIMAL_SIGNED, None, True),
    ],
)
def test_v3_with_a_body_must_sign_its_content_type(
    body: bytes, signed: str, content_type: str | None, ok: bool
) -> None:
    req = parse_request("POST", b"CustomerId=22", _self_signed_v3(body, signed, content_type), body)
    if ok:
        assert signing.verify(req, "testSecret").ok
        return
    with pytest.raises(RpcError) as caught:
        signing.verify(req, "testSecret")
    assert (caught.value.code, caught.value.status) == (Code.INCOMPLETE_SIGNATURE, 400)
    assert caught.value.message.startswith(
        "The request signature does not conform to Aliyun standards. server string to sign is:ACS3-HMAC-SHA256\n"
    )


# --- scheme detection, credentials, time --------------------------------------------------------------------


def test_detect_scheme() -> None:
    v3 = HeaderMap({"Authorization": "ACS3-HMAC-SHA256 Credential=a"})
    assert signing.detect_scheme(v3, {"Signature": "x"}) is Scheme.V3
    assert signing.detect_scheme(HeaderMap({"Authorization": "acs a:b"}), {"Signature": "x"}) is Scheme.V1
    with pytest.raises(RpcError) as caught:
        signing.detect_scheme(HeaderMap({"Authorization": "acs a:b"}), {"AccessKeyId": "a"})
    assert caught.value.code == Code.MISSING_PARAMETER
    assert '"Signature"' in caught.value.message


def test_credentials_v1() -> None:
    query = "AccessKeyId=AK&Timestamp=2026-11-21T04%3A23%3A36Z&SignatureNonce=n1&Signature=s&SecurityToken=t%2B"
    req = parse_request("GET", query, {})
    creds = signing.credentials(req)
    assert creds == signing.Credentials(Scheme.V1, "AK", "2026-11-21T04:23:36Z", "n1", "t+")
    assert signing.access_key_id(req) == "AK"
    assert signing.nonce(req) == "n1"
    assert signing.timestamp(req) == datetime(2026, 11, 21, 4, 23, 36, tzinfo=UTC)


def test_credentials_v3() -> None:
    headers = [*tea_v3_headers("A", "n3", "2026-11-21T04:23:36Z", "00"), ("x-acs-security-token", "tok")]
    creds = signing.credentials(parse_request("POST", b"", headers))
    assert creds == signing.Credentials(Scheme.V3, "testAKID", "2026-11-21T04:23:36Z", "n3", "tok")


@pytest.mark.parametrize("missing", ["AccessKeyId", "Timestamp", "SignatureNonce"])
def test_credentials_v1_missing_parameter(missing: str) -> None:
    params = {"AccessKeyId": "AK", "Timestamp": "2026-11-21T04:23:36Z", "SignatureNonce": "n", "Signature": "s"}
    del params[missing]
    with pytest.raises(RpcError) as caught:
        signing.credentials(parse_request("GET", "&".join(f"{k}={v}" for k, v in params.items()), {}))
    assert caught.value.code == Code.MISSING_PARAMETER
    assert f'"{missing}"' in caught.value.message


def test_credentials_v3_missing_date() -> None:
    headers = [h for h in tea_v3_headers("A", "n3", "2026-11-21T04:23:36Z", "00") if h[0] != "x-acs-date"]
    with pytest.raises(RpcError) as caught:
        signing.credentials(parse_request("POST", b"", headers))
    assert caught.value.code == Code.MISSING_PARAMETER
    assert '"x-acs-date"' in caught.value.message


@pytest.mark.parametrize(
    "value",
    ["2026-11-21 04:23:36Z", "2026-11-21T04:23:36", "2026-11-21T04:23:36.123Z", "2026-13-21T04:23:36Z", "x", ""],
)
def test_parse_timestamp_rejects_other_formats(value: str) -> None:
    with pytest.raises(RpcError) as caught:
        signing.parse_timestamp(value)
    assert (caught.value.code, caught.value.status) == (Code.TIMESTAMP_FORMAT, 400)


def test_clock_skew_window_is_fifteen_minutes_both_ways() -> None:
    now = datetime(2026, 11, 21, 4, 23, 36, tzinfo=UTC)
    signing.check_clock_skew(now - timedelta(minutes=15), now)
    signing.check_clock_skew(now + timedelta(minutes=15), now)
    for delta in (timedelta(minutes=15, seconds=1), -timedelta(minutes=15, seconds=1)):
        with pytest.raises(RpcError) as caught:
            signing.check_clock_skew(now + delta, now)
        assert caught.value.code == Code.TIMESTAMP_EXPIRED


@pytest.mark.parametrize("nonce", ["%00", "n%001", "%0A", "%7F"])
def test_a_nonce_with_control_characters_is_invalid_before_any_lookup(nonce: str) -> None:
    query = f"AccessKeyId=AK&Timestamp=2026-11-21T04%3A23%3A36Z&SignatureNonce={nonce}&Signature=s"
    with pytest.raises(RpcError) as caught:
        signing.credentials(parse_request("GET", query, {}))
    assert caught.value.code == Code.INVALID_PARAMETER
    assert '"SignatureNonce"' in caught.value.message
    headers = tea_v3_headers("A", "n\x003", "2026-11-21T04:23:36Z", "00")
    with pytest.raises(RpcError) as caught:
        signing.credentials(parse_request("POST", b"", headers))
    assert '"x-acs-signature-nonce"' in caught.value.message
