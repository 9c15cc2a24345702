"""Two limits on what a server may do to one connection: interim responses, and framing.

``http.client`` skips every ``100 Continue`` a server sends before its final response, with
no limit on how many: each one is small (status line and header block are bounded by
``http.client``'s line and header-count limits, CPython CVE-2021-3737), so memory stays
flat, but a server that keeps sending them keeps the client busy forever, and no read
timeout fires because bytes keep arriving (curl CVE-2023-38039 class, SECURITY-CASES case
40). ``BoundedInterimResponse`` is ``http.client.HTTPResponse`` with a count: after
``MAX_INTERIM_RESPONSES`` interim responses it raises ``TooManyInterimResponses``, an
``http.client.HTTPException``, which urllib3 turns into ``ProtocolError`` (tether's
``ConnectionError``) and answers by closing the connection, so it is never reused.

The same class marks a response framed both by ``Transfer-Encoding: chunked`` and by
``Content-Length`` as closing its connection (RFC 9112 §6.3), so whatever the two framings
disagree about can never be read as the next response.

The adapter installs the class on each new urllib3 connection (``response_class`` is an
instance attribute ``http.client`` looks up per response); nothing else changes. Other 1xx
statuses are returned by ``http.client`` as final responses, as in requests.
"""

from __future__ import annotations

import http.client

__all__ = ["MAX_INTERIM_RESPONSES", "BoundedInterimResponse", "TooManyInterimResponses"]

#: Interim responses accepted before one final response. Real servers send one ``100
#: Continue`` (RFC 9110 §15.2.1) and rarely more.
MAX_INTERIM_RESPONSES = 100


class TooManyInterimResponses(http.client.HTTPException):
    """The server sent more than ``MAX_INTERIM_RESPONSES`` interim responses in a row."""


class BoundedInterimResponse(http.client.HTTPResponse):
    """``http.client.HTTPResponse`` that refuses an endless run of ``100 Continue``."""

    _interim_seen = 0

    def begin(self) -> None:
        super().begin()
        if self.chunked and "content-length" in self.msg:
            # Both framings (RFC 9112 §6.3): Transfer-Encoding wins, as in requests, but a
            # message like this "ought to be handled as an error" (a sign of response
            # splitting or smuggling), so its connection is not kept for another request
            # (case 37). http.client closes it once the body has been read.
            self.will_close = True

    def _read_status(self) -> tuple[str, int, str]:
        version, status, reason = super()._read_status()  # type: ignore[misc]
        if status == http.client.CONTINUE:  # the only status http.client skips
            self._interim_seen += 1
            if self._interim_seen > MAX_INTERIM_RESPONSES:
                raise TooManyInterimResponses(
                    f"more than {MAX_INTERIM_RESPONSES} interim responses before the final one"
                )
        return version, status, reason
