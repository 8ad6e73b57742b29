"""The fixed catalogues both providers start with (ids are stable: examples rely on them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

__all__ = [
    "Category",
    "Offer",
    "jesusnumber_products",
    "sanalnumara_categories",
    "sanalnumara_services",
]


@dataclass
class Offer:
    """Something rentable. jesusnumber: a product; sanalnumara: a service (an app in a country).

    ``name`` is the product name / the country name; ``category`` the app; ``region`` the ISO
    code numbers are made for; ``lifetime`` None means a short-term order with
    ``SHORT_TERM_SECONDS`` to live (jesusnumber reports it as ``expiration``).
    """

    id: str
    name: str
    category: str
    price: Decimal
    stock: int
    region: str
    network: int = 1
    type: str = "str"
    category_id: str = ""
    lifetime: timedelta | None = None


@dataclass(frozen=True)
class Category:
    """A sanalnumara category: an app or site."""

    id: int
    name: str


#: Lifetime of a short-term jesusnumber order, as its ``expiration`` field says.
SHORT_TERM_SECONDS = 900


def jesusnumber_products() -> list[Offer]:
    """A fresh copy of the jesusnumber catalogue (stock is mutable)."""

    def short(pid: int, name: str, price: str, stock: int, network: int = 1) -> Offer:
        return Offer(str(pid), name, name, Decimal(price), stock, "US", network=network)

    return [
        short(12, "WhatsApp", "0.50", 120),
        short(14, "Telegram", "0.45", 340),
        short(17, "Google", "0.35", 2400),
        short(21, "PayPal", "0.60", 260),
        short(23, "Discord", "0.30", 1500),
        short(27, "Uber", "0.40", 610),
        short(31, "Facebook", "0.35", 980),
        short(33, "Instagram", "0.40", 870),
        short(38, "Amazon", "0.55", 430),
        short(41, "Tinder", "0.75", 0),
        short(44, "Microsoft", "0.30", 720, network=2),
        short(46, "Coinbase", "0.90", 150, network=2),
        Offer(
            "60",
            "WhatsApp Long Term",
            "WhatsApp",
            Decimal("12.00"),
            15,
            "US",
            type="long_term",
            lifetime=timedelta(days=30),
        ),
        Offer(
            "61",
            "Google 3 Days",
            "Google",
            Decimal("2.50"),
            40,
            "US",
            type="3days",
            lifetime=timedelta(days=3),
        ),
    ]


_CATEGORIES = (
    Category(1, "Google"),
    Category(2, "Discord"),
    Category(3, "WhatsApp"),
    Category(4, "Telegram"),
    Category(5, "Instagram"),
    Category(6, "Facebook"),
    Category(7, "Twitter"),
    Category(8, "TikTok"),
)

# (country, region, base price in TRY)
_COUNTRIES = (
    ("Turkey", "TR", Decimal("8")),
    ("Afghanistan", "AF", Decimal("2")),
    ("Germany", "DE", Decimal("6.5")),
    ("United States", "US", Decimal("3.5")),
    ("United Kingdom", "GB", Decimal("5")),
    ("Kazakhstan", "KZ", Decimal("2")),
    ("Indonesia", "ID", Decimal("1.5")),
    ("Netherlands", "NL", Decimal("7")),
)
# Apps with more demand cost a bit more everywhere.
_SURCHARGE = {"Google": Decimal("0"), "WhatsApp": Decimal("1.5"), "Telegram": Decimal("1")}
_OUT_OF_STOCK = ("Discord", "Germany")


def sanalnumara_categories() -> list[Category]:
    """The sanalnumara categories (apps), in their listing order."""
    return list(_CATEGORIES)


def sanalnumara_services() -> list[Offer]:
    """A fresh copy of the sanalnumara services (one per category and country)."""
    services = []
    next_id = 11
    for category in _CATEGORIES:
        for index, (country, region, base) in enumerate(_COUNTRIES):
            price = base + _SURCHARGE.get(category.name, Decimal("0.5"))
            # Deterministic but uneven stock levels, as on a real panel.
            stock = 0 if (category.name, country) == _OUT_OF_STOCK else 60 + (next_id * 37) % 400
            services.append(
                Offer(
                    str(next_id),
                    country,
                    category.name,
                    price,
                    stock,
                    region,
                    category_id=str(category.id),
                )
            )
            next_id += 1 if index % 3 else 2
    return services
