"""What the helpers do, written once for both APIs as generators of steps (see ``_protocol``).

Finding fields is the page script's job (``_dom.js``, one function answering small requests);
these flows decide what to ask, then type, pick and click through Playwright with real input
events, read back what the page made of it, and repair or fail with a clear message.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from importlib.resources import files
from typing import Any, Literal

import phonenumbers
from playwright.async_api import Error as PlaywrightError  # the same class as sync_api.Error

from otpkit._errors import ConfigurationError, FillError, OtpkitError
from otpkit.playwright._protocol import PAGE, ROOT, Call, FetchCode, Flow, Ref, T, tag
from otpkit.playwright._readback import read_phone

SCRIPT = files(__package__).joinpath("_dom.js").read_text(encoding="utf-8")

# How often to look again while waiting for a field, and the least time any single Playwright
# call gets: Playwright reads timeout=0 as "no timeout", so an exhausted budget must not reach 0.
_POLL_MS = 100
_MIN_CALL_MS = 500.0
# Time given to a page to react to its own input handlers (auto-submit, dial code on focus).
_SETTLE_MS = 300
_FOCUS_SETTLE_MS = 50
# The most a country pick may take (open, search, click, confirm), and one search's results.
_CHOOSE_S = 2.5
_SEARCH_S = 0.5
_VERIFY_ENABLE_S = 2.0

Mode = Literal["e164", "national"]


class Deadline:
    """A time budget in seconds, handed out to Playwright calls in milliseconds."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._end = time.monotonic() + seconds

    @property
    def expired(self) -> bool:
        return time.monotonic() >= self._end

    def ms(self) -> float:
        return max((self._end - time.monotonic()) * 1000.0, _MIN_CALL_MS)


@dataclass(frozen=True)
class PhoneParts:
    """A number split the way forms ask for it."""

    e164: str
    dial: str
    national: str
    region: str
    pinned: bool = False  # the caller named the country: a shared dial code's other one won't do

    def request(self) -> dict[str, str]:
        return {"dial": self.dial, "national": self.national, "region": self.region}


def parse_phone(number: str, country: str | None = None) -> PhoneParts:
    """Split an E.164 number (``+`` optional) into dial code, national number and region."""
    text = str(number).strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    elif text[:1].isdigit():
        text = "+" + text
    try:
        parsed = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException as exc:
        raise ConfigurationError(f"{number!r} is not an international phone number.") from exc
    country_code = parsed.country_code or 0
    if not country_code or not phonenumbers.is_possible_number(parsed):
        raise ConfigurationError(f"{number!r} is not a possible phone number.")
    dial = str(country_code)
    if country is not None:
        region = country.strip().upper()
        if phonenumbers.country_code_for_region(region) != country_code:
            raise ConfigurationError(
                f"country={country!r} does not use the dial code +{dial} of {number!r}."
            )
    else:
        # Test numbers (+1 555 ...) belong to no region; then the dial code's main one will do.
        found = phonenumbers.region_code_for_number(parsed)
        region = (
            found
            if found and found != "ZZ"
            else phonenumbers.region_code_for_country_code(country_code)
        )
    national = phonenumbers.national_significant_number(parsed)
    return PhoneParts(
        e164=f"+{dial}{national}",
        dial=dial,
        national=national,
        region=region,
        pinned=country is not None,
    )


def normalize_code(raw: object) -> str:
    """The code as typed: surrounding text and the separators SMS put in ("123-456") removed."""
    code = re.sub(r"[\s\-]", "", str(raw if raw is not None else ""))
    if not code:
        raise OtpkitError("The otp() callable returned an empty code.")
    return code


def user_ref(target: object) -> Ref:
    """A selector string (relative to the target) or a Locator given by the user."""
    return Ref("selector", target) if isinstance(target, str) else Ref("locator", target)


# ---------- public flows ----------


def fill_phone(number: str, *, country: str | None, timeout: float) -> Flow[str]:
    """Fill the phone field; returns its tag (so later steps can tell it from the code field)."""
    phone = parse_phone(number, country)
    return (yield from _guard(_fill_phone(phone, Deadline(timeout), []), "fill_phone"))


def fill_otp(code: str, *, timeout: float) -> Flow[list[str]]:
    """Type the code into its field(s); returns their tags."""
    clean = normalize_code(code)
    return (yield from _guard(_fill_otp(clean, Deadline(timeout), []), "fill_otp"))


def sign_up(
    number: str,
    *,
    send: object | None,
    verify: object | None,
    country: str | None,
    timeout: float,
) -> Flow[str]:
    """Phone, send, code, verify; returns the code used."""
    phone = parse_phone(number, country)
    return (yield from _guard(_sign_up(phone, send, verify, timeout), "sign_up"))


# ---------- plumbing ----------


def _guard(flow: Flow[T], what: str) -> Flow[T]:
    """Report Playwright failures as otpkit errors, keeping Playwright's as the cause."""
    try:
        return (yield from flow)
    except PlaywrightError as exc:
        raise OtpkitError(f"{what}: {_first_line(exc)}") from exc


def _first_line(error: PlaywrightError) -> str:
    # Playwright appends a multi-line call log; its first line says what went wrong.
    lines = (error.message or str(error)).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def _digits(text: str | None) -> str:
    return re.sub(r"\D+", "", text or "")


def _dial_of(region: str) -> str:
    return str(phonenumbers.country_code_for_region(region) or "")


def _alnum(text: str | None) -> str:
    return re.sub(r"[\W_]+", "", text or "")


def _dom(deadline: Deadline, op: str, **request: object) -> Flow[Any]:
    """Ask the page script; see the request names at the end of ``_dom.js``."""
    return (
        yield Call(ROOT, "evaluate", (SCRIPT, {"op": op, **request}), {"timeout": deadline.ms()})
    )


def _pause(ms: int) -> Call:
    return Call(PAGE, "wait_for_timeout", (ms,))


def _wait_for(deadline: Deadline, what: str, op: str, **request: object) -> Flow[dict[str, Any]]:
    """Ask the page script until it finds something (fields appear late) or time runs out."""
    last_error: PlaywrightError | None = None
    while True:
        try:
            found = yield from _dom(deadline, op, **request)
        except PlaywrightError as exc:
            # Usually the page navigating between our steps; look again on the new document.
            found, last_error = None, exc
        if found:
            return dict(found)
        if deadline.expired:
            detail = f" (last error: {_first_line(last_error)})" if last_error else ""
            raise OtpkitError(
                f"No {what} appeared within {deadline.seconds:g} s{detail}. Pass a Locator of "
                "the form (or of the field itself) if the page labels it in an unusual way."
            )
        yield _pause(_POLL_MS)


def _read(deadline: Deadline, refs: list[str]) -> Flow[list[str | None] | None]:
    """Current values of the tagged fields; None for the lot when the page has moved on."""
    try:
        values = yield from _dom(deadline, "values", refs=refs)
    except PlaywrightError:
        return None
    return list(values)


def _type(deadline: Deadline, ref: str, text: str, *, caret: str = "all") -> Flow[None]:
    """Focus the field, select its content (or go to its end) and type with real key events."""
    yield from _dom(deadline, "focus", ref=ref, caret=caret)
    yield Call(tag(ref), "press_sequentially", (text,), {"timeout": deadline.ms()})


# ---------- phone ----------


def _fill_phone(phone: PhoneParts, deadline: Deadline, exclude: list[str]) -> Flow[str]:
    """Find the field, set its country, type, read back; the next way of typing until it holds
    the number, else FillError saying what the widget shows."""
    plan = yield from _wait_for(
        deadline, "phone number field", "phone", exclude=exclude, **phone.request()
    )
    field: str = plan["input"]
    reader = {"input": field, "control": plan.get("control"), "dialInput": plan.get("dialInput")}
    unset: str | None = None  # why the country could not be chosen, for the error
    if plan["kind"] == "select":
        if plan["option"] < 0:
            unset = f"the country list has no entry for {phone.region} (+{phone.dial})"
        elif not plan["selected"]:
            yield Call(
                tag(plan["control"]),
                "select_option",
                (),
                {"index": plan["option"], "timeout": deadline.ms()},
            )
    elif plan["kind"] == "dial-input":
        if _digits(plan["dialValue"]) != phone.dial:
            yield from _type(deadline, plan["dialInput"], f"+{phone.dial}")
    elif plan["kind"] in ("picker", "combobox") and plan.get("control") and not plan["selected"]:
        # Flag widgets take the country from a typed "+44 ..." (as people type it), which is
        # much quicker than their menus. A country= given needs the menu, and so do widgets
        # whose country button carries the dial code (separateDialCode: the field takes only
        # the national number, and a typed "+" opens their search).
        shown = (yield from _readout(deadline, reader)) if plan["kind"] == "picker" else None
        button_dial = ((shown or {}).get("control") or {}).get("dial")
        if shown is not None and not phone.pinned and not (button_dial and shown.get("prefix")):
            yield from _type(deadline, field, phone.e164)
            shown = yield from _readout(deadline, reader)
            if shown is None or read_phone(shown, phone.e164).ok:
                return field
            # Whatever the "+" opened (intl-tel-input's search, with separateDialCode) closes.
            yield Call(PAGE, "keyboard.press", ("Escape",))
        if plan.get("disabled"):
            unset = "its country control is disabled"
        elif not (yield from _choose_country(deadline, plan, phone, reader)):
            unset = f"choosing {phone.region} in its country control did not take"

    # Some widgets (react-phone-input-2) put "+<dial code>" into the field when it gets focus,
    # so look at it only after focusing and letting the page react.
    current = yield from _dom(deadline, "focus", ref=field, caret="end", settle=_FOCUS_SETTLE_MS)
    shown = yield from _readout(deadline, reader)
    reading = read_phone(shown, phone.e164) if shown else None
    for text, caret in _attempts(plan, shown, current, phone):
        yield from _type(deadline, field, text, caret=caret)
        shown = yield from _readout(deadline, reader)
        if shown is None:
            return field  # the form submitted itself; nothing left to check
        reading = read_phone(shown, phone.e164)
        if reading.ok:
            return field
    shows = reading.shows if reading else "nothing"
    denotes = reading.denotes if reading and reading.denotes else "no whole number"
    raise FillError(
        f"fill_phone: the phone field shows {shows}, which is {denotes}; wanted {phone.e164}"
        + (f" ({unset})." if unset else "."),
        shown=shows,
        wanted=phone.e164,
    )


def _attempts(
    plan: dict[str, Any], shown: dict[str, Any] | None, current: object, phone: PhoneParts
) -> list[tuple[str, str]]:
    """The ways to type the number, most likely first."""
    if _digits(str(current or "")) == phone.dial:
        # The widget holds the dial code itself and expects the rest after it.
        return [(phone.national, "end"), (phone.e164, "all"), (phone.national, "all")]
    separate = plan["mode"] == "national" or bool(shown and shown.get("prefix"))
    if separate:
        return [(phone.national, "all"), (phone.e164, "all")]
    return [(phone.e164, "all"), (phone.national, "all")]


def _readout(deadline: Deadline, reader: dict[str, Any]) -> Flow[dict[str, Any] | None]:
    """What the widget holds now (see ``readout`` in ``_dom.js``); None once it is gone."""
    try:
        shown = yield from _dom(deadline, "readout", **reader)
    except PlaywrightError:
        return None
    return dict(shown) if shown else None


def _shows_country(shown: dict[str, Any] | None, phone: PhoneParts) -> bool:
    control = (shown or {}).get("control") or {}
    region, dial = control.get("region") or "", control.get("dial") or ""
    if region:
        return bool(region == phone.region or (not phone.pinned and _dial_of(region) == phone.dial))
    return dial == phone.dial


def _choose_country(
    deadline: Deadline, plan: dict[str, Any], phone: PhoneParts, reader: dict[str, Any]
) -> Flow[bool]:
    """Open the country control, type the country into its search box (or find it in the
    list) as a person would, click its entry, and confirm the control shows it."""
    budget = Deadline(min(_CHOOSE_S, max(deadline.ms() / 1000.0, 0.5)))
    control = plan["control"]
    try:
        yield Call(tag(control), "click", (), {"timeout": budget.ms()})
        found: dict[str, Any] = {}
        while not found.get("open") and not budget.expired:
            found = dict((yield from _dom(budget, "popup", input=plan["input"], **phone.request())))
            if not found.get("open"):
                yield _pause(_POLL_MS // 3)
        search: str | None = found.get("search")
        queries: list[str] = [] if found.get("dialsOnly") else list(found.get("names", []))
        queries.append(f"+{phone.dial}")
        # An entry already in the list is clicked as it is (the list scrolls to it); a search
        # box is for lists that show only some entries at a time.
        item = found.get("item")
        if search is not None and not item:
            for query in queries:
                yield from _type(budget, search, query)
                settle = Deadline(min(_SEARCH_S, max(budget.ms() / 1000.0, 0.2)))
                while True:
                    found = dict(
                        (yield from _dom(budget, "popup", input=plan["input"], **phone.request()))
                    )
                    if found.get("item") or settle.expired:
                        break
                    yield _pause(_POLL_MS // 3)
                item = found.get("item")
                if item:
                    break
        if not item:
            if found.get("open"):
                yield Call(tag(search or control), "press", ("Escape",), {"timeout": budget.ms()})
            return False
        yield Call(tag(item), "click", (), {"timeout": budget.ms()})
        while True:
            shown = yield from _readout(budget, reader)
            if _shows_country(shown, phone):
                return True
            if budget.expired:
                return False
            yield _pause(_POLL_MS // 3)
    except PlaywrightError:
        return False  # a list that would not open or an entry that would not take a click


# ---------- one-time code ----------


def _fill_otp(code: str, deadline: Deadline, exclude: list[str]) -> Flow[list[str]]:
    plan = yield from _wait_for(
        deadline, "verification code field", "otp", length=len(code), exclude=exclude
    )
    if plan["kind"] == "single":
        field: str = plan["input"]
        yield from _fill_single(deadline, field, code)
        return [field]
    boxes: list[str] = plan["boxes"]
    if len(boxes) < len(code):
        raise OtpkitError(
            f"The code {code!r} has {len(code)} characters but the page shows {len(boxes)} boxes."
        )
    boxes = boxes[: len(code)]
    yield from _fill_boxes(deadline, boxes, code)
    return boxes


def _fill_single(deadline: Deadline, field: str, code: str) -> Flow[None]:
    shown: str | None = None
    for attempt in range(3):
        if attempt < 2:
            yield from _type(deadline, field, code)
        else:
            # Last resort for fields whose key handling we could not satisfy.
            yield Call(tag(field), "fill", (code,), {"timeout": deadline.ms()})
        values = yield from _read(deadline, [field])
        if values is None or values[0] is None:
            return  # submitted and gone: the page took it
        shown = values[0]
        if _alnum(shown) == code:
            return
    raise FillError(
        f"fill_otp: the code field shows {shown!r} after typing {code!r}.",
        shown=str(shown),
        wanted=code,
    )


def _boxes_hold(values: list[str | None] | None, code: str) -> bool:
    if values is None or any(v is None for v in values):
        return True  # submitted and gone: the page took it
    return "".join((v or "").strip() for v in values) == code


def _fill_boxes(deadline: Deadline, boxes: list[str], code: str) -> Flow[None]:
    # Sites that move focus on each digit take the whole code from the first box.
    yield from _type(deadline, boxes[0], code)
    values = yield from _read(deadline, boxes)
    if _boxes_hold(values, code):
        return
    # Otherwise (or where focus moved oddly) put each missing character in its own box.
    for index, ref in enumerate(boxes):
        if values is not None and (values[index] or "").strip() != code[index]:
            yield from _type(deadline, ref, code[index])
    values = yield from _read(deadline, boxes)
    if _boxes_hold(values, code):
        return
    for index, ref in enumerate(boxes):
        if values is not None and (values[index] or "").strip() != code[index]:
            yield Call(tag(ref), "fill", (code[index],), {"timeout": deadline.ms()})
    values = yield from _read(deadline, boxes)
    if not _boxes_hold(values, code):
        held = "".join(v or "" for v in values or [])
        raise FillError(
            f"fill_otp: the code boxes hold {values!r} after typing {code!r}.",
            shown=held,
            wanted=code,
        )


# ---------- the whole sign-up ----------


def _sign_up(
    phone: PhoneParts, send: object | None, verify: object | None, timeout: float
) -> Flow[str]:
    phone_field = yield from _fill_phone(phone, Deadline(timeout), [])

    deadline = Deadline(timeout)
    send_button: str | None = None
    if send is not None:
        yield Call(user_ref(send), "click", (), {"timeout": deadline.ms()})
    else:
        found = yield from _dom(deadline, "button", purpose="send", near=phone_field)
        if found:
            send_button = found["button"]
            yield Call(tag(found["button"]), "click", (), {"timeout": deadline.ms()})
        else:
            # No recognisable button: submit the way a keyboard user would.
            yield Call(tag(phone_field), "press", ("Enter",), {"timeout": deadline.ms()})

    code = normalize_code((yield FetchCode()))
    fields = yield from _fill_otp(code, Deadline(timeout), [phone_field])

    if verify is False:
        return code
    deadline = Deadline(timeout)
    if verify is not None:
        yield Call(user_ref(verify), "click", (), {"timeout": deadline.ms()})
        return code
    yield from _click_verify(deadline, fields, send_button)
    return code


def _click_verify(deadline: Deadline, fields: list[str], send_button: str | None) -> Flow[None]:
    """Click the verify button, unless the page already submitted the code on its own."""
    yield _pause(_SETTLE_MS)
    enabled_by = Deadline(_VERIFY_ENABLE_S)
    while True:
        values = yield from _read(deadline, fields)
        if values is None or any(v is None for v in values):
            return  # the code step is gone: the form submitted itself
        # The send button first stays out of the way; some forms reuse it ("Continue").
        found = yield from _dom(
            deadline,
            "button",
            purpose="verify",
            near=fields[0],
            exclude=[send_button] if send_button else [],
        )
        if not found and send_button is not None:
            found = yield from _dom(deadline, "button", purpose="verify", near=fields[0])
        if not found:
            return  # nothing to press: a form that submits on the last digit
        if not found["disabled"]:
            yield Call(tag(found["button"]), "click", (), {"timeout": deadline.ms()})
            return
        if enabled_by.expired:
            return  # still disabled: the site is busy verifying on its own
        yield _pause(_POLL_MS)
