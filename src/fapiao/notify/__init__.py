"""Notifications: outbox events fanned out to webhook endpoints and delivered, signed, by workers.

``dispatch`` turns each new outbox event into one delivery per matching endpoint; ``worker`` claims due
deliveries (a lease, ``FOR UPDATE SKIP LOCKED`` on PostgreSQL), POSTs them through ``sender`` and records
every attempt with ``deliveries``. docs/webhooks.md describes the contract receivers see.
"""
