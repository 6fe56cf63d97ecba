"""Idempotency keys as a REST client relies on them: a retry with the same key replays the first answer,
the same key on another request is refused, and a refused request may be corrected and retried."""

from __future__ import annotations

import pytest

from fapiao.domain.errors import Conflict, Reason, ValidationFailed
from fapiao.runtime import Runtime
from fapiao.usecases.idempotency import fingerprint, run_once


class Producer:
    """Counts how often the guarded work really ran."""

    def __init__(self, *answers: tuple[int, bytes]) -> None:
        self.answers = list(answers)
        self.runs = 0

    def __call__(self) -> tuple[int, bytes]:
        self.runs += 1
        return self.answers.pop(0)


def test_a_retry_with_the_same_key_replays_the_first_answer(runtime: Runtime) -> None:
    work = Producer((201, b'{"id": 1}'))
    first = run_once(runtime, "account:1", "k1", fingerprint("POST", b"body"), work)
    again = run_once(runtime, "account:1", "k1", fingerprint("POST", b"body"), work)
    assert (first.status_code, first.body, first.replayed) == (201, b'{"id": 1}', False)
    assert (again.status_code, again.body, again.replayed) == (201, b'{"id": 1}', True)
    assert work.runs == 1


def test_keys_are_scoped(runtime: Runtime) -> None:
    work = Producer((201, b"a"), (201, b"b"))
    run_once(runtime, "account:1", "k", fingerprint("x"), work)
    other = run_once(runtime, "account:2", "k", fingerprint("x"), work)
    assert (other.body, other.replayed, work.runs) == (b"b", False, 2)


def test_the_same_key_on_a_different_request_is_refused(runtime: Runtime) -> None:
    run_once(runtime, "account:1", "k", fingerprint("POST", b"one"), Producer((201, b"one")))
    with pytest.raises(Conflict) as caught:
        run_once(runtime, "account:1", "k", fingerprint("POST", b"two"), Producer((201, b"two")))
    assert caught.value.reason is Reason.IDEMPOTENCY_MISMATCH and caught.value.field == "idempotency_key"


def test_a_refused_request_can_be_corrected_and_retried_with_its_key(runtime: Runtime) -> None:
    refused = run_once(runtime, "account:1", "k", fingerprint("bad"), Producer((400, b"invalid")))
    fixed = run_once(runtime, "account:1", "k", fingerprint("good"), Producer((201, b"created")))
    assert (refused.status_code, refused.replayed) == (400, False)
    assert (fixed.status_code, fixed.body, fixed.replayed) == (201, b"created", False)


@pytest.mark.parametrize("key", ["", "k" * 129])
def test_a_key_has_1_to_128_characters(runtime: Runtime, key: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        run_once(runtime, "account:1", key, fingerprint("x"), Producer((201, b"")))
    assert caught.value.field == "idempotency_key"


def test_fingerprints_tell_the_parts_apart() -> None:
    assert fingerprint("ab", "c") != fingerprint("a", "bc")
    assert fingerprint("a", b"b") == fingerprint(b"a", "b")
