"""Where a webhook may be sent: never inside the network the server runs in.

A URL's host is resolved once and every address it resolves to must be public: not
private, loopback, link-local, CGNAT (100.64/10), unique-local, site-local, multicast,
unspecified or reserved, nor an IPv6 form that carries such an IPv4 address
(IPv4-mapped, 6to4, Teredo).
The check is made on the resolved addresses, so `localhost`, `2130706433` (127.0.0.1
written as a number), octal forms and names that resolve inside all fail the same way.
The request then connects to the address that was checked (`sending.py` pins it), so a
DNS answer that changes between the check and the connection cannot get in.

`COHORT_WEBHOOKS_ALLOW_PRIVATE` lifts the address rule (tests, private deployments);
`COHORT_WEBHOOKS_ALLOW_HTTP` allows plain http (development, tests).
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
URL_MAX = 500


class AddressRefused(Exception):
    """The URL may not be called; the message says why, for the admin."""


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (`ip`, `port`) and what to call it (`host`)."""

    scheme: str
    host: str  # the name as written, for the Host header and TLS (SNI, certificate)
    ip: str
    port: int
    path: str  # path and query

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        name = f"[{self.host}]" if ":" in self.host else self.host
        return name if self.port == default else f"{name}:{self.port}"


def allow_private() -> bool:
    return bool(getattr(settings, "COHORT_WEBHOOKS_ALLOW_PRIVATE", False))


def allow_http() -> bool:
    return bool(getattr(settings, "COHORT_WEBHOOKS_ALLOW_HTTP", False))


def _embedded_v4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    return None


def is_public(ip: IPAddress) -> bool:
    """True for an address on the public internet, that no one's private network holds."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_v4(ip)
        if (inner is not None and not is_public(inner)) or ip.is_site_local:
            return False
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified
                                 or ip.is_private or ip.is_loopback or ip.is_link_local)


def url_parse(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path) of a URL a webhook may have; AddressRefused otherwise."""
    if not isinstance(url, str) or not url.strip():
        raise AddressRefused(_("Enter the receiver’s address."))
    url = url.strip()
    if len(url) > URL_MAX:
        raise AddressRefused(_("The address is longer than %(n)s characters.") % {"n": URL_MAX})
    if any(ord(c) < 33 or ord(c) == 127 for c in url):
        raise AddressRefused(_("The address may not contain spaces or control characters."))
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise AddressRefused(_("This is not a valid address.")) from None
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http") or (scheme == "http" and not allow_http()):
        raise AddressRefused(_("The address must start with https://."))
    if parts.username is not None or parts.password is not None:
        raise AddressRefused(_("The address may not contain a user name or password."))
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise AddressRefused(_("The address has no host name."))
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return scheme, host, port or (443 if scheme == "https" else 80), path


def resolve(url: str) -> Target:
    """Check `url` and resolve its host; the Target to connect to, or AddressRefused."""
    scheme, host, port, path = url_parse(url)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        raise AddressRefused(
            _("The host name %(host)s could not be resolved.") % {"host": host}) from None
    addresses: list[IPAddress] = []
    for info in infos:
        ip = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if ip not in addresses:
            addresses.append(ip)
    if not addresses:
        raise AddressRefused(
            _("The host name %(host)s could not be resolved.") % {"host": host})
    if not allow_private():
        inside = [ip for ip in addresses if not is_public(ip)]
        if inside and str(inside[0]) == host:
            raise AddressRefused(
                _("%(ip)s is an address inside a private network: webhooks are only sent "
                  "to public addresses.") % {"ip": inside[0]})
        if inside:
            raise AddressRefused(
                _("%(host)s leads to %(ip)s, an address inside a private network: webhooks "
                  "are only sent to public addresses.") % {"host": host, "ip": inside[0]})
    return Target(scheme=scheme, host=host, ip=str(addresses[0]), port=port, path=path)
