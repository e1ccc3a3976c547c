"""Encryption of the Thrive API key at rest.

MultiFernet over `THRIVE_INTEGRATION["ENCRYPTION_KEYS"]`: the first key encrypts, every key
decrypts, so an operator rotates by prepending a new key and running `rotate()` over the rows.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from .conf import integration_settings
from .exceptions import ConfigurationError, KeyUnreadable


def _fernet() -> MultiFernet:
    keys = integration_settings.ENCRYPTION_KEYS
    if not keys:
        raise ConfigurationError("THRIVE_INTEGRATION['ENCRYPTION_KEYS'] is empty.")
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except (ValueError, TypeError) as exc:
        raise ConfigurationError(
            "THRIVE_INTEGRATION['ENCRYPTION_KEYS'] holds a key that is not a Fernet key."
        ) from exc


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise KeyUnreadable(
            "The stored API key cannot be decrypted with the configured ENCRYPTION_KEYS."
        ) from exc


def rotate(token: str) -> str:
    """Re-encrypt under the newest key."""
    return _fernet().rotate(token.encode()).decode()
