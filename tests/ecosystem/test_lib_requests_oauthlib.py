"""requests-oauthlib on tether, through the switch.

OAuth1 signs the *prepared* request (method, URL, form body) from an ``AuthBase`` called at
the end of ``PreparedRequest.prepare``; the loopback server recomputes the HMAC-SHA1
signature independently (RFC 5849 §3.4) and refuses a wrong one. OAuth2Session is a
``Session`` subclass that overrides ``request`` and refreshes an expired token against a
local token endpoint over TLS. Run under ``--tether-as-requests`` (see conftest.py).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import pytest
import requests
from oauthlib.oauth1.rfc5849 import signature
from oauthlib.oauth2 import BackendApplicationClient
from requests_oauthlib import OAuth1, OAuth1Session, OAuth2Session

import tether
from tests.support.fixtures import RawServerFactory
from tests.support.servers import Connection, RawRequest, RawServer, http_response

CLIENT_KEY, CLIENT_SECRET = "client-key", "client-secret"
OWNER_KEY, OWNER_SECRET = "owner-key", "owner-secret"


def test_requests_is_tether() -> None:
    assert requests is tether
    assert issubclass(OAuth1, tether.auth.AuthBase)
    assert issubclass(OAuth2Session, tether.Session)


def _authorization_params(request: RawRequest) -> dict[str, str]:
    header = (request.header("Authorization") or b"").decode()
    assert header.startswith("OAuth "), header
    params = {}
    for item in header[len("OAuth ") :].split(","):
        name, _, value = item.strip().partition("=")
        params[name] = unquote(value.strip('"'))
    return params


def _signature_is_valid(request: RawRequest, server: RawServer, resource_owner_secret: str) -> bool:
    """Recompute the HMAC-SHA1 signature from what arrived on the wire (RFC 5849 §3.4)."""
    oauth = _authorization_params(request)
    query = urlsplit(request.target).query
    body: list[tuple[str, str]] = []
    if (request.header("Content-Type") or b"").startswith(b"application/x-www-form-urlencoded"):
        body = parse_qsl(request.body.decode(), keep_blank_values=True)
    params = signature.collect_parameters(
        uri_query=query,
        body=body,
        headers={"Authorization": (request.header("Authorization") or b"").decode()},
        exclude_oauth_signature=True,
    )
    base = signature.signature_base_string(
        request.method,
        signature.base_string_uri(server.url_for(request.path)),
        signature.normalize_parameters(params),
    )
    key = f"{quote(CLIENT_SECRET, safe='~')}&{quote(resource_owner_secret, safe='~')}"
    digest = hmac.new(key.encode(), base.encode(), hashlib.sha1).digest()
    expected = base64.b64encode(digest).decode()
    return bool(
        oauth.get("oauth_consumer_key") == CLIENT_KEY and oauth["oauth_signature"] == expected
    )


@pytest.fixture
def oauth1_server(raw_server: RawServerFactory) -> RawServer:
    servers: list[RawServer] = []

    def handler(request: RawRequest, conn: Connection) -> bytes:
        (base,) = servers
        if request.path == "/request_token":
            if not _signature_is_valid(request, base, ""):
                return http_response(401, b"bad signature")
            body = b"oauth_token=temp-token&oauth_token_secret=temp-secret&oauth_callback_confirmed=true"
            return http_response(200, body, [("Content-Type", "application/x-www-form-urlencoded")])
        if not _signature_is_valid(request, base, OWNER_SECRET):
            return http_response(401, b"bad signature")
        reply = {"method": request.method, "target": request.target, "body": request.body.decode()}
        return http_response(
            200, json.dumps(reply).encode(), [("Content-Type", "application/json")]
        )

    server = raw_server(handler)
    servers.append(server)
    return server


def test_oauth1_signed_get_and_form_post(oauth1_server: RawServer) -> None:
    auth = OAuth1(CLIENT_KEY, CLIENT_SECRET, OWNER_KEY, OWNER_SECRET)
    r = requests.get(
        oauth1_server.url_for("/photos"), params={"size": "large", "n": "2"}, auth=auth
    )
    assert r.status_code == 200, r.text
    assert r.json()["target"] == "/photos?size=large&n=2"

    # Form parameters take part in the signature (RFC 5849 §3.4.1.3.1).
    r = requests.post(oauth1_server.url_for("/status"), data={"text": "héllo wörld"}, auth=auth)
    assert r.status_code == 200, r.text
    assert r.json()["body"] == "text=h%C3%A9llo+w%C3%B6rld"

    # The server's check can fail: a wrong secret gives a signature it refuses.
    wrong = OAuth1(CLIENT_KEY, "not-the-secret", OWNER_KEY, OWNER_SECRET)
    assert requests.get(oauth1_server.url_for("/photos"), auth=wrong).status_code == 401


def test_oauth1_session_fetches_a_request_token(oauth1_server: RawServer) -> None:
    with OAuth1Session(CLIENT_KEY, client_secret=CLIENT_SECRET, callback_uri="oob") as s:
        token = s.fetch_request_token(oauth1_server.url_for("/request_token"))
    assert token["oauth_token"] == "temp-token"
    assert token["oauth_token_secret"] == "temp-secret"


@pytest.fixture
def oauth2_server(raw_server: RawServerFactory) -> RawServer:
    def handler(request: RawRequest, conn: Connection) -> bytes:
        if request.path == "/token":
            form = dict(parse_qsl(request.body.decode()))
            if form.get("grant_type") == "refresh_token" and form.get("refresh_token") == "r1":
                token = {"access_token": "fresh", "token_type": "Bearer", "expires_in": 3600,
                         "refresh_token": "r2"}  # fmt: skip
            elif form.get("grant_type") == "client_credentials":
                token = {"access_token": "machine", "token_type": "Bearer", "expires_in": 60}
            else:
                return http_response(400, b'{"error": "invalid_grant"}')
            body = json.dumps(token).encode()
            return http_response(200, body, [("Content-Type", "application/json")])
        auth = (request.header("Authorization") or b"").decode()
        body = json.dumps({"authorization": auth, "target": request.target}).encode()
        return http_response(200, body, [("Content-Type", "application/json")])

    return raw_server(handler, tls=True)


def test_oauth2_refreshes_an_expired_token(oauth2_server: RawServer, ca_bundle: str) -> None:
    expired = {"access_token": "stale", "token_type": "Bearer", "refresh_token": "r1",
               "expires_in": -30, "expires_at": time.time() - 30}  # fmt: skip
    saved: list[dict[str, Any]] = []
    with OAuth2Session(
        "client-id",
        token=expired,
        auto_refresh_url=oauth2_server.url_for("/token"),
        auto_refresh_kwargs={"client_id": "client-id", "client_secret": "s3cret"},
        token_updater=saved.append,
    ) as s:
        s.verify = ca_bundle
        r = s.get(oauth2_server.url_for("/resource"))
    assert r.json() == {"authorization": "Bearer fresh", "target": "/resource"}
    assert [t["access_token"] for t in saved] == ["fresh"]
    refresh, resource = oauth2_server.requests
    assert refresh.path == "/token" and refresh.method == "POST"
    assert dict(parse_qsl(refresh.body.decode()))["client_secret"] == "s3cret"
    assert resource.header("Authorization") == b"Bearer fresh"


def test_oauth2_client_credentials_grant(oauth2_server: RawServer, ca_bundle: str) -> None:
    client = BackendApplicationClient(client_id="machine-id")
    with OAuth2Session(client=client) as s:
        token = s.fetch_token(
            oauth2_server.url_for("/token"),
            client_id="machine-id",
            client_secret="s3cret",
            verify=ca_bundle,
        )
        assert token["access_token"] == "machine"
        r = s.get(oauth2_server.url_for("/api"), verify=ca_bundle)
    assert r.json()["authorization"] == "Bearer machine"
