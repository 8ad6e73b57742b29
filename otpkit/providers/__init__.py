"""Sans-IO protocols of the supported providers, by name."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from otpkit._errors import ConfigurationError
from otpkit.providers._base import (
    Call,
    Operation,
    OrderClaims,
    Pause,
    Provider,
    Recovery,
    RequestTally,
    choose_product,
    relay,
    retried,
    within,
)
from otpkit.providers._jesusnumber import JesusNumber, JesusNumberFields, JesusNumberRoutes
from otpkit.providers._sanalnumara import SanalNumara, SanalNumaraRoutes

__all__ = [
    "PROVIDERS",
    "Call",
    "JesusNumber",
    "JesusNumberFields",
    "JesusNumberRoutes",
    "Operation",
    "OrderClaims",
    "Pause",
    "Provider",
    "Recovery",
    "RequestTally",
    "SanalNumara",
    "SanalNumaraRoutes",
    "choose_product",
    "create_provider",
    "relay",
    "retried",
    "within",
]

#: Every supported provider, by the name users pass to ``otpkit.connect``.
PROVIDERS: dict[str, type[Provider]] = {p.name: p for p in (JesusNumber, SanalNumara)}


def create_provider(
    name: str,
    api_key: str,
    base_url: str | None = None,
    *,
    routes: Mapping[str, str] | None = None,
    fields: Mapping[str, Any] | None = None,
) -> Provider:
    """The protocol object for provider ``name``; ``ConfigurationError`` for bad settings.

    ``routes`` overrides route templates by name (``{"orders": "/api/v2/orders"}``), and
    ``fields`` adds field names to try first (jesusnumber: ``{"product_name": ["label"]}``).
    """
    kind = PROVIDERS.get(name.strip().lower())
    if kind is None:
        known = ", ".join(sorted(PROVIDERS))
        raise ConfigurationError(f"unknown provider {name!r}; choose one of: {known}")
    if not api_key or not api_key.strip():
        raise ConfigurationError(
            f"no API key for {kind.name}: set OTPKIT_{kind.name.upper()}_API_KEY "
            "(or OTPKIT_API_KEY), or pass api_key="
        )
    url = base_url or kind.default_base_url
    if not url:
        raise ConfigurationError(
            f"{kind.name} has no default address (it is a white-label script on the customer's "
            f"own domain): set OTPKIT_{kind.name.upper()}_BASE_URL (or OTPKIT_BASE_URL), "
            "or pass base_url="
        )
    if not url.startswith(("http://", "https://")):
        raise ConfigurationError(f"base URL {url!r} must start with http:// or https://")
    options: dict[str, Any] = {}
    if routes:
        options["routes"] = _routes(kind, routes)
    if fields:
        if kind is not JesusNumber:
            raise ConfigurationError(f"{kind.name} has no field aliases (its rows are documented)")
        options["fields"] = JesusNumberFields().with_aliases(fields)
    return kind(api_key=api_key.strip(), base_url=url, **options)


def _routes(kind: type[Provider], routes: Mapping[str, str]) -> Any:
    defaults: Any = JesusNumberRoutes() if kind is JesusNumber else SanalNumaraRoutes()
    known = {f.name for f in dataclasses.fields(defaults)}
    unknown = sorted(set(routes) - known)
    if unknown:
        raise ConfigurationError(
            f"unknown {kind.name} route {unknown[0]!r}; one of: {', '.join(sorted(known))}"
        )
    return dataclasses.replace(defaults, **{k: str(v) for k, v in routes.items()})
