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
    """The client's address: the peer itself, unless the peer is a trusted proxy; then the entry of
    ``X-Forwarded-For`` that the outermost of ``settings.TRUSTED_PROXY_COUNT`` proxies appended (counted
    from the right). A header that is missing, too short or not an address falls back to the peer."""
    meta = getattr(request, "META", None) or {}
    peer = meta.get("REMOTE_ADDR") or ""
    if not is_trusted_proxy(peer):
        return peer
    hops = [h for h in (meta.get("HTTP_X_FORWARDED_FOR") or "").split(",") if h.strip()]
    count = settings.TRUSTED_PROXY_COUNT
    if len(hops) < count:
        return peer
    ip = _parse(hops[-count])
    return str(ip) if ip is not None else peer
