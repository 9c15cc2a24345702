"""tether._decoding: charset helpers, incremental decoding, rechunk and iter_lines.

The charset helpers are differential against requests 2.34. ``iter_lines`` is compared with
requests where requests is right (the body in one chunk) and then held to split-invariance:
any way of cutting the body into chunks must give the same lines. ``rechunk`` is checked by
its invariants (same bytes, exact sizes).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable, Iterator
from itertools import combinations, pairwise
from types import SimpleNamespace
from typing import Any

import pytest
import requests
import requests.utils
from hypothesis import given, settings
from hypothesis import strategies as st

from tether import _decoding
from tether.structures import CaseInsensitiveDict

# --------------------------------------------------------------------------------------
# guess_json_utf
# --------------------------------------------------------------------------------------

JSON_ENCODINGS = [
    "utf-8",
    "utf-8-sig",
    "utf-16",
    "utf-16-le",
    "utf-16-be",
    "utf-32",
    "utf-32-le",
    "utf-32-be",
]


@pytest.mark.parametrize("encoding", JSON_ENCODINGS)
@pytest.mark.parametrize("document", [{"a": 1}, [], "é", 12, None])
def test_guess_json_utf_detects_each_encoding(encoding: str, document: object) -> None:
    data = json.dumps(document).encode(encoding)
    guessed = _decoding.guess_json_utf(data)
    assert guessed == requests.utils.guess_json_utf(data)
    assert guessed is not None
    assert json.loads(data.decode(guessed)) == document


@settings(max_examples=2000, deadline=None)
@given(
    st.binary(max_size=6)
    | st.lists(st.sampled_from([b"\x00", b"a", b"\xff", b"\xfe", b"\xef\xbb\xbf"]), max_size=5).map(
        b"".join
    )
)
def test_guess_json_utf_matches_requests(data: bytes) -> None:
    assert _decoding.guess_json_utf(data) == requests.utils.guess_json_utf(data)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "utf-8"),
        (b"\x00a\x00", "utf-16-be"),
        (b"\x00\x00\x00\x00", None),
        (b"a\x00\x00b", None),
        (b"\x00a\x00\x00", None),
    ],
)
def test_guess_json_utf_edge_cases(data: bytes, expected: str | None) -> None:
    assert _decoding.guess_json_utf(data) == expected


# --------------------------------------------------------------------------------------
# get_encodings_from_content / get_unicode_from_response
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        "",
        '<meta charset="utf-8">',
        "<META CHARSET=latin-1>",
        '<meta http-equiv="Content-Type" content="text/html;charset=ISO-8859-1">',
        "<meta content=';charset=koi8-r'>",
        '<?xml version="1.0" encoding="UTF-8"?>',
        ' <?xml version="1.0" encoding="UTF-8"?>',
        '<meta charset="a"><meta charset="b">',
        "no declaration",
    ],
)
def test_get_encodings_from_content_matches_requests(content: str) -> None:
    with pytest.warns(DeprecationWarning, match="get_encodings_from_content will be removed"):
        expected = requests.utils.get_encodings_from_content(content)
    with pytest.warns(DeprecationWarning, match="get_encodings_from_content will be removed"):
        got = _decoding.get_encodings_from_content(content)
    assert got == expected


def _fake_response(content: bytes | None, content_type: str | None) -> SimpleNamespace:
    headers: CaseInsensitiveDict[str] = CaseInsensitiveDict()
    if content_type is not None:
        headers["Content-Type"] = content_type
    return SimpleNamespace(content=content, headers=headers)


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        ("héllo".encode(), "text/plain; charset=utf-8"),
        ("héllo".encode("latin-1"), "text/plain; charset=utf-8"),
        ("héllo".encode("latin-1"), "text/plain"),
        ("héllo".encode(), None),
        (b"\xff\xfe", "application/octet-stream"),
        (b"", "text/html"),
        (None, "text/html"),
    ],
)
def test_get_unicode_from_response_matches_requests(
    content: bytes | None, content_type: str | None
) -> None:
    response = _fake_response(content, content_type)
    with pytest.warns(DeprecationWarning, match="get_unicode_from_response will be removed"):
        expected = requests.utils.get_unicode_from_response(response)  # type: ignore[arg-type]
    with pytest.warns(DeprecationWarning, match="get_unicode_from_response will be removed"):
        got = _decoding.get_unicode_from_response(response)
    assert got == expected


def test_get_unicode_from_response_unknown_charset_raises_like_requests() -> None:
    response = _fake_response(b"x", "text/plain; charset=no-such-codec")
    with pytest.warns(DeprecationWarning), pytest.raises(LookupError):
        requests.utils.get_unicode_from_response(response)  # type: ignore[arg-type]
    with pytest.warns(DeprecationWarning), pytest.raises(LookupError):
        _decoding.get_unicode_from_response(response)


# --------------------------------------------------------------------------------------
# stream_decode_response_unicode / iter_slices / apparent_encoding
# --------------------------------------------------------------------------------------

DECODE_CASES = [
    ([b"abc"], "utf-8"),
    (["é€😀".encode()[:1], "é€😀".encode()[1:4], "é€😀".encode()[4:]], "utf-8"),
    ([b"\xe2\x82"], "utf-8"),  # truncated at the end: one replacement character
    ([b"\xff", b"ok"], "utf-8"),
    ([b"", b"a", b""], "utf-8"),
    (["hé".encode("utf-16")[:3], "hé".encode("utf-16")[3:]], "utf-16"),
    ([b"caf\xe9"], "ISO-8859-1"),
    ([b"raw", b"bytes"], None),
    ([], "utf-8"),
]


@pytest.mark.parametrize(("chunks", "encoding"), DECODE_CASES)
def test_stream_decode_matches_requests(chunks: list[bytes], encoding: str | None) -> None:
    expected = list(
        requests.utils.stream_decode_response_unicode(
            iter(chunks),
            SimpleNamespace(encoding=encoding),  # type: ignore[arg-type]
        )
    )
    assert list(_decoding.stream_decode_response_unicode(iter(chunks), encoding)) == expected
    # requests' form: a response whose ``encoding`` is read when iteration starts
    response = SimpleNamespace(encoding="wrong")
    stream = _decoding.stream_decode_response_unicode(iter(chunks), response)
    response.encoding = encoding
    assert list(stream) == expected


def test_stream_decode_none_passes_chunks_through() -> None:
    chunks = [b"a", b"\xff"]
    out = list(_decoding.stream_decode_response_unicode(iter(chunks), None))
    assert out == chunks
    assert all(a is b for a, b in zip(out, chunks, strict=True))


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=20), st.lists(st.integers(min_value=0, max_value=80), max_size=5))
def test_stream_decode_is_split_invariant(text: str, cuts: list[int]) -> None:
    data = text.encode("utf-8")
    bounds = sorted({min(c, len(data)) for c in cuts})
    chunks = [data[a:b] for a, b in pairwise([0, *bounds, len(data)])]
    decoded = _decoding.stream_decode_response_unicode(iter(chunks), "utf-8")
    assert "".join(str(piece) for piece in decoded) == text


@pytest.mark.parametrize("value", [b"", b"abcdefg", "abcdefg", "é" * 5])
@pytest.mark.parametrize("length", [None, -1, 0, 1, 2, 3, 7, 100])
def test_iter_slices_matches_requests(value: bytes | str, length: int | None) -> None:
    assert list(_decoding.iter_slices(value, length)) == list(
        requests.utils.iter_slices(value, length)
    )


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"hello world",
        "\ufeffbom".encode("utf-8-sig"),
        "Привет, мир! Это проверка кодировки.".encode("cp1251"),
        "Grüße aus München, schöne Straße".encode("latin-1"),
        "こんにちは、世界。文字コードの判定".encode("shift_jis"),
        "plain utf-8 text: café, naïve, 😀".encode(),
        b"\xff\xfe\x00",
    ],
)
def test_apparent_encoding_matches_requests(content: bytes) -> None:
    oracle = requests.Response()
    oracle._content = content
    assert _decoding.apparent_encoding(content) == oracle.apparent_encoding


def test_detection_libraries_are_imported_lazily() -> None:
    code = (
        "import sys\n"
        "import tether._urls, tether._headers, tether._decoding\n"
        "print(sorted(m for m in ('charset_normalizer', 'idna') if m in sys.modules))\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.strip() == "[]"


# --------------------------------------------------------------------------------------
# rechunk
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("chunks", "size", "expected"),
    [
        ([], 3, []),
        ([b""], 3, []),
        ([b"abc"], 3, [b"abc"]),
        ([b"ab"], 3, [b"ab"]),
        ([b"abcdefgh"], 3, [b"abc", b"def", b"gh"]),
        ([b"a", b"b", b"c", b"d"], 3, [b"abc", b"d"]),
        ([b"ab", b"", b"cdefg", b"hi"], 3, [b"abc", b"def", b"ghi"]),
        ([b"abcdef", b"g"], 3, [b"abc", b"def", b"g"]),
        ([b"x" * 10], 1, [b"x"] * 10),
    ],
)
def test_rechunk_table(chunks: list[bytes], size: int, expected: list[bytes]) -> None:
    assert list(_decoding.rechunk(iter(chunks), size)) == expected


def test_rechunk_passes_aligned_chunks_through_without_copying() -> None:
    first, second = b"a" * 4, b"b" * 4
    out = list(_decoding.rechunk(iter([first, second, b"cc", b"dd", first]), 4))
    assert out == [first, second, b"ccdd", first]
    assert out[0] is first
    assert out[1] is second
    assert out[3] is first


@pytest.mark.parametrize("size", [0, -1])
def test_rechunk_rejects_non_positive_sizes(size: int) -> None:
    with pytest.raises(ValueError, match="chunk size must be positive"):
        list(_decoding.rechunk(iter([b"abc"]), size))


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.binary(max_size=40), max_size=12), st.integers(min_value=1, max_value=17))
def test_rechunk_properties(chunks: list[bytes], size: int) -> None:
    out = list(_decoding.rechunk(iter(chunks), size))
    assert b"".join(out) == b"".join(chunks)
    assert all(type(piece) is bytes for piece in out)
    assert all(len(piece) == size for piece in out[:-1])
    if out:
        assert 1 <= len(out[-1]) <= size


def test_rechunk_large_body_in_small_and_odd_chunks() -> None:
    body = bytes(range(256)) * 4096  # 1 MiB
    pieces = [body[i : i + 7] for i in range(0, len(body), 7)]
    out = list(_decoding.rechunk(iter(pieces), 65536))
    assert [len(p) for p in out] == [65536] * 16
    assert b"".join(out) == body


# --------------------------------------------------------------------------------------
# iter_lines
# --------------------------------------------------------------------------------------


class _ChunkedResponse(requests.Response):
    """A requests Response whose iter_content yields the given chunks."""

    def __init__(self, chunks: list[Any]) -> None:
        super().__init__()
        self._chunks = chunks

    def iter_content(self, chunk_size: int | None = 1, decode_unicode: bool = False) -> Any:
        return iter(self._chunks)


def requests_lines(chunks: list[Any], delimiter: Any) -> list[Any]:
    return list(_ChunkedResponse(chunks).iter_lines(delimiter=delimiter))


def tether_lines(chunks: Iterable[Any], delimiter: Any) -> list[Any]:
    return list(_decoding.iter_lines(iter(chunks), delimiter))


def expected_lines(body: Any, delimiter: Any) -> list[Any]:
    """The contract: the lines of the whole body."""
    if not body:
        return []
    return list(body.split(delimiter) if delimiter else body.splitlines())


BYTE_BODIES = [
    b"a",
    b"a\nb\n",
    b"a\nb",
    b"a\r\nb\r\n",
    b"a\rb\r",
    b"\n",
    b"\n\n",
    b"\r\n\r\n",
    b"\r\r\n\n",
    b"a\n\nb",
    b"a,b,",
    b"a,,b",
    b",",
    b",,",
    b"a<|>b<|>",
    b"<|><|>c",
    b"a<|<|>b",
    b"aaa",
    b"aaaa",
    b"a\x0bb\x0cc\x1cd",  # not line breaks for bytes
    b"line one\r\nline two\rline three\nlast",
]
BYTE_DELIMITERS = [None, b"", b",", b"\n", b"\r\n", b"<|>", b"aa"]


def _str_variant(body: bytes) -> str:
    return body.decode("latin-1")


@pytest.mark.parametrize("delimiter", BYTE_DELIMITERS, ids=repr)
@pytest.mark.parametrize("body", BYTE_BODIES, ids=repr)
def test_iter_lines_one_chunk_matches_requests(body: bytes, delimiter: bytes | None) -> None:
    expected = requests_lines([body], delimiter)
    assert tether_lines([body], delimiter) == expected
    assert expected == expected_lines(body, delimiter)
    text = _str_variant(body)
    text_delimiter = None if delimiter is None else delimiter.decode()
    assert tether_lines([text], text_delimiter) == requests_lines([text], text_delimiter)


STR_BODIES = [
    "a\x0bb\x0cc\x1cd\x1de\x1ef",
    "a\x85b\u2028c\u2029d",
    "é\r\nü\rß\n",
    "x\u2028",
]


@pytest.mark.parametrize("body", STR_BODIES, ids=repr)
def test_iter_lines_str_universal_newlines_match_requests(body: str) -> None:
    assert tether_lines([body], None) == requests_lines([body], None) == body.splitlines()


def _splits(body: Any, pieces: int) -> Iterator[list[Any]]:
    for cuts in combinations(range(1, len(body)), pieces - 1):
        bounds = [0, *cuts, len(body)]
        yield [body[a:b] for a, b in pairwise(bounds)]


@pytest.mark.parametrize("delimiter", BYTE_DELIMITERS, ids=repr)
@pytest.mark.parametrize("body", BYTE_BODIES, ids=repr)
def test_iter_lines_every_split_gives_the_same_lines(body: bytes, delimiter: bytes | None) -> None:
    expected = expected_lines(body, delimiter)
    text = _str_variant(body)
    text_delimiter = None if delimiter is None else delimiter.decode()
    text_expected = expected_lines(text, text_delimiter)
    for count in (2, 3):
        for chunks in _splits(body, count):
            assert tether_lines(chunks, delimiter) == expected, chunks
        for text_chunks in _splits(text, count):
            assert tether_lines(text_chunks, text_delimiter) == text_expected, text_chunks


@pytest.mark.parametrize("body", STR_BODIES, ids=repr)
def test_iter_lines_str_every_split(body: str) -> None:
    for count in (2, 3):
        for chunks in _splits(body, count):
            assert tether_lines(chunks, None) == body.splitlines(), chunks


@pytest.mark.parametrize(
    ("chunks", "delimiter", "expected"),
    [
        # psf/requests#3980, #5540: CRLF cut between chunks gives an extra empty line
        ([b"a\r", b"\nb"], None, [b"a", b"b"]),
        ([b"a\r", b"\n", b"\nb"], None, [b"a", b"", b"b"]),
        # psf/requests#4121, #5540: a chunk ending on the delimiter gives an empty line
        ([b"a,", b"b"], b",", [b"a", b"b"]),
        ([b"a\r\n", b"b"], b"\r\n", [b"a", b"b"]),
        ([b"a<|>", b"b<|>"], b"<|>", [b"a", b"b", b""]),
    ],
)
def test_iter_lines_fixes_requests_chunk_boundary_bugs(
    chunks: list[bytes], delimiter: bytes | None, expected: list[bytes]
) -> None:
    assert tether_lines(chunks, delimiter) == expected
    assert requests_lines([b"".join(chunks)], delimiter) == expected
    assert requests_lines(chunks, delimiter) != expected  # the bug this fixes


@pytest.mark.parametrize("delimiter", [None, b","])
def test_iter_lines_empty_body(delimiter: bytes | None) -> None:
    assert tether_lines([], delimiter) == []
    assert tether_lines([b"", b""], delimiter) == []


def test_iter_lines_long_line_in_many_chunks() -> None:
    body = b"x" * 200_000 + b"\r\n" + b"y" * 100_000
    assert tether_lines(iter(body[i : i + 1] for i in range(len(body))), None) == [
        b"x" * 200_000,
        b"y" * 100_000,
    ]
    assert tether_lines((body[i : i + 3] for i in range(0, len(body), 3)), b"\r\n") == [
        b"x" * 200_000,
        b"y" * 100_000,
    ]


def test_iter_lines_is_lazy() -> None:
    def chunks() -> Iterator[bytes]:
        yield b"first\nsec"
        raise AssertionError("read past the first line")

    lines = _decoding.iter_lines(chunks(), None)
    assert next(lines) == b"first"


_BYTE_ALPHABET = st.sampled_from([b"a", b"b", b"\r", b"\n", b",", b"<", b"|", b">"])
_STR_ALPHABET = st.sampled_from(["a", "é", "\r", "\n", "\x85", "\u2028", "\x0b", ",", "<|>"])


def _chunked(body: Any, cuts: list[int]) -> list[Any]:
    bounds = sorted({min(c, len(body)) for c in cuts})
    return [body[a:b] for a, b in pairwise([0, *bounds, len(body)])]


@settings(max_examples=1500, deadline=None)
@given(
    st.lists(_BYTE_ALPHABET, max_size=30).map(b"".join),
    st.lists(st.integers(min_value=0, max_value=30), max_size=8),
    st.sampled_from([None, b",", b"\r\n", b"<|>", b"ab", b"aa", b"\n\n"]),
)
def test_iter_lines_split_invariance_bytes(
    body: bytes, cuts: list[int], delimiter: bytes | None
) -> None:
    chunks = _chunked(body, cuts)
    assert tether_lines(chunks, delimiter) == expected_lines(body, delimiter)
    if body:
        assert tether_lines(chunks, delimiter) == requests_lines([body], delimiter)


@settings(max_examples=1000, deadline=None)
@given(
    st.lists(_STR_ALPHABET, max_size=30).map("".join),
    st.lists(st.integers(min_value=0, max_value=40), max_size=8),
    st.sampled_from([None, ",", "\r\n", "<|>", "é,"]),
)
def test_iter_lines_split_invariance_str(body: str, cuts: list[int], delimiter: str | None) -> None:
    chunks = _chunked(body, cuts)
    assert tether_lines(chunks, delimiter) == expected_lines(body, delimiter)
    if body:
        assert tether_lines(chunks, delimiter) == requests_lines([body], delimiter)


def test_iter_lines_decoded_stream_end_to_end() -> None:
    """Lines of a UTF-8 body whose characters and CRLFs are cut by the network."""
    text = "première ligne\r\nzweite Zeile\r\n第三行\r\n"
    data = text.encode()
    chunks = [data[i : i + 5] for i in range(0, len(data), 5)]
    decoded = _decoding.stream_decode_response_unicode(iter(chunks), "utf-8")
    assert list(_decoding.iter_lines(decoded, None)) == text.splitlines()


@pytest.mark.parametrize(
    ("content_type", "implied"),
    [
        (None, True),
        ("", True),
        ("text/html", True),
        ("application/octet-stream", True),
        ("application/xml; q=1", True),
        ("text/html; charset=utf-8", False),
        ('text/plain; CHARSET="koi8-r"', False),
        ("application/json", False),
        ("application/json; foo=bar", False),
        ("application/vnd.api+json", True),  # requests' JSON rule is for application/json only
    ],
)
def test_charset_is_implied(content_type: str | None, implied: bool) -> None:
    assert _decoding.charset_is_implied(content_type) is implied
