"""Request classes for the official TOP SDK (py-taobao-open), which wants one ``RestApi`` subclass per API."""

from __future__ import annotations

from taobao_open.api.base import RestApi

GET = "alibaba.einvoice.invoiceapply.get"
UPDATE = "alibaba.einvoice.invoiceapply.update"


class InvoiceApplyGet(RestApi):  # type: ignore[misc]
    def __init__(self, domain: str, port: int) -> None:
        RestApi.__init__(self, domain, port)
        self.apply_id: str | None = None

    def getapiname(self) -> str:
        return GET


class InvoiceApplyUpdate(RestApi):  # type: ignore[misc]
    def __init__(self, domain: str, port: int) -> None:
        RestApi.__init__(self, domain, port)
        self.apply_id: str | None = None
        self.status: int | None = None
        self.ex_info: str | None = None

    def getapiname(self) -> str:
        return UPDATE
