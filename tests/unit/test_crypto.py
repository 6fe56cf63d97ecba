"""The secret box with several keys: the current one seals and digests, older ones only open and find."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from fapiao.crypto import SecretBox, load_secret_box
from fapiao.settings import Settings

OLD, NEW, OTHER = (Fernet.generate_key().decode() for _ in range(3))


def test_an_old_key_opens_what_it_sealed_and_the_current_key_seals() -> None:
    sealed_before = SecretBox(OLD).seal("s3cret")
    box = SecretBox(NEW, [OLD])

    assert box.open(sealed_before) == "s3cret"
    assert SecretBox(NEW).open(box.seal("s3cret")) == "s3cret"  # sealed under the current key only
    with pytest.raises(RuntimeError, match="FAPIAO_OLD_SECRET_KEYS"):
        SecretBox(OLD).open(box.seal("s3cret"))


def test_digests_are_the_current_keys_first_then_each_old_keys() -> None:
    box = SecretBox(NEW, [OLD])

    assert box.digests("session") == (SecretBox(NEW).digest("session"), SecretBox(OLD).digest("session"))
    assert box.digest("session") == SecretBox(NEW).digest("session") != SecretBox(OLD).digest("session")


def test_reseal_moves_a_token_to_the_current_key_once() -> None:
    box = SecretBox(NEW, [OLD])
    resealed = box.reseal(SecretBox(OLD).seal("s3cret"))

    assert resealed is not None
    assert SecretBox(NEW).open(resealed.decode()) == "s3cret"
    assert box.reseal(resealed) is None


def test_a_token_no_key_opens_cannot_be_resealed() -> None:
    with pytest.raises(RuntimeError, match="cannot be decrypted"):
        SecretBox(NEW, [OLD]).reseal(SecretBox(OTHER).seal("s3cret"))


def test_old_keys_come_comma_separated_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FAPIAO_SECRET_KEY", NEW)
    monkeypatch.setenv("FAPIAO_OLD_SECRET_KEYS", f"{OLD}, {OTHER}")
    box = load_secret_box(Settings(data_dir=tmp_path))

    assert box.open(SecretBox(OTHER).seal("a")) == "a"
    assert box.open(SecretBox(OLD).seal("b")) == "b"


def test_the_key_file_of_the_embedded_mode_takes_old_keys_too(tmp_path: Path) -> None:
    file_box = load_secret_box(Settings(data_dir=tmp_path))  # generates the key file
    sealed = SecretBox(OLD).seal("from before")

    assert load_secret_box(Settings(data_dir=tmp_path, old_secret_keys=(OLD,))).open(sealed) == "from before"
    assert file_box.open(file_box.seal("x")) == "x"
