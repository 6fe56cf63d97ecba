"""The framework ceiling: a bare Starlette JSON endpoint, served by the same uvicorn as ``fapiao serve``.

``POST /`` answers the documented ``QueryInvoicingCustomerList`` example (the body Fapiao's signed read
returns for the demo account), serialised per request by ``JSONResponse``; there is nothing to verify,
look up or render beyond that.
"""

from __future__ import annotations

import uuid
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

_TITLE: dict[str, Any] = {
    "Type": 1,
    "Status": 2,
    "AdjustType": 1,
    "Bank": "Test Bank\n",
    "StartCycle": 202002,
    "TitleChangeInstructions": "instruction.doc",
    "UserId": 34565465675,
    "OperatingLicenseAddress": "XXX, XXX district, XXX city, XXX province\n",
    "InvoiceTitle": "Test Company\n",
    "UserNick": "testNick",
    "OperatingLicensePhone": "138xxxxxxxx",
    "EndCycle": 202003,
    "DefaultRemark": "PO Code: 12984554\n",
    "TaxationLicense": "taxationLicense.jpg",
    "RegisterNo": "21343245342534",
    "GmtCreate": "2018-09-07 15:26:20",
    "TaxpayerType": 1,
    "CustomerType": 1,
    "IssueType": 1,
    "Id": 239875502738,
    "BankNo": "389576348573296349853476",
}


async def invoicing_customers(request: Request) -> Response:
    return JSONResponse(
        {
            "Code": "Success",
            "Message": "Successful!",
            "RequestId": str(uuid.uuid4()).upper(),
            "Success": True,
            "Data": {"CustomerInvoiceList": {"CustomerInvoice": [_TITLE]}},
        }
    )


async def health(request: Request) -> Response:
    return PlainTextResponse("ok")


app = Starlette(routes=[Route("/", invoicing_customers, methods=["GET", "POST"]), Route("/healthz", health)])
