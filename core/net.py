"""Who sent a request: the one place that reads a client's address (audit rows, login lockouts, rate limits).

Behind the documented nginx (deploy/nginx/cppcc-portal.conf) every request arrives from the proxy's address,
and nginx appends the address it saw to ``X-Forwarded-For``. Only the entries that our own proxies appended
can be believed; anything left of them, and the whole header when the request did not come from one of our
proxies, is whatever the client chose to send.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(p, strict=False) for p in proxies)


def _parse(text: str):
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def is_trusted_proxy(address: str) -> bool:
    """Whether ``address`` is one of ``settings.TRUSTED_PROXIES`` (addresses or networks)."""
    ip = _parse(address or "")
    return ip is not None and any(ip in net for net in _networks(tuple(settings.TRUSTED_PROXIES)))


def client_ip(request) -> str:
    """The client's address: the peer itself, unless the peer is a trusted proxy; then ``X-Forwarded-For`` read
    from the right, each entry appended by the proxy before it, for at most ``settings.TRUSTED_PROXY_COUNT``
    entries and only while they are trusted proxies themselves (a load balancer before nginx): the first
    entry that is not one, or the last one read, is the client. Nothing left of that is ever read, and a
    garbled entry ends the walk at the last address that could be believed."""
    meta = getattr(request, "META", None) or {}
    address = meta.get("REMOTE_ADDR") or ""
    if not is_trusted_proxy(address):
        return address
    hops = [h for h in (meta.get("HTTP_X_FORWARDED_FOR") or "").split(",") if h.strip()]
    for depth, hop in enumerate(reversed(hops), start=1):
        ip = _parse(hop)
        if ip is None:
            return address
        address = str(ip)
        if depth == settings.TRUSTED_PROXY_COUNT or not is_trusted_proxy(address):
            return address
    return address
