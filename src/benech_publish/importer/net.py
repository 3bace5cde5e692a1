"""HTTP(S) downloads for the importer, under one policy.

Takes: an address and a :class:`Policy` (which origins may be fetched, the
overall deadline, the size limit). Gives: the body, headers and final
address, or :class:`~benech_publish.errors.ImportError_` with a plain reason.
Never prints.

Rules (``docs/import.md``, "Security"):

* only ``http``/``https``;
* the host is resolved once and the connection goes to that checked address
  (no second lookup that could answer differently);
* loopback, private, link-local, multicast and reserved addresses are refused
  unless the policy allows them for that origin (the source address the user
  typed); link-local addresses (cloud metadata services) are always refused
  for images;
* redirects are followed (at most :data:`MAX_REDIRECTS`) only within the
  allowed origins;
* one deadline for the whole download (connect, redirects, every read):
  a server trickling one byte a second cannot keep the import busy.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from typing import NamedTuple
from urllib.parse import urljoin, urlsplit

from ..errors import ImportError_

USER_AGENT = "benech-publish-importer/1 (+https://www.benech-neurochirurgia.it)"
MAX_REDIRECTS = 5
_CHUNK = 64 * 1024
_DEFAULT_PORT = {"http": 80, "https": 443}


class Origin(NamedTuple):
    """``scheme://host:port`` of an address (host lower-case, port explicit)."""

    scheme: str
    host: str
    port: int

    def __str__(self) -> str:
        port = "" if _DEFAULT_PORT.get(self.scheme) == self.port else f":{self.port}"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}{port}"


def origin_of(url: str) -> Origin | None:
    """The origin of an http(s) address, or None for anything else (or a malformed one)."""
    try:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in _DEFAULT_PORT or not parts.hostname:
            return None
        port = parts.port or _DEFAULT_PORT[scheme]
    except ValueError:
        return None
    return Origin(scheme, parts.hostname.lower().rstrip("."), port)


def host_origins(host: str) -> frozenset[Origin]:
    """The origins a user-listed image host stands for (``host`` or ``host:port``)."""
    text = host.strip().lower()
    if "://" in text:
        found = origin_of(text)
        return frozenset({found}) if found else frozenset()
    found = origin_of("https://" + text)
    if found is None:
        return frozenset()
    if urlsplit("https://" + text).port:
        return frozenset({found, found._replace(scheme="http")})
    return frozenset({found, Origin("http", found.host, 80)})


def _address_problem(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip.is_link_local:
        return "link-local"
    if ip.is_loopback:
        return "loopback"
    if ip.is_private or ip.is_unspecified or ip.is_reserved or ip.is_multicast:
        return "private or reserved"
    return ""


@dataclass(frozen=True)
class Policy:
    """What one download may do.

    ``origins``: where the first request and every redirect may go.
    ``private_ok``: origins that may resolve to loopback or private addresses
    (the source the user typed). ``link_local_ok``: whether a link-local
    address may be used at all (only for the source the user typed).
    """

    origins: frozenset[Origin]
    timeout: float
    max_bytes: int
    private_ok: frozenset[Origin] = frozenset()
    link_local_ok: bool = False


def check_address(origin: Origin, policy: Policy, deadline: float) -> str:
    """Resolve ``origin``'s host once; the address to connect to, or raise ImportError_."""
    where = str(origin)
    try:
        literal = ipaddress.ip_address(origin.host)
        addresses = [literal]
    except ValueError:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ImportError_(where, "no answer in time") from None
        try:
            infos = socket.getaddrinfo(origin.host, origin.port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError, OSError) as exc:
            raise ImportError_(where, f"cannot reach the site (offline, or a wrong address?): {exc}") from None
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not addresses:  # pragma: no cover - getaddrinfo raises instead
        raise ImportError_(where, "the host has no address")
    for ip in addresses:
        problem = _address_problem(ip)
        if problem == "link-local" and not policy.link_local_ok:
            raise ImportError_(where, f"refused: {origin.host} is a link-local address ({ip})")
        if problem and problem != "link-local" and origin not in policy.private_ok:
            raise ImportError_(
                where,
                f"refused: {origin.host} is a {problem} address ({ip}); "
                "only the site you asked for may be on this network",
            )
    return str(addresses[0])


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def _remaining(deadline: float, url: str, timeout: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise ImportError_(url, f"no answer within {timeout:g} s")
    return left


def fetch(url: str, policy: Policy, *, accept: str = "application/json") -> tuple[bytes, dict[str, str], str]:
    """GET ``url`` under ``policy`` → ``(body, headers, final url)``; raises ImportError_."""
    deadline = time.monotonic() + policy.timeout
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        origin = origin_of(current)
        if origin is None:
            raise ImportError_(current, "only http:// and https:// addresses can be fetched")
        if origin not in policy.origins:
            raise ImportError_(url, f"refused: {current} is not on {_allowed(policy)}")
        try:
            status, headers, body, location = _get_once(current, origin, policy, deadline, accept)
        except ImportError_:
            raise
        except TimeoutError:
            raise ImportError_(current, f"no answer within {policy.timeout:g} s") from None
        except ssl.SSLError as exc:
            raise ImportError_(current, f"secure connection failed: {exc.reason or exc}") from None
        except ConnectionRefusedError:
            raise ImportError_(
                current, "cannot reach the site (offline, or a wrong address?): connection refused"
            ) from None
        except (OSError, http.client.HTTPException, ValueError) as exc:
            raise ImportError_(current, f"cannot read the answer: {exc or type(exc).__name__}") from None
        if status in (301, 302, 303, 307, 308) and location:
            target = urljoin(current, location)
            target_origin = origin_of(target)
            if target_origin is None or target_origin not in policy.origins:
                raise ImportError_(url, f"refused a redirect to {target}: only {_allowed(policy)} may be fetched")
            current = target
            continue
        if status >= 400:
            raise ImportError_(
                current, f"the server answered HTTP {status} {http.client.responses.get(status, '')}".rstrip()
            )
        return body, headers, current
    raise ImportError_(url, f"more than {MAX_REDIRECTS} redirects")


def _allowed(policy: Policy) -> str:
    return ", ".join(sorted(str(o) for o in policy.origins)) or "no site"


def _get_once(
    url: str, origin: Origin, policy: Policy, deadline: float, accept: str
) -> tuple[int, dict[str, str], bytes, str]:
    address = check_address(origin, policy, deadline)
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    kind = _PinnedHTTPS if origin.scheme == "https" else _PinnedHTTP
    conn = kind(origin.host, origin.port, address, _remaining(deadline, url, policy.timeout))
    try:
        conn.request("GET", target, headers={"User-Agent": USER_AGENT, "Accept": accept, "Accept-Encoding": "identity"})
        if conn.sock is not None:
            conn.sock.settimeout(_remaining(deadline, url, policy.timeout))
        response = conn.getresponse()
        headers = {k.lower(): v for k, v in response.getheaders()}
        status = response.status
        if status in (301, 302, 303, 307, 308):
            return status, headers, b"", headers.get("location", "")
        if status >= 400:
            return status, headers, b"", ""
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > policy.max_bytes:
            raise ImportError_(url, f"the answer is too large ({int(length)} bytes; the limit is {policy.max_bytes})")
        chunks: list[bytes] = []
        size = 0
        while True:
            if conn.sock is not None:
                conn.sock.settimeout(_remaining(deadline, url, policy.timeout))
            chunk = response.read1(_CHUNK) if hasattr(response, "read1") else response.read(_CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if size > policy.max_bytes:
                raise ImportError_(url, f"the answer is too large (more than {policy.max_bytes} bytes)")
            chunks.append(chunk)
            _remaining(deadline, url, policy.timeout)
        return status, headers, b"".join(chunks), ""
    finally:
        conn.close()
