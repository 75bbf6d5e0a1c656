"""The client's address, taking ``X-Forwarded-For`` only from proxies the operator trusts.

Without ``JALIN_TRUSTED_PROXIES`` the header is ignored: anyone can send it, so believing it would let
a client choose the address its failed logins are counted under and the address the audit log records.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def _parse(value: str):
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def _trusted(address, proxies) -> bool:
    return address is not None and any(address in network for network in proxies)


def client_ip(request) -> str:
    """REMOTE_ADDR, or when that is a trusted proxy, the nearest untrusted hop of X-Forwarded-For."""
    if request is None:
        return ""
    peer = (request.META.get("REMOTE_ADDR") or "").strip()
    proxies = settings.TRUSTED_PROXIES
    if not proxies or not _trusted(_parse(peer), proxies):
        return peer
    hops = [h for h in (request.META.get("HTTP_X_FORWARDED_FOR") or "").split(",") if h.strip()]
    # Walk from the proxy outwards: each trusted proxy appended the address it received from.
    for hop in reversed(hops):
        address = _parse(hop)
        if address is None:
            return peer  # a forged or garbled header: fall back to what we know
        if not _trusted(address, proxies):
            return str(address)
    return str(_parse(hops[0])) if hops else peer
