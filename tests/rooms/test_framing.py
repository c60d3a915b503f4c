"""The text frames rooms.hub prepares (rooms.framing)."""

from __future__ import annotations

import pytest
from websockets.frames import Frame, Opcode
from websockets.streams import StreamReader

from rooms.framing import frame


def _parse(data: bytes) -> Frame:
    reader = StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    parser = Frame.parse(reader.read_exact, mask=False)
    try:
        next(parser)
    except StopIteration as done:
        parsed: Frame = done.value
        return parsed
    raise AssertionError("the frame is incomplete")


@pytest.mark.parametrize("text", ["{}", "é" * 100, "a" * 125, "ü" * 70_000])
def test_a_framed_text_is_one_whole_text_frame(text):
    data = frame(text)
    parsed = _parse(data)
    assert parsed.opcode is Opcode.TEXT and parsed.fin
    assert parsed.data.decode() == text
    assert len(data) == len(parsed.data) + (2 if len(parsed.data) < 126 else
                                            4 if len(parsed.data) < 65536 else 10)
