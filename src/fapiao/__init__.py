"""Fapiao: invoice titles, addresses and invoice applications behind the Alibaba Cloud and TOP APIs."""

__version__ = "0.1.0"
