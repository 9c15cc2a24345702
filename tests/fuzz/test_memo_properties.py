"""The cookie memos (``_cookiecache``) against cookielib itself, over random histories.

Each example builds a session-like jar through a random sequence of operations (cookies
set with and without domain, path, expiry and ``secure``; removals; values edited in place;
policy changes; the clock moving), asking for the Cookie header of random URLs between the
steps. Every answer the memoised path gives must equal what cookielib computes from scratch
on a copy of the same jar; likewise the cookies a Set-Cookie response leaves in a jar must
equal, attribute for attribute, what ``CookieJar.extract_cookies`` leaves in a fresh one.
"""

from __future__ import annotations

import http.client
import http.cookiejar as cookielib
import time
from typing import Any

import pytest
import urllib3
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tether import _cookiecache, _cookies
from tether.cookies import RequestsCookieJar, TetherCookiePolicy, extract_cookies_to_jar
from tether.models import PreparedRequest

MEMO = settings(
    max_examples=120,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

HOSTS = ["127.0.0.1", "a.test", "b.a.test", "localhost"]
PATHS = ["/", "/x", "/x/y", "/z"]
NOW = 1_900_000_000


def prepared(url: str, host_header: str | None = None) -> PreparedRequest:
    p = PreparedRequest()
    p.prepare(method="GET", url=url, headers={"Host": host_header} if host_header else None)
    return p


def fresh_header(jar: RequestsCookieJar, request: PreparedRequest) -> str | None:
    """cookielib's answer, computed on a copy (no memo involved)."""
    copy = RequestsCookieJar(jar.get_policy())
    with jar._cookies_lock:
        for cookie in list(jar):
            copy._cookies.setdefault(cookie.domain, {}).setdefault(cookie.path, {})[cookie.name] = (
                _cookiecache.clone_cookie(cookie)
            )
    return _cookies._cookie_header(copy, request)


op = st.one_of(
    st.tuples(
        st.just("set"),
        st.sampled_from(["a", "b", "c"]),
        st.sampled_from(["1", "2", '"q"']),
        st.sampled_from(["", *HOSTS, ".a.test"]),
        st.sampled_from(PATHS),
        st.sampled_from([None, -5, 5, 500]),
        st.booleans(),
    ),
    st.tuples(st.just("del"), st.sampled_from(["a", "b", "c"])),
    st.tuples(st.just("edit"), st.sampled_from(["v1", "v2"])),
    st.tuples(st.just("block"), st.sampled_from([[], ["a.test"], ["127.0.0.1"]])),
    st.tuples(st.just("tick"), st.sampled_from([1, 10, 100])),
    st.tuples(
        st.just("ask"),
        st.sampled_from(["http", "https"]),
        st.sampled_from(HOSTS),
        st.sampled_from(PATHS),
        st.sampled_from([None, "a.test"]),
    ),
)


@MEMO
@given(st.lists(op, min_size=1, max_size=25))
def test_memoised_cookie_header_equals_cookielib(
    monkeypatch: pytest.MonkeyPatch, ops: list[tuple[Any, ...]]
) -> None:
    _cookiecache.clear()
    clock = [float(NOW)]
    monkeypatch.setattr(time, "time", lambda: clock[0])
    jar = RequestsCookieJar()
    asked = [prepared("http://127.0.0.1/x/y"), prepared("https://b.a.test/")]
    for step in ops:
        kind = step[0]
        if kind == "set":
            _, name, value, domain, path, ttl, secure = step
            expires = None if ttl is None else int(clock[0]) + ttl
            jar.set(name, value, domain=domain, path=path, expires=expires, secure=secure)
        elif kind == "del":
            _cookies.remove_cookie_by_name(jar, step[1])  # every domain and path
        elif kind == "edit":
            for cookie in list(jar):
                cookie.value = step[1]
        elif kind == "block":
            jar.get_policy().set_blocked_domains(step[1])
        elif kind == "tick":
            clock[0] += step[1]
        else:
            _, scheme, host, path, host_header = step
            asked.append(prepared(f"{scheme}://{host}{path}", host_header))
        # After every step, every URL asked about so far is asked again: a memo entry
        # that outlived a change would answer differently from cookielib.
        for request in asked:
            expected = fresh_header(jar, request)
            # Twice: the first call may fill the memo, the second reads it.
            for _ in range(2):
                assert _cookies.get_cookie_header(jar, request) == expected


def response_setting(values: list[str]) -> urllib3.HTTPResponse:
    head = b"HTTP/1.1 200 OK\r\n" + b"".join(
        b"Set-Cookie: " + v.encode("latin-1") + b"\r\n" for v in values
    )

    class Sock:
        def makefile(self, mode: str) -> Any:
            import io

            return io.BytesIO(head + b"Content-Length: 0\r\n\r\n")

    parsed = http.client.HTTPResponse(Sock())  # type: ignore[arg-type]
    parsed.begin()
    headers = urllib3.HTTPHeaderDict()
    for name, value in parsed.msg.items():
        headers.add(name, value)
    return urllib3.HTTPResponse(
        body=b"", headers=headers, status=200, original_response=parsed, preload_content=False
    )


set_cookie_value = st.builds(
    lambda name, value, attrs: f"{name}={value}{attrs}",
    st.sampled_from(["a", "b", "$x", "bad\x01"]),
    st.sampled_from(["1", "", '"q"', "v w"]),
    st.sampled_from(
        [
            "",
            "; Path=/x",
            "; Domain=a.test",
            "; Domain=.a.test",
            "; Domain=evil.test",
            "; Secure",
            "; Max-Age=60",
            "; Max-Age=0",
            "; Expires=Wed, 21 Oct 2099 07:28:00 GMT",
            "; Path=/x/y; Secure",
        ]
    ),
)


def attributes(jar: cookielib.CookieJar) -> list[dict[str, Any]]:
    return sorted((dict(c.__dict__) for c in jar), key=lambda d: sorted(map(str, d.items())))


@MEMO
@given(
    st.lists(
        st.tuples(
            st.lists(set_cookie_value, min_size=1, max_size=3),
            st.sampled_from(HOSTS),
            st.sampled_from(PATHS),
            st.booleans(),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_memoised_set_cookie_equals_cookielib(
    monkeypatch: pytest.MonkeyPatch, responses: list[tuple[list[str], str, str, bool]]
) -> None:
    _cookiecache.clear()
    monkeypatch.setattr(time, "time", lambda: float(NOW))
    ours = RequestsCookieJar()
    theirs = RequestsCookieJar()
    for values, host, path, blocked in responses:
        policy = TetherCookiePolicy(blocked_domains=["b.a.test"] if blocked else ())
        ours.set_policy(policy)
        theirs.set_policy(policy)
        request = prepared(f"http://{host}{path}")
        for _ in range(2):  # the second extraction reads the memo
            extract_cookies_to_jar(ours, request, response_setting(values))
            cookielib.CookieJar.extract_cookies(
                theirs,
                _cookies.MockResponse(response_setting(values)._original_response.msg),  # type: ignore[union-attr]
                _cookies.MockRequest(request),  # type: ignore[arg-type]
            )
        assert attributes(ours) == attributes(theirs)
