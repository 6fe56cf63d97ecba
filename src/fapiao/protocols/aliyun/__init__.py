"""Alibaba Cloud BssOpenApi RPC wire layer: request parsing, v1/v3 signature verification, error and
success envelopes. Pure functions only; the web routes and services call into it. See NOTES.md for how
each real SDK sends requests.
"""
