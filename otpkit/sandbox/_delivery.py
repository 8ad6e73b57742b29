"""How rented numbers behave: which never receive, which the demo site refuses, how late SMS come.

A ``DeliveryModel`` is a default rule plus overrides keyed ``provider[/product[/country]]``
(``"sanalnumara/google/Turkey"``, ``"jesusnumber/whatsapp"``, ``"sanalnumara/*/Germany"``); the
most specific key that matches an offer wins, field by field. Each rental draws its fate once,
when it is made, from its own seeded generator, so a seed reproduces which numbers are dead.

Delay profiles say how long the app's SMS (the stand-in SMS and the demo site's) takes:

- ``fast``: the stand-in SMS after the sandbox's ``auto_deliver`` seconds, the demo site's at
  once (what tests want);
- ``real-world``: lognormal, p50 3 s, p95 12 s, p99 ≈ 21 s and a long tail beyond (what
  resellers measure for working numbers).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping
from statistics import NormalDist
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from otpkit.sandbox._catalogue import Offer, jesusnumber_products, sanalnumara_services
from otpkit.sandbox._models import PROVIDERS, ProviderName

__all__ = [
    "DELAY_PROFILES",
    "DelayProfile",
    "DeliveryModel",
    "DeliveryRule",
    "Fate",
    "delay_quantile",
    "model_from_specs",
    "parse_spec",
    "sample_delay",
]

DelayProfile = Literal["fast", "real-world"]
DELAY_PROFILES: tuple[DelayProfile, ...] = get_args(DelayProfile)

# Lognormal through p50 = 3 s and p95 = 12 s: mu = ln 3, sigma = ln(12/3) / z(0.95).
_MEDIAN = 3.0
_P95 = 12.0
_SIGMA = math.log(_P95 / _MEDIAN) / NormalDist().inv_cdf(0.95)
_MU = math.log(_MEDIAN)

_Rate = Field(default=None, ge=0.0, le=1.0)


class DeliveryRule(BaseModel):
    """The behaviour of some offers' numbers; a field left None keeps the wider rule's.

    ``dead_rate``: share of numbers that never receive any SMS (blocked for the service);
    ``refused_rate``: share the demo site refuses ("This number can't receive SMS");
    ``profile``: how late the app's SMS arrive on the others.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    dead_rate: float | None = _Rate
    refused_rate: float | None = _Rate
    profile: DelayProfile | None = None


class DeliveryModel(BaseModel):
    """The sandbox's delivery model: a default rule and overrides by provider/product/country.

    ``DeliveryModel(dead_rate=0.3, overrides={"sanalnumara/google/Turkey":
    DeliveryRule(dead_rate=0.6)})``: 30 % of all numbers are dead, 60 % of Turkish Google ones.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    dead_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    refused_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    profile: DelayProfile = "fast"
    overrides: dict[str, DeliveryRule] = Field(default_factory=dict)

    def rule_for(self, provider: ProviderName, offer: Offer) -> DeliveryRule:
        """The resolved rule (no None fields) for numbers of ``offer``."""
        fields: dict[str, object] = {
            "dead_rate": self.dead_rate,
            "refused_rate": self.refused_rate,
            "profile": self.profile,
        }
        matching = [
            (len(_parts(key)), rule)
            for key, rule in self.overrides.items()
            if _matches(_parts(key), provider, offer)
        ]
        for _, rule in sorted(matching, key=lambda pair: pair[0]):
            fields.update(rule.model_dump(exclude_none=True))
        return DeliveryRule.model_validate(fields)

    def check(self, offers: Mapping[ProviderName, Iterable[Offer]]) -> None:
        """Raise ``ValueError`` for an override key that matches none of ``offers``."""
        for key in self.overrides:
            parts = _parts(key)
            if not parts or parts[0] not in PROVIDERS or len(parts) > 3:
                raise ValueError(
                    f"override key {key!r}: want provider[/product[/country]], the provider "
                    f"one of {', '.join(PROVIDERS)}"
                )
            provider: ProviderName = "jesusnumber" if parts[0] == "jesusnumber" else "sanalnumara"
            if not any(_matches(parts, provider, offer) for offer in offers[provider]):
                raise ValueError(f"override key {key!r} matches no product in the catalogue")


class Fate:
    """What a rental's number will do, drawn once when it is rented."""

    __slots__ = ("dead", "refused")

    def __init__(self, *, dead: bool = False, refused: bool = False) -> None:
        self.dead, self.refused = dead, refused

    @classmethod
    def draw(cls, rule: DeliveryRule, rng: random.Random) -> Fate:
        # Always two draws, whatever the rates: one seed then gives the same sequence, and a
        # higher dead rate makes a superset of the dead numbers a lower one made.
        dead, refused = rng.random(), rng.random()
        return cls(
            dead=dead < (rule.dead_rate or 0.0), refused=refused < (rule.refused_rate or 0.0)
        )


def delay_quantile(profile: DelayProfile, q: float, *, fast: float = 0.0) -> float:
    """The ``q`` quantile (0 < q < 1) of the app-SMS delay under ``profile``, in seconds.

    ``fast`` is the fixed delay of the fast profile.
    """
    if profile == "fast":
        return fast
    return math.exp(_MU + _SIGMA * NormalDist().inv_cdf(q))


def sample_delay(profile: DelayProfile, rng: random.Random, *, fast: float = 0.0) -> float:
    """One app-SMS delay under ``profile``, in seconds (``fast`` for the fast profile)."""
    if profile == "fast":
        return fast
    return rng.lognormvariate(_MU, _SIGMA)


def parse_spec(text: str, value: type[float] | type[str]) -> tuple[str | None, dict[str, str]]:
    """Split ``"0.3,sanalnumara/google/Turkey=0.6"`` into a default and overrides (raw text).

    Items are comma-separated; an item without ``=`` is the default. ``value`` is only used
    to check each value early (``float`` or ``str``); raises ``ValueError`` when one is wrong.
    """
    default: str | None = None
    overrides: dict[str, str] = {}
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        key, sep, raw = item.rpartition("=")
        raw = raw.strip()
        if value is float:
            try:
                rate = float(raw)
            except ValueError:
                raise ValueError(f"{raw!r} is not a rate between 0 and 1") from None
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"{raw!r} is not a rate between 0 and 1")
        elif raw not in DELAY_PROFILES:
            raise ValueError(f"{raw!r} is not a delay profile; one of {', '.join(DELAY_PROFILES)}")
        if sep:
            overrides[key.strip()] = raw
        else:
            default = raw
    return default, overrides


def model_from_specs(
    *,
    dead_rate: Iterable[str] = (),
    refused_rate: Iterable[str] = (),
    profile: Iterable[str] = (),
) -> DeliveryModel:
    """A ``DeliveryModel`` from ``--dead-rate``/``--refused-rate``/``--profile`` spec strings
    (or ``OTPKIT_SANDBOX_*`` values); later specs win. Raises ``ValueError`` for a wrong value
    or an override key that matches nothing in the starting catalogue."""
    fields: dict[str, object] = {}
    overrides: dict[str, dict[str, object]] = {}
    kinds: tuple[tuple[str, Iterable[str], type[float] | type[str]], ...] = (
        ("dead_rate", dead_rate, float),
        ("refused_rate", refused_rate, float),
        ("profile", profile, str),
    )
    for name, specs, kind in kinds:
        for spec in specs:
            default, keyed = parse_spec(spec, kind)
            if default is not None:
                fields[name] = default
            for key, raw in keyed.items():
                overrides.setdefault(key, {})[name] = raw
    model = DeliveryModel.model_validate({**fields, "overrides": overrides})
    model.check({"jesusnumber": jesusnumber_products(), "sanalnumara": sanalnumara_services()})
    return model


def _parts(key: str) -> list[str]:
    return [part.strip().casefold() for part in key.split("/")]


def _matches(parts: list[str], provider: ProviderName, offer: Offer) -> bool:
    if not parts or parts[0] != provider:
        return False
    products = {offer.id, offer.category.casefold()}
    countries = {offer.region.casefold()}
    if provider == "jesusnumber":
        products.add(offer.name.casefold())
    else:  # a sanalnumara service is an app in a country, named after the country
        countries.add(offer.name.casefold())
    if len(parts) > 1 and parts[1] != "*" and parts[1] not in products:
        return False
    return len(parts) < 3 or parts[2] == "*" or parts[2] in countries
