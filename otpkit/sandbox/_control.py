"""The control API under ``/_sandbox``: everything a test drives, for loopback clients only."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any, TypeVar
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic import ValidationError as PydanticValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from otpkit.sandbox._delivery import DelayProfile, DeliveryRule
from otpkit.sandbox._engine import Engine
from otpkit.sandbox._json import iso
from otpkit.sandbox._models import (
    ENDPOINTS,
    FAULT_KINDS,
    EndpointName,
    FaultKind,
    ProviderName,
)
from otpkit.sandbox._state import DEMO_KEYS, Refused

__all__ = ["PREFIX", "routes"]

PREFIX = "/_sandbox"

_NOT_FOUND: dict[str, str] = {
    "invalid_key": "no such API key",
    "unknown_order": "no such order",
    "unknown_product": "no such product or service",
    "not_rented": "no number rented from this sandbox matches it",
}

_M = TypeVar("_M", bound=BaseModel)
Action = Callable[[Request, Engine], Awaitable[Any]]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _NewKey(_Body):
    provider: ProviderName
    balance: Decimal | None = Field(default=None, ge=0)
    api_key: str | None = Field(default=None, min_length=8, max_length=200)
    auto_deliver: bool = True


class _Message(_Body):
    text: str | None = None
    delay: float = Field(default=0.0, ge=0)
    sender: str | None = None
    code: str | None = None


class _Deliver(_Message):
    provider: ProviderName
    order_id: int | str


class _DeliverToNumber(_Message):
    number: str


class _AppSms(_Body):
    """An SMS the app under test sends, as its SMS gateway would take it."""

    to: str = Field(min_length=1)
    body: str = Field(min_length=1)
    sender: str | None = None


class _AutoDeliver(_Body):
    delay: float | None = Field(ge=0)


class _Advance(_Body):
    seconds: float = Field(ge=0)


class _Fault(_Body):
    kind: FaultKind
    count: int = Field(default=1, ge=1)
    endpoint: EndpointName | None = None
    seconds: float | None = Field(default=None, ge=0)
    api_key: str | None = None
    message: str | None = None


class _Throttle(_Body):
    limit: int | None = Field(ge=1)


class _Callback(_Body):
    api_key: str
    url: str | None

    @field_validator("url")
    @classmethod
    def _http_only(cls, url: str | None) -> str | None:
        if url is not None:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError("the callback URL must be an absolute http(s) URL")
        return url


class _Delivery(_Body):
    # None leaves a field as it is; ``overrides`` replaces all of them.
    dead_rate: float | None = Field(default=None, ge=0, le=1)
    refused_rate: float | None = Field(default=None, ge=0, le=1)
    profile: DelayProfile | None = None
    overrides: dict[str, DeliveryRule] | None = None


class _Mark(_Body):
    number: str
    dead: bool | None = None
    refused: bool | None = None


class _Stock(_Body):
    provider: ProviderName
    product_id: int | str
    stock: int = Field(ge=0)


class _Deviations(_Body):
    missing_routes: list[EndpointName] = []
    dropped_fields: dict[EndpointName, list[str]] = {}


class _ProductName(_Body):
    provider: ProviderName
    product_id: int | str
    name: str = Field(min_length=1, max_length=200)


async def _parse(request: Request, model: type[_M]) -> _M:
    raw = await request.body()
    return model.model_validate_json(raw or b"{}")


def _is_loopback(request: Request) -> bool:
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _control(action: Action) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        if not _is_loopback(request):
            return JSONResponse({"error": "the control API only answers loopback clients"}, 403)
        engine: Engine = request.app.state.engine
        try:
            result = await action(request, engine)
        except PydanticValidationError as error:
            detail = json.loads(error.json(include_url=False, include_context=False))
            return JSONResponse({"error": "invalid request", "detail": detail}, 422)
        except Refused as refusal:
            return JSONResponse({"error": _NOT_FOUND.get(refusal.reason, refusal.reason)}, 404)
        except ValueError as error:
            return JSONResponse({"error": str(error)}, 422)
        engine.pump()
        if isinstance(result, BaseModel):
            result = result.model_dump(mode="json")
        return JSONResponse(result)

    return endpoint


# -- actions -------------------------------------------------------------------------------------


def _settings(engine: Engine) -> dict[str, Any]:
    return {
        "now": iso(engine.clock.now()),
        "clock_offset": engine.clock.offset,
        "throttle": engine.throttle.limit,
        "auto_deliver": engine.state.auto_deliver,
    }


async def _info(request: Request, engine: Engine) -> Any:
    return {
        "sandbox": "otpkit",
        "demo_keys": dict(DEMO_KEYS),
        "endpoints": list(ENDPOINTS),
        "fault_kinds": list(FAULT_KINDS),
        **_settings(engine),
    }


async def _new_key(request: Request, engine: Engine) -> Any:
    body = await _parse(request, _NewKey)
    if body.api_key is not None and engine.state.account(body.provider, body.api_key):
        raise ValueError("that API key already has an account")
    account = engine.state.create_account(
        body.provider, body.balance, api_key=body.api_key, auto_deliver=body.auto_deliver
    )
    return {"api_key": account.api_key, "provider": account.provider}


async def _deliver(request: Request, engine: Engine) -> Any:
    body = await _parse(request, _Deliver)
    return engine.state.deliver(
        body.provider,
        body.order_id,
        body.text,
        code=body.code,
        sender=body.sender,
        delay=body.delay,
    )


async def _deliver_to_number(request: Request, engine: Engine) -> Any:
    body = await _parse(request, _DeliverToNumber)
    return engine.state.deliver_to_number(
        body.number, body.text, code=body.code, sender=body.sender, delay=body.delay
    )


async def _app_sms(request: Request, engine: Engine) -> Any:
    body = await _parse(request, _AppSms)
    try:
        return engine.state.deliver_to_number(body.to, body.body, sender=body.sender)
    except Refused:
        raise Refused("not_rented") from None


async def _auto_deliver(request: Request, engine: Engine) -> Any:
    engine.state.auto_deliver = (await _parse(request, _AutoDeliver)).delay
    return _settings(engine)


async def _clock(request: Request, engine: Engine) -> Any:
    return _settings(engine)


async def _advance(request: Request, engine: Engine) -> Any:
    engine.clock.advance((await _parse(request, _Advance)).seconds)
    return _settings(engine)


async def _faults(request: Request, engine: Engine) -> Any:
    return {"faults": [f.model_dump(mode="json") for f in engine.faults.pending()]}


async def _inject(request: Request, engine: Engine) -> Any:
    body = await _parse(request, _Fault)
    engine.faults.inject(
        body.kind,
        count=body.count,
        endpoint=body.endpoint,
        seconds=body.seconds,
        api_key=body.api_key,
        message=body.message,
    )
    return await _faults(request, engine)


async def _clear_faults(request: Request, engine: Engine) -> Any:
    engine.faults.clear()
    return await _faults(request, engine)


async def _throttle(request: Request, engine: Engine) -> Any:
    engine.throttle.limit = (await _parse(request, _Throttle)).limit
    return _settings(engine)


async def _callback(request: Request, engine: Engine) -> Any:
    body = await _parse(request, _Callback)
    if engine.state.account("jesusnumber", body.api_key) is None:
        if engine.state.account("sanalnumara", body.api_key) is not None:
            raise ValueError("only jesusnumber accounts push webhooks")
        raise Refused("invalid_key")
    engine.state.set_callback_url(body.api_key, body.url)
    return {"api_key": body.api_key, "url": body.url}


async def _stock(request: Request, engine: Engine) -> Any:
    body = await _parse(request, _Stock)
    engine.state.set_stock(body.provider, str(body.product_id), body.stock)
    return {"provider": body.provider, "product_id": str(body.product_id), "stock": body.stock}


async def _delivery(request: Request, engine: Engine) -> Any:
    return engine.state.delivery


async def _set_delivery(request: Request, engine: Engine) -> Any:
    changes = (await _parse(request, _Delivery)).model_dump(exclude_none=True)
    current = engine.state.delivery
    engine.state.delivery = type(current).model_validate({**current.model_dump(), **changes})
    return engine.state.delivery


async def _mark(request: Request, engine: Engine) -> Any:
    body = await _parse(request, _Mark)
    return engine.state.mark_number(body.number, dead=body.dead, refused=body.refused)


async def _deviate(request: Request, engine: Engine) -> Any:
    body = await _parse(request, _Deviations)
    engine.faults.deviate(body.missing_routes, dict(body.dropped_fields.items()))
    return body.model_dump()


async def _product_name(request: Request, engine: Engine) -> Any:
    body = await _parse(request, _ProductName)
    engine.state.rename(body.provider, str(body.product_id), body.name)
    return {"provider": body.provider, "product_id": str(body.product_id), "name": body.name}


async def _ledger(request: Request, engine: Engine) -> Any:
    return engine.state.ledger(request.path_params["api_key"])


async def _stats(request: Request, engine: Engine) -> Any:
    return engine.stats.snapshot()


async def _reset(request: Request, engine: Engine) -> Any:
    engine.reset()
    return _settings(engine)


def routes() -> list[BaseRoute]:
    """The control routes, already under ``PREFIX``."""
    table: list[tuple[str, str, Action]] = [
        ("GET", "/info", _info),
        ("POST", "/keys", _new_key),
        ("POST", "/deliver", _deliver),
        ("POST", "/deliver-to-number", _deliver_to_number),
        ("POST", "/sms", _app_sms),
        ("POST", "/auto-deliver", _auto_deliver),
        ("GET", "/clock", _clock),
        ("POST", "/clock/advance", _advance),
        ("GET", "/faults", _faults),
        ("POST", "/faults", _inject),
        ("DELETE", "/faults", _clear_faults),
        ("POST", "/throttle", _throttle),
        ("POST", "/callback-url", _callback),
        ("POST", "/stock", _stock),
        ("GET", "/delivery", _delivery),
        ("POST", "/delivery", _set_delivery),
        ("POST", "/mark-number", _mark),
        ("POST", "/product-name", _product_name),
        ("POST", "/deviations", _deviate),
        ("GET", "/ledger/{api_key}", _ledger),
        ("GET", "/stats", _stats),
        ("POST", "/reset", _reset),
    ]
    return [
        Route(PREFIX + path, _control(action), methods=[method]) for method, path, action in table
    ]
