"""Where a webhook may go: the URL rules and the protection against server-side request
forgery (SSRF).

* https only; http only in debug (development).
* No credentials in the URL, no fragment.
* The host name is resolved **once** per attempt (`getaddrinfo`); every address it resolves
  to must be public: loopback, private (RFC 1918, unique local), carrier-grade NAT,
  link-local (169.254.0.0/16: cloud metadata), multicast, reserved and unspecified
  addresses are refused, also behind an IPv4-mapped IPv6 address, unless the operator
  allows them (`KANSRIJK_WEBHOOK_ALLOW_PRIVATE_TARGETS`, for a receiver inside the
  gemeente's own network).
* The request then goes to that address itself (the URL carries the IP), with the `Host`
  header and the TLS server name (SNI, and the certificate check) of the name: a DNS
  answer that changes between the check and the connection (DNS rebinding) cannot move it.
* Redirects are not followed (a 3xx is a failed attempt), and no proxy from the
  environment is used.

The rules are checked when a subscription is made or changed (a clear error, nothing
written) and again before every attempt (an address may have changed since).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING

import httpx

from core.webhooks.errors import WebhookTargetNotAllowed, WebhookUrlInvalid, WebhookUrlNotHttps

if TYPE_CHECKING:
    from core.config import Settings

#: Seconds a name may take to resolve.
RESOLVE_TIMEOUT = 5.0
MAX_URL_LENGTH = 2000

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class WebhookUrl:
    """A URL that passed the rules that need no network."""

    url: str
    scheme: str
    host: str  # lowercase; an IPv6 address without brackets
    port: int
    target: str  # path and query, as sent in the request line

    @property
    def host_header(self) -> str:
        shown = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return shown if self.port == default else f"{shown}:{self.port}"

    @property
    def host_is_address(self) -> bool:
        try:
            ipaddress.ip_address(self.host)
        except ValueError:
            return False
        return True


@dataclass(frozen=True)
class Target:
    """A checked URL and the one address its request goes to."""

    url: WebhookUrl
    address: str

    @property
    def request_url(self) -> str:
        """The URL with the address in place of the name."""
        shown = f"[{self.address}]" if ":" in self.address else self.address
        return f"{self.url.scheme}://{shown}:{self.url.port}{self.url.target}"

    @property
    def headers(self) -> dict[str, str]:
        return {"Host": self.url.host_header}

    @property
    def extensions(self) -> dict[str, str]:
        """The TLS server name (SNI, and the name the certificate is checked against)."""
        if self.url.scheme == "https" and not self.url.host_is_address:
            return {"sni_hostname": self.url.host}
        return {}


def parse_url(url: str, *, allow_http: bool) -> WebhookUrl:
    """Check a webhook URL as far as that is possible without the network."""
    url = (url or "").strip()
    if not url or len(url) > MAX_URL_LENGTH:
        raise WebhookUrlInvalid(f"Geef een webhook-URL van hoogstens {MAX_URL_LENGTH} tekens.", field="input.url")
    try:
        parsed = httpx.URL(url)
        host = parsed.host
    except (httpx.InvalidURL, UnicodeError, ValueError):
        raise WebhookUrlInvalid("Dit is geen geldige URL.", field="input.url") from None
    scheme = parsed.scheme.lower()
    if scheme not in ("https", "http") or not host:
        raise WebhookUrlInvalid("Geef een volledige URL, zoals https://integratie.gemeente.nl/webhooks.", field="input.url")
    if scheme == "http" and not allow_http:
        raise WebhookUrlNotHttps("Een webhook-URL moet met https:// beginnen.", field="input.url")
    if parsed.userinfo or parsed.fragment:
        raise WebhookUrlInvalid("Een webhook-URL mag geen inloggegevens (gebruiker@) en geen #fragment bevatten.", field="input.url")
    port = parsed.port or (443 if scheme == "https" else 80)
    return WebhookUrl(url=url, scheme=scheme, host=parsed.raw_host.decode("ascii").lower(), port=port, target=parsed.raw_path.decode("ascii"))


def address_problem(address: IPAddress) -> str | None:
    """Why a request may not go to this address (Dutch, for people), or None."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return "een loopback-adres"
    if address.is_link_local:
        return "een link-local-adres"
    if address.is_multicast:
        return "een multicast-adres"
    if address.is_unspecified:
        return "een niet-gespecificeerd adres"
    if address.is_reserved:
        return "een gereserveerd adres"
    if address.is_private or not address.is_global:
        return "een privé-adres"
    return None


async def lookup(host: str, port: int) -> list[str]:
    """The addresses a name resolves to (the operating system's resolver), in its order."""
    loop = asyncio.get_running_loop()
    infos = await asyncio.wait_for(loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), RESOLVE_TIMEOUT)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


async def resolve(url: WebhookUrl, *, allow_private: bool) -> Target:
    """Resolve the URL's host once and check every address it has; the target to connect to."""
    try:
        addresses = [url.host] if url.host_is_address else await lookup(url.host, url.port)
    except (OSError, TimeoutError, UnicodeError):
        raise WebhookTargetNotAllowed(f"De naam {url.host} is niet te vinden (DNS).", field="input.url") from None
    if not addresses:
        raise WebhookTargetNotAllowed(f"De naam {url.host} is niet te vinden (DNS).", field="input.url")
    if not allow_private:
        for address in addresses:
            problem = address_problem(ipaddress.ip_address(address.split("%", 1)[0]))
            if problem:
                raise WebhookTargetNotAllowed(
                    f"De webhook-URL wijst naar {problem} ({address}). Alleen adressen die vanaf internet bereikbaar zijn mogen; "
                    "de platformbeheerder kan interne adressen toestaan.",
                    field="input.url",
                )
    return Target(url=url, address=addresses[0])


async def check_url(url: str, settings: Settings) -> Target:
    """Every rule, for a URL a coalition admin or the operator gives (and before each attempt)."""
    parsed = parse_url(url, allow_http=settings.debug)
    return await resolve(parsed, allow_private=settings.webhook_allow_private_targets)
