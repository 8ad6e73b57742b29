"""Realistic verification messages per service, and the providers' own code extraction."""

from __future__ import annotations

import random
import re

__all__ = ["extract_code", "new_code", "sender_for", "service_key", "text_for"]

_TEMPLATES: dict[str, str] = {
    "whatsapp": "<#> Your WhatsApp code: {code}\nDon't share this code with others",
    "telegram": "Telegram code: {code}\n\nDo not give this code to anyone, even if they say "
    "they are from Telegram!",
    "google": "G-{code} is your Google verification code.",
    "paypal": "PayPal: Your security code is {code}. Your code expires in 10 minutes. "
    "Please don't reply.",
    "discord": "Your Discord verification code is: {code}",
    "uber": "Your Uber code: {code}. Never share this code.",
    "facebook": "{code} is your Facebook confirmation code",
    "instagram": "Use {code} to verify your Instagram account.",
    "amazon": "{code} is your Amazon OTP. Do not share it with anyone.",
    "tinder": "Your Tinder code is {code}",
    "microsoft": "Use {code} as Microsoft account security code",
    "coinbase": "Your Coinbase verification code is: {code}. Don't share this code with "
    "anyone; our employees will never ask for the code.",
    "twitter": "Your X confirmation code is {code}.",
    "tiktok": "[TikTok] {code} is your verification code, valid for 5 minutes.",
}
_SENDERS: dict[str, str] = {
    "whatsapp": "WhatsApp",
    "telegram": "Telegram",
    "google": "22000",
    "paypal": "729725",
    "discord": "Discord",
    "uber": "827222",
    "facebook": "32665",
    "instagram": "Instagram",
    "amazon": "262966",
    "tinder": "Tinder",
    "microsoft": "Microsoft",
    "coinbase": "Coinbase",
    "twitter": "40404",
    "tiktok": "TikTok",
}
_GENERIC = "Your {service} verification code is {code}"

# A split code ("123-456") first, then the first run of 4 to 8 digits; letters around it are
# fine ("G-123456") but not more digits.
_SPLIT = re.compile(r"(?<!\d)(\d{3})[- ](\d{3})(?!\d)")
_RUN = re.compile(r"(?<!\d)\d{4,8}(?!\d)")


def service_key(name: str) -> str:
    """Lowercase slug of an app name: ``"WhatsApp Long Term"`` -> ``"whatsapp"``."""
    words = name.split()
    return words[0].casefold() if words else name.casefold()


def new_code(rng: random.Random) -> str:
    """A random 6-digit code."""
    return f"{rng.randrange(10**6):06d}"


def text_for(service: str, code: str, display_name: str) -> str:
    """The message ``service`` sends with ``code``."""
    template = _TEMPLATES.get(service_key(service), _GENERIC)
    return template.format(code=code, service=display_name)


def sender_for(service: str, display_name: str) -> str:
    """The sender id the service's messages come from."""
    return _SENDERS.get(service_key(service), display_name)


def extract_code(text: str) -> str | None:
    """The code a provider would find in ``text``, or None."""
    split = _SPLIT.search(text)
    if split:
        return split.group(1) + split.group(2)
    found = _RUN.search(text)
    return found.group(0) if found else None
