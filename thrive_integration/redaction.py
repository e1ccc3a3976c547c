"""Keeps API keys out of logs, errors and stored tracebacks.

Every key the process decrypts is registered here; `redact()` replaces each registered key (and
anything shaped like a bearer header) with a marker. The logging filter applies it to every
record of the app's loggers, so even a third-party message quoting a request cannot leak one.
"""

from __future__ import annotations

import logging
import re
import threading

_lock = threading.Lock()
_secrets: set[str] = set()
_BEARER = re.compile(r"(Bearer\s+)[^\s'\"]+", re.IGNORECASE)
MARK = "[redacted]"


# Shorter strings would redact ordinary words; real keys are long, and shorter ones are refused
# (connections.validate_api_key), so every key that can be stored is redacted.
MIN_SECRET_LENGTH = 8


def register_secret(secret: str) -> None:
    if secret and len(secret) >= MIN_SECRET_LENGTH:
        with _lock:
            _secrets.add(secret)


def redact(text: str) -> str:
    if not text:
        return text
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MARK)
    return _BEARER.sub(rf"\g<1>{MARK}", text)


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        return True
