"""Inbound frames against their declarations (rooms.validation.client_frame), as
properties over frames generated from the declarations themselves: every well-formed
frame passes unchanged, and every way of breaking one is refused, naming the field."""

from __future__ import annotations

import json
import types
from typing import Any, Literal, NotRequired, Union, get_args, get_origin, get_type_hints

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typing_extensions import is_typeddict

from rooms import protocol
from rooms.validation import BadRequest, client_frame

pytestmark = pytest.mark.pure  # no database, cache or channel layer (tests/conftest.py)

TEXT = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"),
               max_size=12)
INTEGERS = st.integers(-protocol.MAX_INTEGER, protocol.MAX_INTEGER)
JSON = st.recursive(st.none() | st.booleans() | INTEGERS | TEXT
                    | st.floats(allow_nan=False, allow_infinity=False),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(TEXT, inner, max_size=3), max_leaves=8)
DECLARED = sorted(protocol.REQUESTS)
quick = settings(max_examples=60, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow])


def fields(payload: Any) -> dict[str, tuple[Any, bool]]:
    """name -> (type, required) of a declaration (NotRequired read from the hints: a
    module with postponed annotations leaves `__required_keys__` wrong)."""
    out = {}
    for name, hint in get_type_hints(payload, include_extras=True).items():
        if get_origin(hint) is NotRequired:
            out[name] = (get_args(hint)[0], False)
        else:
            out[name] = (hint, True)
    return out


def values(hint: Any) -> st.SearchStrategy[Any]:
    """Well-formed values of a declared type."""
    origin, args = get_origin(hint), get_args(hint)
    if hint is Any:
        return JSON
    if hint is bool:
        return st.booleans()
    if hint is int:
        return INTEGERS
    if hint is str:
        return TEXT
    if hint is float:
        return st.floats(allow_nan=False, allow_infinity=False)
    if hint is type(None):
        return st.none()
    if origin is Literal:
        return st.sampled_from(args)
    if origin in (Union, types.UnionType):
        return st.one_of(*(values(arg) for arg in args))
    if origin is list:
        return st.lists(values(args[0]), max_size=3)
    if origin is dict:
        return st.dictionaries(values(args[0]), values(args[1]), max_size=3)
    if is_typeddict(hint):
        return frames_of(hint)
    raise TypeError(f"no strategy for {hint!r}")


def frames_of(payload: Any) -> st.SearchStrategy[dict[str, Any]]:
    declared = fields(payload)
    required = {name: values(hint) for name, (hint, needed) in declared.items() if needed}
    optional = {name: values(hint) for name, (hint, needed) in declared.items() if not needed}
    return st.fixed_dictionaries(required, optional=optional)


def frames() -> st.SearchStrategy[dict[str, Any]]:
    return st.sampled_from(DECLARED).flatmap(
        lambda kind: frames_of(protocol.REQUESTS[kind].payload))


def refused(frame: Any) -> BadRequest:
    text = frame if isinstance(frame, str) else json.dumps(frame, ensure_ascii=False)
    with pytest.raises(BadRequest) as caught:
        client_frame(text)
    return caught.value


KINDS: dict[str, st.SearchStrategy[Any]] = {
    "int": INTEGERS, "bool": st.booleans(), "str": TEXT, "null": st.none(),
    "list": st.lists(INTEGERS, max_size=2), "dict": st.dictionaries(TEXT, INTEGERS, max_size=2)}


def kinds_accepted(hint: Any) -> set[str]:
    """The JSON kinds a field of `hint` takes (every kind for Any)."""
    origin = get_origin(hint)
    if hint is Any:
        return set(KINDS)
    if origin in (Union, types.UnionType):
        return set().union(*(kinds_accepted(arg) for arg in get_args(hint)))
    if origin is Literal:
        return {"str"}
    if origin is list:
        return {"list"}
    if origin is dict or is_typeddict(hint):
        return {"dict"}
    return {{int: "int", bool: "bool", str: "str", type(None): "null"}[hint]}


@quick
@given(frames())
def test_every_well_formed_request_passes_as_it_was(frame: dict[str, Any]) -> None:
    assert client_frame(json.dumps(frame, ensure_ascii=False)) == frame


@quick
@given(frames(), st.data())
def test_a_field_that_is_not_declared_is_refused_by_name(frame: dict[str, Any],
                                                          data: st.DataObject) -> None:
    name = data.draw(st.from_regex(r"[a-z_][a-z0-9_]{0,15}", fullmatch=True)
                     .filter(lambda n: n not in frame))
    error = refused({**frame, name: data.draw(JSON)})
    assert error.code == "bad_request" and f"{name} is not a field of {frame['type']}" \
        in error.detail


@quick
@given(frames(), st.data())
def test_a_missing_field_is_refused_by_name(frame: dict[str, Any], data: st.DataObject
                                            ) -> None:
    required = [name for name, (_, needed) in fields(
        protocol.REQUESTS[frame["type"]].payload).items() if needed and name != "type"]
    if not required:
        return
    name = data.draw(st.sampled_from(required))
    del frame[name]
    assert f"{name} is missing" in refused(frame).detail


@quick
@given(frames(), st.data())
def test_a_field_of_the_wrong_kind_is_refused_by_name(frame: dict[str, Any],
                                                      data: st.DataObject) -> None:
    """A string for a number, true for 1, a number for a string, null where no null..."""
    declared = fields(protocol.REQUESTS[frame["type"]].payload)
    names = [name for name in frame
             if name != "type" and kinds_accepted(declared[name][0]) != set(KINDS)]
    if not names:
        return
    name = data.draw(st.sampled_from(names))
    wrong = set(KINDS) - kinds_accepted(declared[name][0])
    frame[name] = data.draw(st.sampled_from(sorted(wrong)).flatmap(KINDS.__getitem__))
    error = refused(frame)
    assert error.code == "bad_request" and error.detail.startswith(
        f"{frame['type']}: {name}")


@quick
@given(frames(), st.data())
def test_nul_or_a_lone_surrogate_in_any_string_is_refused(frame: dict[str, Any],
                                                          data: st.DataObject) -> None:
    """Wherever it hides: a field, a key of `rooms`, deep inside a candidate."""
    bad = data.draw(st.sampled_from(["\x00", "\ud800", "\udfff", "\udbff"]))
    strings = [name for name, value in frame.items()
               if isinstance(value, str) and name not in ("type", "request_id")]
    if not strings:
        frame["request_id"] = "r"
        strings = ["request_id"]
    name = data.draw(st.sampled_from(strings))
    at = data.draw(st.integers(0, len(frame[name])))
    frame[name] = frame[name][:at] + bad + frame[name][at:]
    text = json.dumps(frame)  # ASCII: the character travels as a \\u escape
    error = refused(text)
    assert error.code == "bad_request" and "NUL character or a lone surrogate" in error.detail


def nested(depth: int) -> dict[str, Any]:
    """A call.signal whose deepest array is `depth` levels down (the frame is level 1)."""
    inner: Any = "bottom"
    for _ in range(depth - 2):
        inner = [inner]
    return {"type": "call.signal", "room_id": 1, "to": "relay",
            "candidate": {"candidate": "c", "sdpMid": inner}}


@quick
@given(st.integers(protocol.MAX_DEPTH + 1, 2_000))
def test_nesting_deeper_than_the_limit_is_refused(depth: int) -> None:
    assert "nests at most 32" in refused(nested(depth)).detail


def test_nesting_at_the_limit_is_read() -> None:
    """(Then the declaration says what is wrong: sdpMid is a string.)"""
    assert "candidate.sdpMid must be a string" in refused(nested(protocol.MAX_DEPTH)).detail


@quick
@given(st.text(max_size=200))
def test_any_text_is_read_or_refused_never_an_exception(text: str) -> None:
    try:
        frame = client_frame(text)
    except BadRequest as error:
        assert error.code in ("bad_request", "unknown_type") and error.detail
    else:
        assert frame["type"] in protocol.REQUESTS


@quick
@given(JSON)
def test_any_json_is_read_or_refused_never_an_exception(value: Any) -> None:
    try:
        client_frame(json.dumps(value))
    except BadRequest as error:
        assert error.detail


@quick
@given(TEXT.filter(lambda kind: kind not in protocol.REQUESTS), st.text(max_size=8))
def test_an_undeclared_type_is_unknown_and_keeps_her_request_id(kind: str,
                                                               request_id: str) -> None:
    error = refused({"type": kind, "request_id": request_id.replace("\x00", "")
                     .encode("utf-8", "ignore").decode()})
    assert error.code == "unknown_type"
    assert error.request_id == request_id.replace("\x00", "").encode("utf-8",
                                                                      "ignore").decode()


@pytest.mark.parametrize("text, detail", [
    ('{"type": "ping", "request_id": NaN}', "NaN is not a number"),
    ('{"type": "chat.read", "room_id": 1, "seq": 1e400}', "seq is not a finite number"),
    ('{"type": "chat.read", "room_id": 9007199254740992, "seq": 1}', "room_id is out of range"),
    ('{"type": "ping", "type": "chat.send"}', "names a field twice"),
    ('{"type": "sync", "rooms": {"1": 0, "1": 5}}', "names a field twice"),
    ('"ping"', "a JSON object"),
    ('{"type": 7}', "string 'type'"),
    ('{"type": "ping", "request_id": true}', "request_id must be a string or a whole number"),
    ('{"type": "chat.typing", "room_id": 1, "request_id": null}', "request_id must be a"),
])
def test_what_json_allows_but_the_protocol_does_not(text: str, detail: str) -> None:
    assert detail in refused(text).detail


def test_a_frame_over_the_size_limit_is_refused_before_it_is_read() -> None:
    text = json.dumps({"type": "chat.send", "room_id": 1, "client_id": "c",
                       "text": "é" * (protocol.MAX_FRAME_BYTES // 2)}, ensure_ascii=False)
    assert len(text) < protocol.MAX_FRAME_BYTES < len(text.encode())
    assert "at most 65536 bytes" in refused(text).detail


def test_a_long_field_name_is_shortened_in_the_answer() -> None:
    error = refused({"type": "ping", "x" * 5000: 1})
    assert len(error.detail) < 200 and "xxx..." in error.detail
