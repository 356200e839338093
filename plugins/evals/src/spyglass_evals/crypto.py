"""Encryption of stored secrets (LLM API keys, extra header values) with AES-256-GCM.

A value is stored as ``v1:`` + base64(nonce + ciphertext-and-tag), with a fresh 96-bit
random nonce per value. The associated data binds a value to where it is stored (its
project and field), so a ciphertext copied into another row does not decrypt. The
version prefix leaves room for another scheme or key later.

Nothing here puts a secret, a key or a ciphertext into an exception message.
"""

from __future__ import annotations

import base64
import binascii
import os
import re

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = ("KEY_BYTES", "SecretCipher", "SecretUnreadable", "parse_key")

KEY_BYTES = 32
_NONCE_BYTES = 12
_PREFIX = "v1:"
_HEX_KEY = re.compile(r"[0-9a-fA-F]{64}")


class SecretUnreadable(Exception):
    """A stored secret does not decrypt: another key, tampering, or not a ciphertext."""


def parse_key(raw: str) -> bytes:
    """A 32-byte key from 64 hex characters or base64 (standard or URL-safe).

    Raises:
        ValueError: anything else (the message does not repeat the value).
    """
    text = raw.strip()
    if _HEX_KEY.fullmatch(text):
        return bytes.fromhex(text)
    try:
        padded = text + "=" * (-len(text) % 4)
        key = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != KEY_BYTES:
        raise ValueError("must be 32 bytes, given as 64 hex characters or as base64")
    return key


class SecretCipher:
    """Encrypts and decrypts secrets with one AES-256-GCM key."""

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise ValueError("the encryption key must be 32 bytes")
        self._aead = AESGCM(key)

    def encrypt(self, plaintext: str, context: str) -> str:
        """``plaintext`` encrypted for ``context`` (e.g. ``"<project>/secret_key"``)."""
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), context.encode())
        return _PREFIX + base64.b64encode(nonce + sealed).decode("ascii")

    def decrypt(self, stored: str, context: str) -> str:
        """The plaintext of ``stored``, encrypted for ``context``.

        Raises:
            SecretUnreadable: wrong key, wrong context, tampered or malformed value.
        """
        if not stored.startswith(_PREFIX):
            raise SecretUnreadable("stored secret has an unknown format")
        try:
            blob = base64.b64decode(stored[len(_PREFIX) :], validate=True)
        except (binascii.Error, ValueError):
            raise SecretUnreadable("stored secret is not valid base64") from None
        if len(blob) <= _NONCE_BYTES:
            raise SecretUnreadable("stored secret is truncated")
        try:
            plain = self._aead.decrypt(blob[:_NONCE_BYTES], blob[_NONCE_BYTES:], context.encode())
        except InvalidTag:
            raise SecretUnreadable(
                "stored secret does not decrypt (another encryption key, or altered)"
            ) from None
        return plain.decode()
