"""Property tests over the parsers and encoders that see untrusted input.

The property common to all of them: whatever the input, only tether's documented
exceptions escape (a ``RequestException`` subclass, or the ``ValueError``/``TypeError`` a
function documents), never an ``IndexError``, ``KeyError``, ``AttributeError`` or a hang.
Each has a second, specific property. Examples are kept few (fast suite) and nothing is
stored on disk (``database=None``).
"""

from __future__ import annotations

import email.parser
import re
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from urllib3 import HTTPHeaderDict

import tether
from tether import _digest, _urls
from tether._multipart import StreamingMultipart, encode_files
from tether.cookies import RequestsCookieJar, extract_cookies_to_jar, get_cookie_header
from tether.exceptions import InvalidHeader
from tether.utils import (
    check_header_validity,
    parse_dict_header,
    parse_header_links,
    parse_list_header,
)

FUZZ = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# Text biased towards the characters that matter to these grammars.
_SPECIAL = ":/?#[]@!$&'()*+,;=%\\\"<> \t\r\n\x00\x7f\x0b\u0660\u30fb\u00e9.-_~"
special_text = st.text(
    alphabet=st.one_of(st.sampled_from(_SPECIAL), st.characters(codec="utf-8")), max_size=60
)

# -- URL preparation -------------------------------------------------------------------------

_url_piece = st.sampled_from(
    [
        "a.test",
        "b.test",
        "127.0.0.1",
        "[::1]",
        "xn--e1afmkfd",
        "пример",
        "@",
        ":",
        "//",
        "/",
        "?",
        "#",
        "%",
        "%41",
        "%zz",
        "%0d%0a",
        "\\",
        "80",
        "65536",
        "user:pw@",
        " ",
        "\t",
        "\r\n",
        "\x00",
        "é",
        "..",
        "./",
        ";",
        "&",
        "=",
        "+",
    ]
)
urls = st.builds(
    lambda scheme, parts, tail: scheme + "".join(parts) + tail,
    st.sampled_from(["http://", "https://", "HTTP://", "http:", "", "ftp://", " http://"]),
    st.lists(_url_piece, max_size=8),
    special_text,
)
params = st.one_of(
    st.none(),
    st.dictionaries(
        special_text, st.one_of(special_text, st.lists(special_text, max_size=2)), max_size=3
    ),
)

#: What URL preparation may raise. UnicodeEncodeError (a ValueError) is requests' answer to
#: credentials in the URL that Basic auth cannot encode as Latin-1.
URL_ERRORS = (
    tether.exceptions.InvalidURL,
    tether.exceptions.MissingSchema,
    tether.exceptions.InvalidSchema,
    UnicodeEncodeError,
)


def _prepare(url: str, query: Any = None) -> str:
    return tether.Request("GET", url, params=query).prepare().url  # type: ignore[return-value]


@FUZZ
@given(urls, params)
def test_prepare_url_raises_only_documented_errors_and_is_idempotent(url: str, query: Any) -> None:
    try:
        prepared = _prepare(url, query)
    except URL_ERRORS:
        return
    assert isinstance(prepared, str)
    # Preparing a prepared URL again changes nothing.
    assert _prepare(prepared) == prepared
    if prepared.lower().startswith(("http://", "https://")):
        # Nothing that could split the request line survives.
        assert not re.search(r"[\x00-\x20\x7f]", prepared)


@FUZZ
@given(urls)
def test_prepared_url_names_one_host_for_every_decision(url: str) -> None:
    # The pool key, netrc, auth stripping, no_proxy and cookies all read the host with
    # urlsplit; origin() (same_origin) with urllib3. On any URL tether would send, they
    # name the same host and port, or origin() refuses it (fail closed).
    from urllib.parse import urlsplit

    from tether._transport import pool_key_attributes

    try:
        prepared = _prepare(url)
    except URL_ERRORS:
        return
    assume(prepared.lower().startswith(("http://", "https://")))
    host_params, _ = pool_key_attributes(prepared, True, None)
    split = urlsplit(prepared)
    assert host_params["host"] == split.hostname
    try:
        scheme, host, port = _urls.origin(prepared)
    except tether.exceptions.InvalidURL:
        return
    assert host.lower() == (split.hostname or "").lower()
    assert port == (split.port or {"http": 80, "https": 443}[scheme])


@FUZZ
@given(urls)
def test_redirect_location_join_raises_only_documented_errors(location: str) -> None:
    from tether._redirects import join_location

    try:
        joined, _ = join_location("http://start.test/a/b?q#f", location, "f")
    except (ValueError, UnicodeError) as error:  # urlsplit's own refusals (bad port, IPv6)
        assert not isinstance(error, (IndexError, KeyError))
        return
    assert isinstance(joined, str)
    assert not re.search(r"[\x00-\x20\x7f]", joined)


# -- methods and headers ---------------------------------------------------------------------


@FUZZ
@given(special_text)
def test_method_validation(method: str) -> None:
    try:
        prepared = tether.Request(method, "http://a.test/").prepare()
    except tether.exceptions.InvalidURL:
        assert not re.fullmatch(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+", method.upper())
        return
    assert re.fullmatch(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+", prepared.method or "")


header_part = st.one_of(special_text, st.binary(max_size=30), st.integers(), st.none())


@FUZZ
@given(header_part, header_part)
def test_header_validation(name: Any, value: Any) -> None:
    try:
        check_header_validity((name, value))
    except InvalidHeader:
        return
    for part in (name, value):
        assert isinstance(part, (str, bytes))
        text = part.decode("latin-1") if isinstance(part, bytes) else part
        assert not re.search(r"[\r\n\x00-\x08\x0a-\x1f]", text)
        # Leading whitespace: Unicode's for str, ASCII's for bytes (requests' \S rules).
        leading = text[:1]
        assert not (leading.isspace() if isinstance(part, str) else leading in tuple(" \t\x0b\x0c"))
    name_text = name.decode("latin-1") if isinstance(name, bytes) else name
    assert name_text and ":" not in name_text


@FUZZ
@given(st.dictionaries(special_text, special_text, max_size=4))
def test_prepared_headers_never_carry_line_breaks(headers: dict[str, str]) -> None:
    try:
        prepared = tether.Request("GET", "http://a.test/", headers=headers).prepare()
    except InvalidHeader:
        return
    for name, value in prepared.headers.items():
        assert "\r" not in name + value and "\n" not in name + value


# -- header-value parsers --------------------------------------------------------------------


@FUZZ
@given(special_text)
def test_parse_header_links_never_raises(value: str) -> None:
    links = parse_header_links(value)
    assert isinstance(links, list)
    assert all(isinstance(link, dict) and "url" in link for link in links)


@FUZZ
@given(special_text)
def test_parse_dict_header_never_raises(value: str) -> None:
    parsed = parse_dict_header(value)
    assert all(isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in parsed.items())


@FUZZ
@given(special_text)
def test_parse_list_header_never_raises(value: str) -> None:
    parsed = parse_list_header(value)
    assert all(isinstance(item, str) for item in parsed)


# -- cookies ---------------------------------------------------------------------------------

# What http.client can hand over as one Set-Cookie value: any Latin-1 text without CR/LF.
set_cookie_value = st.text(
    alphabet=st.one_of(
        st.sampled_from('=;,. "\t\x00\x01\x7f/'),
        st.characters(min_codepoint=0x20, max_codepoint=0xFF),
    ),
    max_size=80,
).filter(lambda v: "\r" not in v and "\n" not in v)


class _Raw:
    def __init__(self, values: list[str]) -> None:
        self.headers = HTTPHeaderDict()
        for value in values:
            self.headers.add("Set-Cookie", value)


@FUZZ
@given(st.lists(set_cookie_value, min_size=1, max_size=4))
def test_cookie_parsing_never_raises_and_never_injects(values: list[str]) -> None:
    request = tether.Request("GET", "http://a.test/p").prepare()
    jar = RequestsCookieJar()
    extract_cookies_to_jar(jar, request, _Raw(values))
    header = get_cookie_header(jar, tether.Request("GET", "http://a.test/p").prepare())
    if header is not None:
        assert not re.search(r"[\r\n\x00]", header)
        # And the header passes tether's own validation, so it can be sent.
        check_header_validity(("Cookie", header))


# -- Digest challenges -----------------------------------------------------------------------


challenge_text = st.builds(
    lambda prefix, pairs: prefix + ", ".join(pairs),
    st.sampled_from(["Digest ", "digest ", "DIGEST", "Basic ", ""]),
    st.lists(
        st.builds(
            lambda k, v, quoted: f'{k}="{v}"' if quoted else f"{k}={v}",
            st.sampled_from(
                ["realm", "nonce", "qop", "algorithm", "opaque", "stale", "REALM", "x"]
            ),
            special_text.filter(lambda v: "\r" not in v and "\n" not in v),
            st.booleans(),
        ),
        max_size=6,
    ),
)


@FUZZ
@given(st.one_of(challenge_text, special_text))
def test_digest_challenge_parsing_and_answer(challenge: str) -> None:
    parsed = _digest.parse_challenge(challenge)
    assert isinstance(parsed, dict)
    answer = _digest.build_authorization("GET", "/p", parsed, "user", "pw", 1, "abcdef0123456789")
    if answer is not None:
        assert answer.startswith("Digest ")
        assert "\r" not in answer and "\n" not in answer


# -- multipart -------------------------------------------------------------------------------

field_text = special_text
file_entry = st.one_of(
    st.binary(max_size=40),
    st.tuples(st.one_of(st.none(), field_text), st.binary(max_size=40)),
    st.tuples(field_text, st.binary(max_size=40), st.one_of(st.none(), field_text)),
    st.tuples(
        field_text,
        st.binary(max_size=40),
        st.one_of(st.none(), field_text),
        st.dictionaries(field_text, field_text, max_size=2),
    ),
)


def _part_header_lines(body: bytes, boundary: bytes) -> list[list[bytes]]:
    """The header lines of each part, split the way a server would."""
    parts = body.split(b"--" + boundary)
    heads = []
    for part in parts[1:-1]:
        head, sep, _ = part[2:].partition(b"\r\n\r\n")
        assert sep, part
        heads.append(head.split(b"\r\n") if head else [])
    return heads


_SORTED = ("Content-Disposition", "Content-Type", "Content-Location")


def _expected_header_count(entry: Any) -> int:
    """How many header lines urllib3 writes for one ``files`` entry."""
    if not isinstance(entry, tuple):
        return 1
    count = 1
    if len(entry) >= 3 and entry[2]:
        count += 1
    if len(entry) == 4:
        count += sum(1 for name, value in entry[3].items() if name not in _SORTED and value)
    return count


@FUZZ
@given(
    st.dictionaries(field_text, file_entry, min_size=1, max_size=3),
    st.dictionaries(field_text, field_text, max_size=2),
)
def test_multipart_encoder(files: dict[str, Any], data: dict[str, str]) -> None:
    try:
        body, content_type = encode_files(files, data)
    except InvalidHeader:
        return
    except (ValueError, TypeError) as error:  # documented: requests' own refusals
        assert isinstance(error, (ValueError, TypeError))
        return
    boundary = content_type.split("boundary=", 1)[1].encode()
    heads = _part_header_lines(body, boundary)
    # Data fields first (one header line each), then the files: no value added a line.
    expected = [1] * len(data) + [_expected_header_count(entry) for entry in files.values()]
    assert [len(lines) for lines in heads] == expected
    for lines in heads:
        assert lines[0].startswith(b"Content-Disposition: form-data; name=")
        assert all(b"\r" not in line and b"\n" not in line for line in lines)
    # A server-side parser sees a multipart message.
    message = email.parser.BytesParser().parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    assert message.is_multipart()


@FUZZ
@given(st.dictionaries(field_text, file_entry, min_size=1, max_size=3))
def test_streaming_multipart_matches_in_memory_encoder(files: dict[str, Any]) -> None:
    try:
        body, content_type = encode_files(files, None)
    except (InvalidHeader, ValueError, TypeError):
        return
    boundary = content_type.split("boundary=", 1)[1]
    streamed = StreamingMultipart(files, None, boundary=boundary)
    assert len(streamed) == len(body)
    assert streamed.read() == body


def test_fuzz_examples_are_bounded() -> None:
    # Guards the suite's speed: every property here keeps a modest example count.
    assert FUZZ.max_examples <= 200
