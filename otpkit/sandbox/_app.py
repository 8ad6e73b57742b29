"""The ASGI application: both providers, an SMS gateway, the control API and the demo site on
one origin."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette

from otpkit.sandbox import _control, _demo_site, _jesusnumber, _sanalnumara, _twilio
from otpkit.sandbox._engine import Engine

__all__ = ["create_app"]


def create_app(engine: Engine) -> Starlette:
    """The sandbox's Starlette app, serving ``engine``."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with engine.running():
            yield

    app = Starlette(
        routes=[
            *_jesusnumber.routes(),
            *_sanalnumara.routes(),
            *_twilio.routes(),
            *_control.routes(),
            *_demo_site.routes(engine),
        ],
        lifespan=lifespan,
    )
    app.state.engine = engine
    return app
