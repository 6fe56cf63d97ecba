"""The Taobao Open Platform (TOP) ``/router/rest`` wire layer: parsing, signatures, checks and envelopes.

Pure functions only; routes and storage plug in through the lookups of ``checks.check_common``.
"""
