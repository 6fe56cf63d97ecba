"""Encryption of stored secrets.

Access key secrets, app secrets and webhook secrets must be *verifiable* (the server recomputes
signatures with them), so they are encrypted, not hashed. Fernet (AES-128-CBC + HMAC-SHA256) from
``cryptography`` does the work; the key comes from settings, or in the embedded mode from a key file
generated on first run with owner-only permissions.

A secret that requests are looked up *by* (a TOP session key) is stored twice: sealed, and as a keyed digest
(``SecretBox.digest``) the lookup's unique index holds. Keyed, so that a copy of the database alone does not
let anyone test guesses against it.

Key rotation (docs/operations.md): the box holds the current key (``FAPIAO_SECRET_KEY``), which seals and
digests, and any older keys (``FAPIAO_OLD_SECRET_KEYS``), which only open (``MultiFernet``) and find (a lookup
tries the digest under every key). ``fapiao secrets rotate`` then re-seals every stored secret and recomputes
every digest under the current key, after which the old keys can go. The digest key is derived from each
encryption key rather than kept stable on purpose: a retired key that leaked must not keep the digests testable.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import string
from collections.abc import Sequence
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from fapiao.settings import Settings

_KEY_FILE = "secret.key"
_UNDECRYPTABLE = "stored {} cannot be decrypted: FAPIAO_SECRET_KEY changed? (list old keys in FAPIAO_OLD_SECRET_KEYS)"
_DIGEST_INFO = b"fapiao lookup digest v1"  # the derived key's purpose: never the same key as the encryption's


class SecretBox:
    _CACHE_SIZE = 4096

    def __init__(self, key: str | bytes, old_keys: Sequence[str | bytes] = ()) -> None:
        keys = [key, *old_keys]
        self._current = Fernet(key)
        self._fernet = MultiFernet([self._current, *(Fernet(k) for k in old_keys)])
        self._digest_keys = tuple(_digest_key(k) for k in keys)
        # Signed requests decrypt their key's secret every time; a token always decrypts to the same text,
        # so remembering recent ones cannot go stale (a rotated secret is a new token).
        self._opened: dict[str, str] = {}

    def seal(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def digest(self, value: str) -> str:
        """A keyed digest (HMAC-SHA256, hex) to find a stored secret by; the same value always gives the same
        digest under the same key."""
        return _hmac(self._digest_keys[0], value)

    def digests(self, value: str) -> tuple[str, ...]:
        """``value``'s digest under each key, the current key's first: what a lookup compares with, so that a
        row written under an old key is found until ``fapiao secrets rotate`` recomputes its digest."""
        return tuple(_hmac(key, value) for key in self._digest_keys)

    def reseal(self, token: str | bytes) -> bytes | None:
        """``token`` sealed under the current key, or ``None`` when it already is (a rotation run twice, or
        stopped halfway and run again, re-seals only what is left)."""
        raw = token.encode() if isinstance(token, str) else token
        try:
            self._current.decrypt(raw)
        except InvalidToken:
            pass
        else:
            return None
        try:
            return self._fernet.rotate(raw)
        except InvalidToken as exc:
            raise RuntimeError(_UNDECRYPTABLE.format("secret")) from exc

    def seal_bytes(self, plaintext: bytes) -> bytes:
        """``seal`` for bytes (stored answers); the token is ASCII."""
        return self._fernet.encrypt(plaintext)

    def open_bytes(self, token: bytes) -> bytes:
        """``open`` for bytes, uncached: each stored answer is opened once per replay."""
        try:
            return self._fernet.decrypt(token)
        except InvalidToken as exc:
            raise RuntimeError(_UNDECRYPTABLE.format("data")) from exc

    def open(self, token: str) -> str:
        plaintext = self._opened.get(token)
        if plaintext is not None:
            return plaintext
        try:
            plaintext = self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:  # wrong key: configuration error, never the caller's fault
            raise RuntimeError(_UNDECRYPTABLE.format("secret")) from exc
        if len(self._opened) >= self._CACHE_SIZE:
            self._opened.clear()
        self._opened[token] = plaintext
        return plaintext


def _digest_key(key: str | bytes) -> bytes:
    raw = base64.urlsafe_b64decode(key if isinstance(key, bytes) else key.encode())
    return HKDF(hashes.SHA256(), 32, salt=None, info=_DIGEST_INFO).derive(raw)


def _hmac(key: bytes, value: str) -> str:
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def load_secret_box(settings: Settings) -> SecretBox:
    old_keys = settings.old_secret_keys
    if settings.secret_key:
        return SecretBox(settings.secret_key, old_keys)
    path = settings.data_dir / _KEY_FILE
    if not path.exists():
        _write_new_key(path)
    return SecretBox(path.read_bytes().strip(), old_keys)


def _write_new_key(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(Fernet.generate_key())


_ALNUM = string.ascii_letters + string.digits


def random_token(length: int, alphabet: str = _ALNUM) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def mask(value: str | None, keep: int = 4) -> str:
    """Mask all but the last ``keep`` characters, for logs (bank accounts, key ids)."""
    if not value:
        return ""
    if len(value) <= keep:
        return "*" * len(value)
    return "*" * (len(value) - keep) + value[-keep:]
