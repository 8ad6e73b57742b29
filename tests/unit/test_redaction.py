"""The API key never shows: not in errors, reprs, tracebacks, nor httpx's own log lines."""

from __future__ import annotations

import logging
import traceback

import httpx
import pytest
import respx

import otpkit
from tests.unit.conftest import JN_KEY, KEYED_SN, SN_KEY, Harness, fail


def _everything_shown(
    error: BaseException, client: object, caplog: pytest.LogCaptureFixture
) -> str:
    shown = [str(error), repr(error), repr(client), caplog.text]
    shown += traceback.format_exception(type(error), error, error.__traceback__)
    return "\n".join(shown)


@pytest.mark.parametrize(
    "reply",
    [
        httpx.Response(200, json={"success": False, "message": f"bad key {SN_KEY}"}),
        httpx.Response(200, text=f"<html>{SN_KEY}</html>"),
        httpx.ConnectError(f"cannot reach http://sn.test/api/{SN_KEY}/getBalance"),
    ],
    ids=["echoed-in-message", "echoed-in-body", "in-transport-error"],
)
def test_sanalnumara_key_in_the_path_never_shows(
    sn: Harness,
    sn_api: respx.MockRouter,
    caplog: pytest.LogCaptureFixture,
    reply: httpx.Response | Exception,
) -> None:
    caplog.set_level(logging.DEBUG)
    sn_api.get(f"{KEYED_SN}/getBalance").mock(side_effect=[reply] * 20)
    client = sn.connect()
    with pytest.raises(otpkit.OtpkitError) as caught:
        sn("balance")
    if isinstance(reply, httpx.Response):
        assert "getBalance" in caplog.text  # httpx did log the request line...
    assert SN_KEY not in _everything_shown(caught.value, client, caplog)  # ...without the key


def test_jesusnumber_key_never_shows(
    jn: Harness, jn_api: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    jn_api.get("/api/v1/balance").respond(401, json=fail(f"Invalid or inactive API key. {JN_KEY}"))
    client = jn.connect()
    with pytest.raises(otpkit.AuthenticationError) as caught:
        jn("balance")
    assert JN_KEY not in _everything_shown(caught.value, client, caplog)


def test_settings_and_providers_hide_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTPKIT_JESUSNUMBER_API_KEY", JN_KEY)
    settings = otpkit.Settings()
    assert JN_KEY not in repr(settings) and JN_KEY not in str(settings.model_dump())
    client = otpkit.connect("jesusnumber", settings=settings)
    assert JN_KEY not in repr(client) and JN_KEY not in repr(client.provider)
    client.close()
