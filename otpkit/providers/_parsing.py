"""Tolerant reading of provider replies, and mapping of provider refusals to typed errors.

Real providers answer with the documented shapes but undocumented details vary (ids as ints or
strings, prices as numbers or numeric strings), so every reader here accepts the plausible
variants and raises ``MalformedResponseError`` naming the endpoint for anything else.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

import httpx

from otpkit._errors import (
    AuthenticationError,
    InsufficientBalanceError,
    MalformedResponseError,
    OrderNotFoundError,
    OutOfStockError,
    ProductNotFoundError,
    ProviderError,
    RateLimitError,
    ServerError,
    ValidationError,
)
from otpkit._redact import redact

_EXCERPT = 80


def normalise(text: str) -> str:
    """Case- and Turkish-dotless-i-insensitive form of a provider message, for keyword tests."""
    return text.casefold().replace("ı", "i").replace("i̇", "i")


def mentions(text: str | None, keywords: tuple[str, ...]) -> bool:
    """Whether the provider ``text`` contains any of ``keywords`` (normalised)."""
    if not text:
        return False
    folded = normalise(text)
    return any(normalise(word) in folded for word in keywords)


def excerpt(response: httpx.Response) -> str:
    """A short, redacted sample of a reply body for error messages."""
    # Redacted before it is cut, so a key across the cut cannot show in part.
    body = redact(response.content[: _EXCERPT * 4].decode("utf-8", "replace"))
    more = "…" if len(body) > _EXCERPT or len(response.content) > _EXCERPT * 4 else ""
    return body[:_EXCERPT].replace("\n", " ") + more


def decode_json(response: httpx.Response, provider: str, endpoint: str) -> Any:
    """The reply's JSON value, or ``MalformedResponseError`` saying why it is not JSON."""
    try:
        # Decimal, not float: money must keep the digits the provider sent ("50.00", "0.10").
        return json.loads(response.content, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError, ArithmeticError, RecursionError):
        if response.status_code in (401, 403):
            # A gateway's HTML login page: the key is refused, and retrying will not help.
            raise refusal_error(provider, endpoint, response.status_code, None) from None
        kind = response.headers.get("content-type", "no content type")
        error = MalformedResponseError(
            f"{endpoint}: reply is not valid JSON (HTTP {response.status_code}, {kind}): "
            f"{excerpt(response)!r}",
            provider=provider,
            status=response.status_code,
            endpoint=endpoint,
        )
        error.transient = True
        raise error from None


def malformed(provider: str, endpoint: str, what: str, status: int | None = None) -> ProviderError:
    """A ``MalformedResponseError`` for a reply of unexpected shape."""
    return MalformedResponseError(
        f"{endpoint}: unexpected reply shape: {what}",
        provider=provider,
        status=status,
        endpoint=endpoint,
    )


def first(row: Mapping[str, Any], *keys: str) -> Any:
    """The value of the first of ``keys`` present in ``row`` and not None."""
    for key in keys:
        value = row.get(key)
        if value is not None:
            return value
    return None


def path_value(value: object) -> str:
    """An id as it may go into a URL path: every reserved or control character escaped, so an
    odd id from a reply can neither break the URL nor point it somewhere else."""
    return quote(str(value), safe="")


def as_text(value: Any) -> str | None:
    """A string for ids and names given as strings or integers; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int):
        return str(value)
    whole = _whole(value) if isinstance(value, (float, Decimal)) else None
    return str(whole) if whole is not None else None


def _whole(value: float | Decimal) -> int | None:
    """The integer a number stands for, when it is one of plausible size (ids, counts)."""
    if not math.isfinite(value) or not -(10**18) < value < 10**18:
        return None  # int() of 1e999999 would take forever: no id or count is that long
    return int(value) if value == int(value) else None


def as_decimal(value: Any) -> Decimal | None:
    """A Decimal for amounts given as numbers or numeric strings ("0.50", "2", "1,5")."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        value = repr(value)
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        try:
            amount = Decimal(value.strip().replace(",", "."))
        except InvalidOperation:
            return None
        return amount if amount.is_finite() else None
    return None


def as_int(value: Any) -> int | None:
    """An int for counts given as integers or digit strings."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, (float, Decimal)):
        return _whole(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:  # not a whole number, or too long for one
            return None
    return None


def as_datetime(value: Any) -> datetime | None:
    """A timezone-aware datetime from ISO text or a Unix timestamp; None when unreadable."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float, Decimal)):
        try:
            return datetime.fromtimestamp(float(value), tz=timezone.utc)
        except (OverflowError, OSError, ValueError):  # out of range, or not finite
            return None
    if isinstance(value, str):
        text = value.strip().replace("Z", "+00:00")
        try:
            moment = datetime.fromisoformat(text.replace(" ", "T", 1))
        except ValueError:
            return None
        return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return None


def retry_after_seconds(response: httpx.Response) -> float | None:
    """The ``Retry-After`` header in seconds (delta form only; dates are rare for APIs)."""
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return max(seconds, 0.0) if math.isfinite(seconds) else None


_BY_KEYWORD: tuple[tuple[tuple[str, ...], type[ProviderError]], ...] = (
    (
        (
            "invalid or inactive api key",
            "invalid api key",
            "invalid key",
            "unauthenticated",
            "geçersiz api",
            "api anahtarı",
        ),
        AuthenticationError,
    ),
    (("insufficient balance", "not enough balance", "yetersiz bakiye"), InsufficientBalanceError),
    (
        ("no numbers available", "out of stock", "no stock", "stokta numara yok", "stok yok"),
        OutOfStockError,
    ),
    (("order not found", "number not found", "numara bulunamadı"), OrderNotFoundError),
    (
        ("product not found", "service not found", "servis bulunamadı", "ürün bulunamadı"),
        ProductNotFoundError,
    ),
)


def refusal_error(
    provider: str,
    endpoint: str,
    status: int | None,
    message: str | None,
    *,
    response: httpx.Response | None = None,
    payload: Any = None,
) -> ProviderError:
    """Map a refusal to its typed error: by HTTP status first, then by the provider's words."""
    said = message or ""
    context: dict[str, Any] = {
        "provider": provider,
        "status": status,
        "provider_message": said or None,
        "endpoint": endpoint,
    }
    where = f"{endpoint}: {provider} said {said!r}" if said else f"{endpoint}: {provider} refused"
    if status == 429:
        wait = retry_after_seconds(response) if response is not None else None
        hint = f"; retry after {wait:g} s" if wait is not None else ""
        return RateLimitError(
            f"{endpoint}: {provider} is throttling requests (HTTP 429){hint}",
            retry_after=wait,
            **context,
        )
    if status == 422:
        errors = payload.get("errors") if isinstance(payload, Mapping) else None
        fields = _field_errors(errors)
        detail = "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in fields.items())
        return ValidationError(f"{where} ({detail or 'invalid request'})", errors=fields, **context)
    if status is not None and status >= 500:
        return ServerError(f"{where} (HTTP {status})", **context)
    for keywords, error in _BY_KEYWORD:
        if mentions(said, keywords):
            return error(where, **context)
    if status in (401, 403):
        return AuthenticationError(where, **context)
    return ProviderError(where, **context)


def _field_errors(errors: Any) -> dict[str, list[str]]:
    if not isinstance(errors, Mapping):
        return {}
    fields: dict[str, list[str]] = {}
    for name, messages in errors.items():
        if isinstance(messages, list):
            fields[str(name)] = [str(m) for m in messages]
        elif messages is not None:
            fields[str(name)] = [str(messages)]
    return fields
