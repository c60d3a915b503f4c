"""Frames checked against their declarations in rooms.protocol.

`client_frame` is the consumer's first step for every text frame a client sends: what it
returns is an object of a declared request type with exactly the declared fields, of
exactly their types, so no handler sees a malformed frame and nothing malformed reaches
the database. Beyond the declaration it refuses what JSON and Python allow but the rest of
the server cannot hold: NUL characters and lone surrogates in any string (PostgreSQL text
and UTF-8 cannot store them; `json.loads` accepts "\\u0000" and "\\ud800"), nesting deeper
than `MAX_DEPTH`, numbers that are not finite or are larger than a JavaScript client
holds exactly, and an object naming a field twice.

`server_event` checks an event the server sends against its declaration; the test suite
calls it on every event (tests/conftest.py), production never does.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticError
from pydantic_core import ErrorDetails

from rooms.protocol import (
    EVENTS,
    MAX_DEPTH,
    MAX_FRAME_BYTES,
    MAX_INTEGER,
    REQUESTS,
    Direction,
    ErrorCode,
    RequestId,
)

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")  # NUL and lone surrogates
SHOWN = 40  # characters of a client's field name quoted in `detail`

# Built once per type: each validator is compiled when this module is imported.
_requests: dict[str, TypeAdapter[Any]] = {
    name: TypeAdapter(declaration.payload) for name, declaration in REQUESTS.items()}
_events: dict[str, TypeAdapter[Any]] = {
    name: TypeAdapter(declaration.payload) for name, declaration in EVENTS.items()}


class BadRequest(Exception):
    """A frame that is not a declared request: answered with an `error` of `code`, and
    the socket stays open. `request_id` is the frame's own when it could be read."""

    def __init__(self, detail: str, *, code: str = ErrorCode.BAD_REQUEST,
                 request_id: RequestId | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code
        self.request_id = request_id


class BadEvent(Exception):
    """An event the server was about to send does not match its declaration."""


def client_frame(text: str) -> dict[str, Any]:
    """The request in one text frame, as declared; BadRequest for anything else."""
    if len(text) > MAX_FRAME_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_FRAME_BYTES:
        raise BadRequest(f"A frame is at most {MAX_FRAME_BYTES} bytes.")
    try:
        content = json.loads(text, object_pairs_hook=_object, parse_constant=_constant)
    except RecursionError:
        raise BadRequest(f"A frame nests at most {MAX_DEPTH} arrays and objects.") from None
    except ValueError as error:
        raise BadRequest(f"The frame is not valid JSON: {error}.") from None
    if not isinstance(content, dict):
        raise BadRequest("A frame is a JSON object.")
    request_id = _request_id(content.get("request_id"))
    problem = _unstorable(content)
    if problem:
        raise BadRequest(problem, request_id=request_id)
    kind = content.get("type")
    if not isinstance(kind, str):
        raise BadRequest("A frame has a string 'type'.", request_id=request_id)
    adapter = _requests.get(kind)
    if adapter is None:
        raise BadRequest(f"Unknown type {_shown(kind)!r}.", code=ErrorCode.UNKNOWN_TYPE,
                         request_id=request_id)
    try:
        adapter.validate_python(content)
    except PydanticError as error:
        raise BadRequest(f"{kind}: {_explain(error.errors(), kind)}",
                         request_id=request_id) from None
    return content


def server_event(event: Mapping[str, Any], direction: Direction | None = None) -> None:
    """Check an event against its declaration, as a client would receive it (its JSON),
    and, when the door it takes is given, that the door carries its direction."""
    try:
        sent = json.loads(json.dumps(event))
    except (TypeError, ValueError) as error:
        raise BadEvent(f"{event!r} is not JSON: {error}") from None
    kind = sent.get("type") if isinstance(sent, dict) else None
    if not isinstance(kind, str) or kind not in EVENTS:
        raise BadEvent(f"{kind!r} is not a declared event (rooms.protocol): {sent!r}")
    declaration = EVENTS[kind]
    if direction is not None and declaration.direction != direction:
        raise BadEvent(f"{kind} is a {declaration.direction} event, sent as a {direction} "
                       f"event")
    try:
        _events[kind].validate_python(sent)
    except PydanticError as error:
        raise BadEvent(f"{kind} does not match its declaration: "
                       f"{_explain(error.errors(), kind)} in {sent!r}") from None


# --- Parsing ------------------------------------------------------------------------------
def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    content = dict(pairs)
    if len(content) != len(pairs):
        raise ValueError("an object names a field twice")
    return content


def _request_id(value: Any) -> RequestId | None:
    """The frame's request_id, if it is one the answer can carry back."""
    if isinstance(value, str) and not UNSTORABLE.search(value):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) <= MAX_INTEGER:
        return value
    return None


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def _unstorable(content: dict[str, Any]) -> str | None:
    """What in the parsed frame the server cannot hold, naming where; None if nothing.

    Iterative, so a deep frame costs no stack; it stops at the first problem."""
    stack: list[tuple[Any, int, str]] = [(content, 1, "")]
    while stack:
        value, depth, path = stack.pop()
        if isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                return f"A frame nests at most {MAX_DEPTH} arrays and objects."
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str) and UNSTORABLE.search(key):
                    return f"A field name in {path or 'the frame'} has a NUL character " \
                           "or a lone surrogate."
                stack.append((item, depth + 1, _join(path, key)))
        elif isinstance(value, str):
            if UNSTORABLE.search(value):
                return f"{path} has a NUL character or a lone surrogate."
        elif isinstance(value, bool):
            continue
        elif isinstance(value, int):
            if abs(value) > MAX_INTEGER:
                return f"{path} is out of range (at most {MAX_INTEGER})."
        elif isinstance(value, float) and not math.isfinite(value):
            return f"{path} is not a finite number."
    return None


# --- Saying what is wrong -----------------------------------------------------------------
def _shown(name: Any) -> str:
    text = str(name)
    return text if len(text) <= SHOWN else text[:SHOWN] + "..."


def _join(path: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{_shown(key)}" if path else _shown(key)


# pydantic's error types, as what the field must be instead
KINDS = {"int_type": "a whole number", "string_type": "a string", "bool_type": "true or false",
         "dict_type": "an object", "list_type": "an array", "none_required": "null",
         "float_type": "a number"}
# How pydantic tags the members of a union such as `str | int` in an error's location
UNION_MEMBERS = {"str", "int", "bool", "float", "none"}


def _explain(errors: list[ErrorDetails], kind: str) -> str:
    """The first of pydantic's errors, said plainly, naming the field."""
    first = errors[0]
    loc = first["loc"]
    members = [e for e in errors if e["loc"][:-1] == loc[:-1] and e["loc"][-1:] and
               e["loc"][-1] in UNION_MEMBERS and e["type"] in KINDS]
    if len(members) > 1 and first in members:  # one error per member: say them together
        return f"{_path(loc[:-1])} must be {' or '.join(KINDS[e['type']] for e in members)}."
    path = _path(loc)
    if first["type"] == "missing":
        return f"{path} is missing."
    if first["type"] == "extra_forbidden":
        return f"{path} is not a field of {kind}."
    if first["type"] in KINDS:
        return f"{path} must be {KINDS[first['type']]}."
    return f"{path}: {first['msg']}."


def _path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for key in loc:
        path = _join(path, key)
    return path
