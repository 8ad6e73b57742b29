"""A local simulator of the jesusnumber and sanalnumara SMS-activation APIs.

Run OTP end-to-end tests without spending money: ``run()`` starts both providers on one
loopback origin, with per-key wallets, a movable clock, SMS delivery on demand, throttling,
injectable faults and a ledger that audits every charge and refund::

    with otpkit.sandbox.run() as sandbox:
        client = otpkit.connect("jesusnumber", api_key=sandbox.api_key("jesusnumber"),
                                base_url=sandbox.base_url)
        ...
        sandbox.deliver(order_id, provider="jesusnumber")

``run(dead_rate=0.3, profile="real-world", seed=1)`` models numbers that fail: 30 % never
receive an SMS, the app's SMS take seconds to arrive (see ``DeliveryModel``).

``attach(base_url)`` controls a sandbox started elsewhere (``python -m otpkit.sandbox``).
"""

from otpkit.sandbox._client import Sandbox, attach
from otpkit.sandbox._delivery import (
    DELAY_PROFILES,
    DelayProfile,
    DeliveryModel,
    DeliveryRule,
    delay_quantile,
)
from otpkit.sandbox._errors import SandboxError
from otpkit.sandbox._models import (
    ENDPOINTS,
    FAULT_KINDS,
    IN_STOCK,
    PROVIDERS,
    STEP_ENDPOINTS,
    Delivery,
    EndpointName,
    FaultKind,
    FaultSpec,
    Ledger,
    OrderLedger,
    OrderStatus,
    ProviderName,
    Stats,
)
from otpkit.sandbox._server import run, serve
from otpkit.sandbox._state import DEMO_KEYS, REFUND_WINDOW, STARTING_BALANCE

__all__ = [
    "DELAY_PROFILES",
    "DEMO_KEYS",
    "ENDPOINTS",
    "FAULT_KINDS",
    "IN_STOCK",
    "PROVIDERS",
    "REFUND_WINDOW",
    "STARTING_BALANCE",
    "STEP_ENDPOINTS",
    "DelayProfile",
    "Delivery",
    "DeliveryModel",
    "DeliveryRule",
    "EndpointName",
    "FaultKind",
    "FaultSpec",
    "Ledger",
    "OrderLedger",
    "OrderStatus",
    "ProviderName",
    "Sandbox",
    "SandboxError",
    "Stats",
    "attach",
    "delay_quantile",
    "run",
    "serve",
]
