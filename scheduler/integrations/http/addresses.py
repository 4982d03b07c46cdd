"""Which addresses a server-side fetch may reach: global ones only, loopback by explicit setting.

Hosts are read the way a resolver reads them: `2130706433`, `0x7f.1`, `0177.0.0.1` and `127.1`
are all 127.0.0.1 to inet_aton, so they are parsed as numbers here before anything else.
"""
from __future__ import annotations

import ipaddress
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network
from urllib.parse import unquote

from scheduler.integrations.http.errors import BlockedURL

IPAddress = IPv4Address | IPv6Address

_PRIVATE = (IPv4Network("10.0.0.0/8"), IPv4Network("172.16.0.0/12"), IPv4Network("192.168.0.0/16"), IPv6Network("fc00::/7"))
_CGNAT = IPv4Network("100.64.0.0/10")
_METADATA = {
    IPv4Address("169.254.169.254"),  # AWS, GCP, Azure, OpenStack
    IPv6Address("fd00:ec2::254"),  # AWS over IPv6
    IPv4Address("100.100.100.200"),  # Alibaba Cloud
    IPv4Address("192.0.0.192"),  # Oracle Cloud
}
_NAT64 = IPv6Network("64:ff9b::/96")
_NAT64_LOCAL = IPv6Network("64:ff9b:1::/48")
_IPV4_COMPATIBLE = IPv6Network("::/96")
_SITE_LOCAL = IPv6Network("fec0::/10")


def parse_ipv4(host: str) -> IPv4Address | None:
    """The address inet_aton would read from `host` (decimal, octal, hex, 1 to 4 parts), or None for a name."""
    parts = host.split(".")
    if len(parts) > 1 and parts[-1] == "":
        parts.pop()  # one trailing dot is allowed, as in a fully qualified name
    if not 1 <= len(parts) <= 4:
        return None
    numbers = []
    for part in parts:
        number = _ipv4_number(part)
        if number is None:
            return None
        numbers.append(number)
    *leading, last = numbers
    if any(n > 255 for n in leading) or last >= 256 ** (5 - len(numbers)):
        return None
    value = last
    for i, n in enumerate(leading):
        value += n << (8 * (3 - i))
    return IPv4Address(value)


def _ipv4_number(part: str) -> int | None:
    try:
        if part[:2].lower() == "0x":
            return int(part[2:] or "0", 16)
        if len(part) > 1 and part.startswith("0"):
            return int(part[1:], 8)
        return int(part, 10) if part.isascii() and part.isdigit() else None
    except ValueError:
        return None


def parse_address(host: str) -> IPAddress | None:
    """`host` as an IP address if it is one in any spelling a resolver accepts (brackets, zone, numeric forms)."""
    text = _bare(host)
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return parse_ipv4(text)


def local_name(host: str) -> IPAddress | None:
    """127.0.0.1 for `localhost` and names under it (RFC 6761), which stay loopback whatever a resolver says."""
    name = host.lower().rstrip(".")
    return IPv4Address("127.0.0.1") if name == "localhost" or name.endswith(".localhost") else None


def embedded_ipv4(ip: IPv6Address) -> tuple[str, IPv4Address] | None:
    """The IPv4 address an IPv6 address carries (mapped, compatible, NAT64, 6to4, Teredo), after the form's name."""
    if ip.ipv4_mapped is not None:
        return "an IPv4-mapped", ip.ipv4_mapped
    if ip in _NAT64:
        return "a NAT64", IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour is not None:
        return "a 6to4", ip.sixtofour
    if ip.teredo is not None:
        return "a Teredo", ip.teredo[1]
    if ip in _IPV4_COMPATIBLE and int(ip) > 1:
        return "an IPv4-compatible", IPv4Address(int(ip))
    return None


def refusal(ip: IPAddress, allow_loopback: bool = False) -> str | None:
    """Why a fetch may not connect to `ip` ("a private address"), or None when it may."""
    if isinstance(ip, IPv6Address):
        if ip.scope_id:
            ip = IPv6Address(str(ip).split("%")[0])
        carried = embedded_ipv4(ip)
        if carried is not None:
            form, inner = carried
            # A wrapped address is never allowed to reach loopback, even when plain loopback is.
            why = refusal(inner)
            if why is not None:
                return f"{form} address of {inner}, {why}"
            if form in ("a NAT64", "a 6to4"):
                return None  # how an IPv6-only network reaches a public IPv4 site
    if ip.is_loopback:
        return None if allow_loopback else "a loopback address"
    return _kind(ip)


def _kind(ip: IPAddress) -> str | None:
    if ip.is_unspecified:
        return "an unspecified address"
    if ip in _METADATA:
        return "a cloud metadata address"
    if ip.is_link_local:
        return "a link-local address"
    if isinstance(ip, IPv4Address) and ip in _CGNAT:
        return "a shared (CGNAT) address"
    if any(ip in net for net in _PRIVATE):
        return "a private address"
    if ip.is_multicast:
        return "a multicast address"
    if isinstance(ip, IPv6Address) and ip in _SITE_LOCAL:
        return "a site-local address"
    if isinstance(ip, IPv6Address) and ip in _NAT64_LOCAL:
        return "a local-use NAT64 address"
    if isinstance(ip, IPv6Address) and ip.ipv4_mapped is not None:
        return "an IPv4-mapped address"
    if ip.is_reserved or ip.is_private or not ip.is_global:
        return "a reserved address"
    return None


def check_ip(ip: IPAddress, host: str, allow_loopback: bool = False) -> None:
    """Raise BlockedURL naming `host` and why, unless a fetch may connect to `ip`."""
    why = refusal(ip, allow_loopback)
    if why is None:
        return
    if parse_address(host) != ip:
        raise BlockedURL(f"blocked: {host} resolves to {ip}, {why}")
    if _bare(host) == str(ip):
        raise BlockedURL(f"blocked: {ip} is {why}")
    raise BlockedURL(f"blocked: {host} is {ip}, {why}")


def _bare(host: str) -> str:
    return unquote(host.strip()).strip("[]")


def check_host(host: str, allow_loopback: bool = False) -> IPAddress | None:
    """For a host written as an address: raise BlockedURL if it may not be fetched, else return it; None for a name."""
    ip = parse_address(host)
    if ip is not None:
        check_ip(ip, host, allow_loopback)
    return ip
