"""Relay-only calls: what of a signal may pass when a participant hides her address.

An ICE candidate names an address: `host` (her machine's, or an mDNS name for it),
`srflx` and `prflx` (her public address as a STUN server or the other peer saw it), or
`relay` (an address of the TURN server; its `raddr` names her public address, so that
is blanked too). A member who hides her address
(`video.permissions.hides_address`) offers only relay candidates (her browser's
`iceTransportPolicy: "relay"`), and the server makes sure of it whichever side's client
misbehaves: every candidate between her and another participant that is not a relay one is
dropped, in both directions, and so are such `a=candidate` lines inside a description, whose
connection lines (`c=`, `a=rtcp`) are blanked to 0.0.0.0 / ::. Pure functions, no I/O.
"""

from __future__ import annotations

import re

RELAY = "relay"
_TYPE = re.compile(r"\btyp\s+(\S+)")
_RELATED = re.compile(r"\braddr\s+\S+\s+rport\s+\d+")
_CONNECTION = re.compile(r"^(c=IN IP[46] )(\S+)(.*)$")
_RTCP = re.compile(r"^(a=rtcp:\d+ IN IP[46] )(\S+)(.*)$")


def candidate_type(candidate: str) -> str | None:
    """`host`, `srflx`, `prflx`, `relay`, or None for a line that names none."""
    found = _TYPE.search(candidate)
    return found.group(1).lower() if found else None


def candidate_allowed(candidate: str) -> bool:
    """Only a relay candidate keeps her address (and the other's) hidden. An empty
    candidate string (end of a generation) names no address and passes."""
    if not candidate.strip():
        return True
    return candidate_type(candidate) == RELAY


def candidate_relay_only(candidate: str) -> str | None:
    """The candidate with its related address blanked, or None when it is not a relay one."""
    if not candidate_allowed(candidate):
        return None
    return _RELATED.sub("raddr 0.0.0.0 rport 0", candidate)


def _blank(address: str, line: str) -> str:
    return "::" if "IP6" in line else "0.0.0.0"  # noqa: S104  # nosec B104  # not a bind: an SDP placeholder


def sdp_relay_only(sdp: str) -> str:
    """The description without any address but the TURN server's: non-relay candidate
    lines removed, connection addresses blanked (ICE uses the candidates, not these)."""
    out: list[str] = []
    ending = "\r\n" if "\r\n" in sdp else "\n"
    for line in sdp.split(ending):
        if line.startswith("a=candidate:"):
            kept = candidate_relay_only(line[2:])
            if kept is None:
                continue
            line = f"a={kept}"
        for pattern in (_CONNECTION, _RTCP):
            matched = pattern.match(line)
            if matched:
                line = f"{matched.group(1)}{_blank(matched.group(2), line)}{matched.group(3)}"
        out.append(line)
    return ending.join(out)
