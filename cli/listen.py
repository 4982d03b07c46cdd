"""The socket `playbooks serve` listens on, bound before the banner so a bad or busy port fails first."""
from __future__ import annotations

import socket


class ListenError(ValueError):
    """The address cannot be listened on; the message says why in one line."""


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to host:port (1..65535), listening; ListenError when the port is out of range or in use."""
    if not 1 <= port <= 65535:
        raise ListenError(f"--port must be between 1 and 65535, got {port}")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise ListenError(f"cannot listen on {host!r}: {exc.strerror}") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does: a restart may reuse a TIME_WAIT port
    try:
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        raise ListenError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.set_inheritable(True)
    return sock
