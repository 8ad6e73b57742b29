"""Keep API keys out of every text otpkit shows: messages, reprs, URLs and log records.

Keys are registered when a client is created; ``redact`` masks every registered key in a text,
and a logging filter does the same to httpx's own request log lines (sanalnumara puts the key in
the URL path, and httpx logs every URL at INFO).
"""

from __future__ import annotations

import logging
import threading

__all__ = ["MASK", "Secret", "redact", "register_secret"]

MASK = "***"

_secrets: set[str] = set()
_lock = threading.Lock()
# Keys shorter than this would mask ordinary words and digits; no real API key is that short.
_MIN_SECRET_LENGTH = 4


def register_secret(secret: str) -> None:
    """Remember ``secret`` so that ``redact`` and the log filter mask it from now on."""
    if len(secret) >= _MIN_SECRET_LENGTH:
        with _lock:
            _secrets.add(secret)
        # Here rather than in each client: a secret may be used in a URL before any client
        # exists (a sandbox ledger call, say), and the filter must already be there.
        install_log_filter()


class Secret(str):
    """A key that is still a ``str`` (headers, URL paths) but whose ``repr`` is masked, so a
    traceback or debugger listing local variables does not show it."""

    def __repr__(self) -> str:
        return repr(MASK)


def redact(text: str) -> str:
    """Return ``text`` with every registered secret replaced by ``***``."""
    # Longest first, so a key containing another key is masked whole.
    for secret in sorted(_secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, MASK)
    return text


class _RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if _secrets:
            message = record.getMessage()
            cleaned = redact(message)
            if cleaned != message:
                record.msg, record.args = cleaned, None
        return True


_filter = _RedactingFilter()


def install_log_filter() -> None:
    """Attach the redacting filter to the loggers that may print request URLs (idempotent)."""
    # A logger's filters see only records made on that logger, not on its children: list each.
    for name in (
        "httpx",
        "httpcore.connection",
        "httpcore.http11",
        "httpcore.http2",
        "httpcore.proxy",
        "otpkit",
        "uvicorn.access",
        "uvicorn.error",
    ):
        logger = logging.getLogger(name)
        if _filter not in logger.filters:
            logger.addFilter(_filter)
