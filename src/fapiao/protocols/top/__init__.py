"""The Taobao Open Platform (TOP) ``/router/rest`` gateway.

The wire layer (``request``, ``checks``, ``signing``, ``timestamps``, ``errors``, ``envelope``, ``params``) is
pure; ``mapping`` renders domain views in TOP's layout, ``catalog`` declares the methods and calls the
services, and ``routes`` is the Starlette endpoint that runs the pipeline.
"""
