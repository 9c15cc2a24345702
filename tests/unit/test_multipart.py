"""tether._multipart: multipart bodies byte for byte as requests builds them, streamed
multipart bodies with exact lengths and bounded memory, and part-header injection checks.

The boundary is fixed by patching ``urllib3.filepost.choose_boundary``, which both
requests (through urllib3) and tether look up when they build a body, so the two outputs
can be compared byte for byte.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import random
import socket
import threading
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import urllib3
import urllib3.filepost
from requests.models import RequestEncodingMixin

from tether import _body, _multipart
from tether._multipart import StreamingMultipart, encode_files, multipart_body
from tether.exceptions import InvalidHeader, RequestException

Shape = Callable[[Path], tuple[Any, Any]]
BOUNDARY = "9f1c0ffee0ddba11ba5eba11deadbeef"


@pytest.fixture(autouse=True)
def fixed_boundary(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(urllib3.filepost, "choose_boundary", lambda: BOUNDARY)
    return BOUNDARY


@pytest.fixture
def lazy_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stream every measurable file part, however small."""
    monkeypatch.setattr(_multipart, "SMALL_PART_MAX", 0)


def _requests_encode(files: Any, data: Any) -> tuple[bytes, str]:
    body, content_type = RequestEncodingMixin._encode_files(files, data)
    return body, content_type


def _bytesio(content: bytes, name: Any = None, skip: int = 0) -> io.BytesIO:
    buffer = io.BytesIO(content)
    if name is not None:
        buffer.name = name
    buffer.seek(skip)
    return buffer


def _file(tmp: Path, name: str, content: bytes, mode: str = "rb") -> Any:
    path = tmp / name
    if not path.exists():
        path.write_bytes(content)
    return open(path, mode)  # closed by the test's ExitStack-free teardown: small temp files


def _same_object_twice(tmp: Path) -> tuple[Any, Any]:
    shared = _bytesio(b"shared contents", "shared.bin")
    return [("first", shared), ("second", shared)], None


def _unicode_text_file(tmp: Path) -> tuple[Any, Any]:
    return {"t": _file(tmp, "t\u00e9xt.txt", "caf\u00e9 \u2603\n".encode(), "r")}, None


SHAPES: list[tuple[str, Shape]] = [
    ("bytes-value", lambda t: ({"f": b"raw bytes"}, None)),
    ("str-value", lambda t: ({"f": "caf\u00e9"}, None)),
    ("bytearray-value", lambda t: ({"f": bytearray(b"\x00\xff")}, None)),
    ("memoryview-value", lambda t: ({"f": memoryview(b"view")}, None)),
    ("int-value", lambda t: ({"f": 12}, None)),
    ("bytesio-named", lambda t: ({"f": _bytesio(b"abc", "/some/dir/report.csv")}, None)),
    ("bytesio-unnamed", lambda t: ({"f": _bytesio(b"abc")}, None)),
    ("bytesio-stdin-like-name", lambda t: ({"f": _bytesio(b"abc", "<stdin>")}, None)),
    ("bytesio-bytes-name", lambda t: ({"f": _bytesio(b"abc", b"/x/bytes.bin")}, None)),
    ("bytesio-partly-read", lambda t: ({"f": _bytesio(b"0123456789", "p.bin", skip=4)}, None)),
    ("binary-file", lambda t: ({"f": _file(t, "bin.dat", os.urandom(3000))}, None)),
    ("text-file", lambda t: ({"f": _file(t, "plain.txt", b"line 1\nline 2\n", "r")}, None)),
    ("unicode-text-file", _unicode_text_file),
    ("empty-file", lambda t: ({"f": _file(t, "empty.bin", b"")}, None)),
    ("tuple-2", lambda t: ({"f": ("name.txt", b"two")}, None)),
    ("tuple-3", lambda t: ({"f": ("name.json", b"{}", "application/json")}, None)),
    ("tuple-4-headers", lambda t: ({"f": ("n.bin", b"4", "application/x-y", {"X-Extra": "1", "X-Other": "two"})}, None)),
    ("tuple-4-empty-values", lambda t: ({"f": ("n.bin", b"4", None, {"X-Empty": "", "X-Kept": "k"})}, None)),
    ("tuple-4-overrides-dropped", lambda t: ({"f": ("n.bin", b"4", "text/plain", {"Content-Type": "ignored/x", "Content-Location": "/x", "content-type": "kept/lower"})}, None)),
    ("tuple-4-headers-pairs", lambda t: ({"f": ("n.bin", b"4", "text/plain", [("X-A", "a")])}, None)),
    ("tuple-4-header-non-str", lambda t: ({"f": ("n.bin", b"4", "text/plain", {"X-Num": 5})}, None)),
    ("list-spec", lambda t: ({"f": ["listed.txt", b"list"]}, None)),
    ("filename-none", lambda t: ({"f": (None, b"plain field")}, None)),
    ("filename-empty", lambda t: ({"f": ("", b"x")}, None)),
    ("filename-quotes-escaped", lambda t: ({"f": ('say "hi".txt', b"x")}, None)),
    ("filename-unicode", lambda t: ({"f": ("r\u00e9sum\u00e9 \u2603.pdf", b"x")}, None)),
    ("filename-bytes", lambda t: ({"f": (b"b\xc3\xa9.txt", b"x")}, None)),
    ("filename-with-tab", lambda t: ({"f": ("a\tb.txt", b"x")}, None)),
    ("name-unicode", lambda t: ({"cl\u00e9": b"x"}, None)),
    ("name-bytes", lambda t: ({b"bytes-name": b"x"}, None)),
    ("name-quotes", lambda t: ({'n"q': b"x"}, None)),
    ("fileobj-none-skipped", lambda t: ({"skip": ("a.txt", None), "keep": b"k"}, None)),
    ("tuple-with-fileobj", lambda t: ({"f": ("given.bin", _bytesio(b"zz", "other.bin"), "image/png")}, None)),
    ("tuple-with-text-file", lambda t: ({"f": ("given.txt", _file(t, "tf.txt", b"text", "r"))}, None)),
    ("list-of-fields-dupes", lambda t: ([("f", b"1"), ("f", ("two.txt", b"2")), ("g", _bytesio(b"3", "three"))], None)),
    ("same-object-twice", _same_object_twice),
    ("data-dict", lambda t: ({"f": b"x"}, {"a": "1", "b": "2"})),
    ("data-list-values", lambda t: ({"f": b"x"}, {"a": ["1", "2"], "b": ("3",)})),
    ("data-none-values", lambda t: ({"f": b"x"}, {"a": None, "b": [None, "kept"]})),
    ("data-pairs", lambda t: ({"f": b"x"}, [("z", "1"), ("a", "2"), ("z", "3")])),
    ("data-bytes-keys-values", lambda t: ({"f": b"x"}, {b"bk": b"\xff\x00", "sk": b"v"})),
    ("data-non-str-values", lambda t: ({"f": b"x"}, {"i": 1, "fl": 2.5, "b": True, "ba": bytearray(b"q")})),
    ("data-unicode", lambda t: ({"f": b"x"}, {"k\u00e9y": "v\u00e4l \u2603"})),
    ("data-empty-dict", lambda t: ({"f": b"x"}, {})),
    ("data-empty-list", lambda t: ({"f": b"x"}, [])),
    ("data-with-files-and-big-file", lambda t: ({"a": _file(t, "a.bin", os.urandom(70_000)), "b": ("b.txt", b"bee", "text/plain")}, {"k": "v"})),
]  # fmt: skip


def _run(function: Callable[[Any, Any], Any], shape: Shape, tmp: Path) -> Any:
    files, data = shape(tmp)
    try:
        return function(files, data)
    finally:
        _close_all(files)


def _close_all(files: Any) -> None:
    items = files.items() if isinstance(files, dict) else files
    for _, spec in items:
        candidates = spec if isinstance(spec, (tuple, list)) else (spec,)
        for candidate in candidates:
            if isinstance(candidate, io.IOBase):
                candidate.close()


@pytest.mark.parametrize(("case_id", "shape"), SHAPES, ids=[s[0] for s in SHAPES])
def test_encode_files_matches_requests(tmp_path: Path, case_id: str, shape: Shape) -> None:
    expected = _run(_requests_encode, shape, tmp_path)
    assert _run(encode_files, shape, tmp_path) == expected
    assert expected[1] == f"multipart/form-data; boundary={BOUNDARY}"


@pytest.mark.parametrize("lazy", [True, False], ids=["all-lazy", "default-small-parts"])
@pytest.mark.parametrize(("case_id", "shape"), SHAPES, ids=[s[0] for s in SHAPES])
def test_streaming_matches_requests(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, case_id: str, shape: Shape, lazy: bool
) -> None:
    if lazy:
        monkeypatch.setattr(_multipart, "SMALL_PART_MAX", 0)
    expected, content_type = _run(_requests_encode, shape, tmp_path)

    def stream_all(files: Any, data: Any) -> tuple[bytes, int, str, list[bytes]]:
        body = StreamingMultipart(files, data)
        length = len(body)
        first = body.read()
        body.seek(0)
        return first, length, body.content_type, [body.read(size) for size in (1, 7, 4096)]

    got, length, got_type, prefixes = _run(stream_all, shape, tmp_path)
    assert got == expected
    assert length == len(expected)
    assert got_type == content_type
    assert b"".join(prefixes) == expected[: 1 + 7 + 4096]


def test_streaming_is_lazy_for_large_parts(tmp_path: Path) -> None:
    reads: list[int] = []

    class Spy(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            reads.append(-1 if size is None else size)
            return super().read(size)

    content = os.urandom(_multipart.SMALL_PART_MAX * 3)
    spy = Spy(content)
    body = StreamingMultipart({"f": ("big.bin", spy)})
    assert reads == []  # nothing read while preparing
    assert spy.tell() == len(content)  # left at its end, as requests' read() would
    out = b"".join(iter(body))
    assert reads and max(reads) <= _multipart.BLOCK_SIZE
    assert out == _requests_encode({"f": ("big.bin", io.BytesIO(content))}, None)[0]


def test_streaming_reads_return_file_bytes_without_copy() -> None:
    chunk = os.urandom(1000)

    class Handout(io.RawIOBase):
        def __init__(self) -> None:
            self.position = 0
            self.last: bytes | None = None

        def readable(self) -> bool:
            return True

        def seekable(self) -> bool:
            return True

        def tell(self) -> int:
            return self.position

        def seek(self, offset: int, whence: int = 0) -> int:
            self.position = offset if whence == 0 else len(chunk) * 100 + offset
            return self.position

        def read(self, size: int = -1) -> bytes:
            self.last = chunk[: min(size, 1000)]
            self.position += len(self.last)
            return self.last

    source = Handout()
    body = StreamingMultipart({"f": ("x.bin", source)}, boundary="b")
    header = body.read(
        len(b'--b\r\nContent-Disposition: form-data; name="f"; filename="x.bin"\r\n\r\n')
    )
    assert header.endswith(b"\r\n\r\n")
    block = body.read(500)
    assert block is source.last  # the file's own bytes object, not a copy


@pytest.mark.usefixtures("lazy_parts")
def test_seek_and_read_anywhere_matches_slices(tmp_path: Path) -> None:
    def files() -> tuple[Any, Any]:
        return (
            [
                ("a", _file(tmp_path, "a.bin", os.urandom(5000))),
                ("b", ("b.txt", b"bee" * 100, "text/plain", {"X-K": "v"})),
                ("c", _file(tmp_path, "c.bin", os.urandom(7000))),
            ],
            {"field": "value"},
        )

    spec, data = files()
    expected, _ = _requests_encode(spec, data)
    _close_all(spec)
    spec, data = files()
    body = StreamingMultipart(spec, data)
    rng = random.Random(1234)
    for _ in range(300):
        start = rng.randrange(0, len(expected) + 10)
        size = rng.choice([0, 1, 3, 100, 4096, 9000, -1])
        assert body.seek(start) == start
        assert body.tell() == start
        end = len(expected) if size < 0 else start + size
        assert body.read(size) == expected[start:end]
        assert body.tell() == max(start, min(end, len(expected)))
    assert body.seek(-10, 2) == len(expected) - 10
    assert body.read() == expected[-10:]
    body.seek(100)
    assert body.seek(50, 1) == 150
    assert body.read(5) == expected[150:155]
    assert body.seek(0) == 0
    assert b"".join(body) == expected
    _close_all(spec)


@pytest.mark.parametrize(("offset", "whence"), [(-1, 0), (-5, 1), (-10_000, 2), (0, 3)])
def test_seek_rejects_bad_arguments(offset: int, whence: int) -> None:
    body = StreamingMultipart({"f": b"x"})
    with pytest.raises(ValueError):
        body.seek(offset, whence)
    assert body.tell() == 0


@pytest.mark.usefixtures("lazy_parts")
def test_seek_zero_replays_identical_bytes_after_file_moved(tmp_path: Path) -> None:
    with open(tmp_path / "m.bin", "wb") as out:
        out.write(os.urandom(10_000))
    with open(tmp_path / "m.bin", "rb") as theirs:
        expected, _ = _requests_encode({"f": theirs, "g": ("g", theirs)}, None)
    with open(tmp_path / "m.bin", "rb") as handle:
        body = StreamingMultipart({"f": handle, "g": ("g", handle)})
        first = body.read()
        handle.seek(1234)  # someone else moves the file between attempts
        body.seek(0)
        assert body.read() == first == expected


def test_iteration_yields_bounded_blocks() -> None:
    body = StreamingMultipart({"f": ("x", io.BytesIO(os.urandom(300_000)))})
    blocks = list(body)
    assert all(0 < len(block) <= _multipart.BLOCK_SIZE for block in blocks)
    assert sum(map(len, blocks)) == len(body)
    assert list(body) == []  # iteration continues from the current position
    body.seek(0)
    assert b"".join(body) == b"".join(blocks)


def test_file_like_surface() -> None:
    body = StreamingMultipart({"f": b"x"}, {"k": "v"}, boundary="explicit")
    assert body.readable() and body.seekable()
    assert body.content_type == "multipart/form-data; boundary=explicit"
    assert body.boundary == "explicit"
    assert body.read().endswith(b"\r\n--explicit--\r\n")
    assert body.read() == b"" and body.read(10) == b""
    assert repr(body).startswith("<StreamingMultipart [")
    assert _body.super_len(body) == 0
    body.seek(5)
    assert _body.super_len(body) == len(body) - 5
    assert body.read(0) == b"" and body.tell() == 5
    rest = body.read(None)
    assert len(rest) == len(body) - 5 and body.tell() == len(body)


@pytest.mark.usefixtures("lazy_parts")
def test_non_seekable_part_is_read_when_prepared(tmp_path: Path) -> None:
    def pipe(content: bytes) -> Any:
        read_fd, write_fd = os.pipe()
        os.write(write_fd, content)
        os.close(write_fd)
        return os.fdopen(read_fd, "rb")

    def files() -> dict[str, Any]:
        return {"pipe": pipe(b"from a pipe"), "file": _file(tmp_path, "f.bin", b"f" * 1000)}

    theirs = files()
    expected, _ = _requests_encode(theirs, None)
    _close_all(theirs)
    ours = files()
    body = StreamingMultipart(ours)
    assert ours["pipe"].read() == b""  # consumed while preparing, as requests does
    assert len(body) == len(expected)
    assert body.read() == expected
    body.seek(0)
    assert body.read() == expected  # the pipe's bytes were kept
    _close_all(ours)


@pytest.mark.usefixtures("lazy_parts")
def test_file_that_shrank_raises_instead_of_sending_short_body(tmp_path: Path) -> None:
    path = tmp_path / "shrinks.bin"
    path.write_bytes(b"s" * 10_000)
    with open(path, "rb") as handle:
        body = StreamingMultipart({"f": handle})
        path.write_bytes(b"s" * 100)
        with pytest.raises(OSError, match="ended after"):
            body.read()


@pytest.mark.usefixtures("lazy_parts")
def test_file_that_grew_sends_the_measured_bytes(tmp_path: Path) -> None:
    path = tmp_path / "grows.bin"
    path.write_bytes(b"g" * 1000)
    with open(path, "rb") as handle:
        body = StreamingMultipart({"f": handle})
        length = len(body)
        with open(path, "ab") as appender:
            appender.write(b"more" * 100)
        out = body.read()
    assert len(out) == length
    assert b"more" not in out


def test_part_returning_text_despite_binary_mode_raises() -> None:
    class Liar:
        """Claims a binary mode, but its read() answers text."""

        mode = "rb"

        def __init__(self, text: str) -> None:
            self._text = io.StringIO(text)
            self.read = self._text.read
            self.seek = self._text.seek
            self.tell = self._text.tell

    liar = Liar("x" * 200_000)
    body = StreamingMultipart({"f": ("f", liar)})
    assert liar.tell() == 200_000  # measured as a streamable binary file
    with pytest.raises(TypeError, match="not bytes"):
        body.read()


# -- choosing streaming ----------------------------------------------------------------------


def test_stream_threshold_is_one_mebibyte() -> None:
    assert _multipart.STREAM_THRESHOLD == 1024 * 1024


@pytest.mark.parametrize(
    ("size", "stream", "streamed"),
    [
        (_multipart.STREAM_THRESHOLD - 1, None, False),
        (_multipart.STREAM_THRESHOLD, None, True),
        (_multipart.STREAM_THRESHOLD * 2, False, False),
        (10, True, True),
    ],
    ids=["auto-below", "auto-at-threshold", "forced-off", "forced-on"],
)
def test_multipart_body_chooses_streaming(size: int, stream: bool | None, streamed: bool) -> None:
    content = b"z" * size
    expected, content_type = _requests_encode({"f": io.BytesIO(content)}, {"k": "v"})
    body, got_type = multipart_body({"f": io.BytesIO(content)}, {"k": "v"}, stream=stream)
    assert got_type == content_type
    assert isinstance(body, StreamingMultipart) is streamed
    if isinstance(body, StreamingMultipart):
        assert len(body) == len(expected)
        assert body.read() == expected
    else:
        assert body == expected


def test_auto_mode_counts_only_streamable_parts() -> None:
    big_text = io.StringIO("t" * (_multipart.STREAM_THRESHOLD + 10))
    body, _ = multipart_body({"f": ("t.txt", big_text)}, None)
    assert isinstance(body, bytes)


def test_auto_mode_leaves_files_in_place_when_not_streaming() -> None:
    small = io.BytesIO(b"0123456789")
    small.seek(3)
    body, _ = multipart_body({"f": small}, None)
    assert isinstance(body, bytes) and b"3456789\r\n" in body
    assert small.tell() == 10


# -- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("files", "data"),
    [
        (None, None),
        ({}, {"k": "v"}),
        ([], None),
        ({"f": b"x"}, "a=b"),
        ({"f": b"x"}, b"a=b"),
        ("not-pairs", None),
        ({"f": ("only-one",)}, None),
        ({"f": ("a", b"b", "c", {}, "e")}, None),
        ({"f": b"x"}, 5),
        ({"f": (1, b"x")}, None),
        ({"f": ("a.bin", [1, 2])}, None),
        ({"f": ("a.bin", "\udcff")}, None),
    ],
    ids=[
        "no-files", "empty-files", "empty-list", "str-data", "bytes-data", "str-files",
        "one-tuple", "five-tuple", "int-data", "int-filename", "list-value", "lone-surrogate",
    ],
)  # fmt: skip
@pytest.mark.parametrize("stream", [None, True, False], ids=["auto", "streamed", "in-memory"])
def test_errors_match_requests(files: Any, data: Any, stream: bool | None) -> None:
    with pytest.raises(Exception) as theirs:
        _requests_encode(files, data)
    with pytest.raises(type(theirs.value)) as ours:
        multipart_body(files, data, stream=stream)
    assert str(ours.value) == str(theirs.value)


INJECTIONS: list[tuple[str, Any, Any]] = [
    ("name-crlf", {"a\r\nX-Injected: 1": b"x"}, None),
    ("name-lf-bytes", {b"a\nb": b"x"}, None),
    ("name-nul", {"a\x00b": b"x"}, None),
    ("data-name-crlf", {"f": b"x"}, {"k\r\nX-Injected: 1": "v"}),
    ("data-name-bytes-cr", {"f": b"x"}, {b"k\rv": "v"}),
    ("filename-crlf", {"f": ('a"\r\nb.txt', b"data")}, None),
    ("filename-bytes-lf", {"f": (b"a\nb.txt", b"data")}, None),
    ("guessed-filename-crlf", {"f": _bytesio(b"x", "/tmp/evil\r\nname.txt")}, None),
    ("content-type-crlf", {"f": ("a.txt", b"d", "text/plain\r\nX-Injected: 1")}, None),
    ("content-type-lf", {"f": ("a.txt", b"d", "text/plain\nX-Injected: 1")}, None),
    ("content-type-del", {"f": ("a.txt", b"d", "text/plain\x7f")}, None),
    ("header-value-crlf", {"f": ("a", b"d", None, {"X-H": "v\r\nX-Injected2: 2"})}, None),
    ("header-value-cr", {"f": ("a", b"d", None, {"X-H": "v\rX"})}, None),
    ("header-value-vt", {"f": ("a", b"d", None, {"X-H": "v\x0bX"})}, None),
    ("header-name-crlf", {"f": ("a", b"d", None, {"X-H\r\nX-Injected": "v"})}, None),
    ("header-name-colon", {"f": ("a", b"d", None, {"X-H: y": "v"})}, None),
    ("header-name-leading-space", {"f": ("a", b"d", None, {" X-Fold": "v"})}, None),
    ("header-name-empty", {"f": ("a", b"d", None, {"": "v"})}, None),
    ("second-part-bad", [("ok", b"fine"), ("f", ("a", b"d", "t/p\r\n"))], None),
]


@pytest.mark.parametrize(("case_id", "files", "data"), INJECTIONS, ids=[i[0] for i in INJECTIONS])
@pytest.mark.parametrize("stream", [None, True, False], ids=["auto", "streamed", "in-memory"])
def test_part_header_injection_is_rejected(
    case_id: str, files: Any, data: Any, stream: bool | None
) -> None:
    if isinstance(files, dict):
        for spec in files.values():
            if isinstance(spec, io.BytesIO):
                spec.seek(0)
    with pytest.raises(InvalidHeader) as info:
        multipart_body(files, data, stream=stream)
    assert isinstance(info.value, RequestException)
    assert issubclass(InvalidHeader, ValueError)
    assert str(info.value).startswith("Invalid multipart ")


def test_injection_is_rejected_before_any_file_is_read() -> None:
    first = io.BytesIO(b"first file")
    with pytest.raises(InvalidHeader):
        encode_files([("a", first), ("b", ("b.txt", b"x", "text/plain\r\nX: 1"))], None)
    assert first.tell() == 0
    with pytest.raises(InvalidHeader):
        StreamingMultipart([("a", first), ("b", ("b.txt", b"x", None, {"X": "\n"}))])
    assert first.tell() == 0


def test_requests_writes_the_injection_tether_rejects() -> None:
    # Case 36 baseline: requests (through urllib3) escapes the filename but writes the
    # part Content-Type and custom header values verbatim.
    files = {
        "f": ('a"\r\nb.txt', b"data", "text/plain\r\nX-Injected: 1", {"X-H": "v\r\nX-Injected2: 2"})
    }
    body, _ = _requests_encode(files, None)
    assert b'filename="a%22%0D%0Ab.txt"' in body
    assert b"\r\nX-Injected: 1\r\n" in body and b"\r\nX-Injected2: 2\r\n" in body
    with pytest.raises(InvalidHeader):
        encode_files(files, None)


@pytest.mark.parametrize(
    "files",
    [
        {"f": ("a\tb.txt", b"d", "text/plain; charset=utf-8", {"X-Tab": "a\tb"})},
        {"f": ("a.txt", b"line1\r\nline2\x00", "text/plain")},
        {"f": ("a.txt", b"d", "text/plain", {"Content-Type": "overwritten\r\nX: 1"})},
        {"f": ("a.txt", b"d", "text/plain", {"X-Empty-Skipped\r\n": ""})},
        {"f": ("a.txt", b"d", "", {"X-Bytes": b"v\r\n"})},
    ],
    ids=[
        "tabs",
        "control-chars-in-content",
        "overwritten-header",
        "unrendered-empty",
        "bytes-repr",
    ],
)
def test_values_urllib3_never_writes_raw_are_accepted(files: dict[str, Any]) -> None:
    # Control characters only matter where they are written into a header line; these
    # are inside the part content, replaced by make_multipart(), skipped because empty,
    # or rendered as a repr (which escapes them).
    assert encode_files(files, {"k": "v"}) == _requests_encode(files, {"k": "v"})


# -- guess_filename ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("/a/b/c.txt", "c.txt"),
        ("c.txt", "c.txt"),
        ("<stdin>", None),
        ("<partial", None),
        ("partial>", None),
        ("a<b>c", "a<b>c"),
        ("", None),
        (b"/x/y.bin", b"y.bin"),
        (b"<bytes>", b"<bytes>"),
        (3, None),
        (None, None),
    ],
)
def test_guess_filename(name: Any, expected: Any) -> None:
    import requests.utils

    holder = type("Holder", (), {"name": name})()
    assert _multipart.guess_filename(holder) == expected == requests.utils.guess_filename(holder)
    assert _multipart.guess_filename(object()) is None


# -- memory --------------------------------------------------------------------------------------


def test_streaming_a_200_mib_file_stays_under_16_mib(tmp_path: Path) -> None:
    size = 200 * 1024 * 1024
    path = tmp_path / "sparse.bin"
    with open(path, "wb") as handle:
        handle.truncate(size)
    with open(path, "rb") as handle:
        tracemalloc.start()
        try:
            body = StreamingMultipart({"upload": handle}, {"k": "v"})
            total = 0
            tail = b""
            while True:
                block = body.read(65536)
                if not block:
                    break
                total += len(block)
                tail = block
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert total == len(body) > size
    assert tail.endswith(f"--{BOUNDARY}--\r\n".encode())
    assert peak < 16 * 1024 * 1024, f"peak {peak} bytes"


# -- a real upload through urllib3 ---------------------------------------------------------------


class _CountingServer:
    """A loopback HTTP/1.1 server that reads each request body (by Content-Length) into a
    hash, and answers with what it saw as JSON. Keep-alive, one connection at a time."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.05)
        self.port: int = self.sock.getsockname()[1]
        self.stopping = threading.Event()
        self.errors: list[BaseException] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        try:
            while not self.stopping.is_set():
                try:
                    conn, _ = self.sock.accept()
                except TimeoutError:
                    continue
                conn.settimeout(10)
                with conn:
                    reader = conn.makefile("rb")
                    while self._answer(reader, conn):
                        pass
        except BaseException as exc:  # surfaced by close()
            self.errors.append(exc)

    def _answer(self, reader: Any, conn: socket.socket) -> bool:
        request_line = reader.readline()
        if not request_line:
            return False
        headers: dict[str, str] = {}
        while True:
            line = reader.readline().decode("latin-1").rstrip("\r\n")
            if not line:
                break
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        length = int(headers["content-length"])
        digest = hashlib.sha256()
        received = 0
        while received < length:
            chunk = reader.read(min(1 << 16, length - received))
            if not chunk:
                break
            digest.update(chunk)
            received += len(chunk)
        report = json.dumps(
            {
                "content_length": length,
                "received": received,
                "sha256": digest.hexdigest(),
                "content_type": headers.get("content-type"),
                "transfer_encoding": headers.get("transfer-encoding"),
            }
        ).encode()
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(report), report))
        return True

    def close(self) -> None:
        self.stopping.set()
        self.thread.join(5)
        self.sock.close()
        assert not self.errors, self.errors


@pytest.fixture
def counting_server() -> Iterator[_CountingServer]:
    server = _CountingServer()
    yield server
    server.close()


def test_upload_through_urllib3_reads_blocks_and_sends_exact_length(
    tmp_path: Path, counting_server: _CountingServer
) -> None:
    content = os.urandom(3 * 1024 * 1024 + 17)
    path = tmp_path / "upload.bin"
    path.write_bytes(content)
    with open(path, "rb") as theirs:
        expected, content_type = _requests_encode({"file": theirs}, {"field": "value"})

    read_sizes: list[int] = []

    class Recording(StreamingMultipart):
        def read(self, size: int | None = -1) -> bytes:
            read_sizes.append(-1 if size is None else size)
            return super().read(size)

    url = f"http://127.0.0.1:{counting_server.port}/upload"
    with open(path, "rb") as handle, urllib3.PoolManager() as pool:
        body = Recording({"file": handle}, {"field": "value"})
        plan_length = _body.super_len(body)
        assert plan_length == len(expected)
        headers = {"Content-Type": body.content_type, "Content-Length": str(plan_length)}
        for attempt in range(2):  # the second attempt is a 307/308 or Digest resend
            if attempt:
                body.seek(0)
                read_sizes.clear()
            response = pool.request("POST", url, body=body, headers=headers, redirect=False)
            report = json.loads(response.data)
            assert response.status == 200
            assert report == {
                "content_length": len(expected),
                "received": len(expected),
                "sha256": hashlib.sha256(expected).hexdigest(),
                "content_type": content_type,
                "transfer_encoding": None,
            }
            # urllib3 pulls a file-like body with read(blocksize) until it returns b"".
            assert set(read_sizes) == {16384}
            assert len(read_sizes) == -(-len(expected) // 16384) + 1
