"""Certificates for TLS tests, all issued by trustme (never real CAs, never on disk for long).

One test CA per session issues: the loopback leaf (127.0.0.1, localhost, ::1), an expired
leaf, a leaf for the wrong host, and client certificates (one from the test CA, one from an
unrelated CA, for mutual-TLS tests). Files go under a session temp directory; `TLSFiles`
records their paths as strings so they can be passed straight to ``verify=`` / ``cert=``.
"""

from __future__ import annotations

import datetime
import ssl
from dataclasses import dataclass
from pathlib import Path

import trustme

__all__ = [
    "LOOPBACK_IDENTITIES",
    "ClientCertFiles",
    "expired_leaf",
    "server_context",
    "write_client_cert",
]

#: Every name a loopback server is reached by in the suite.
LOOPBACK_IDENTITIES = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class ClientCertFiles:
    """A client certificate and its key, as separate files and as one combined PEM."""

    cert: str
    key: str
    combined: str

    @property
    def pair(self) -> tuple[str, str]:
        """The ``(cert, key)`` tuple that ``cert=`` accepts."""
        return (self.cert, self.key)


def server_context(
    leaf: trustme.LeafCert, *, client_ca: trustme.CA | None = None
) -> ssl.SSLContext:
    """A server-side context presenting `leaf`; with `client_ca`, client certificates are required."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    leaf.configure_cert(context)
    if client_ca is not None:
        context.verify_mode = ssl.CERT_REQUIRED
        client_ca.configure_trust(context)
    return context


def expired_leaf(ca: trustme.CA) -> trustme.LeafCert:
    """A loopback leaf whose validity ended yesterday."""
    now = datetime.datetime.now(datetime.timezone.utc)
    return ca.issue_cert(
        *LOOPBACK_IDENTITIES,
        not_before=now - datetime.timedelta(days=30),
        not_after=now - datetime.timedelta(days=1),
    )


def write_client_cert(ca: trustme.CA, directory: Path, stem: str) -> ClientCertFiles:
    """Issue a client certificate from `ca` and write cert, key and combined PEM files."""
    leaf = ca.issue_cert("client@example.org", common_name="tether test client")
    cert = directory / f"{stem}.crt"
    key = directory / f"{stem}.key"
    combined = directory / f"{stem}.pem"
    leaf.cert_chain_pems[0].write_to_path(str(cert))
    leaf.private_key_pem.write_to_path(str(key))
    leaf.private_key_and_cert_chain_pem.write_to_path(str(combined))
    return ClientCertFiles(str(cert), str(key), str(combined))
