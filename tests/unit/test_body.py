"""tether._body: super_len, form encoding, prepare_body decisions and body rewinding.

Most tests are differential: the same input goes through requests 2.34 (the oracle) and
through tether, and the observable results must agree. Inputs are built by factories so
each library gets fresh objects (file positions and generators are consumed).
"""

from __future__ import annotations

import io
import json
import math
import os
import socket
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import requests
import requests.utils
import urllib3.filepost
from requests.models import PreparedRequest as RequestsPreparedRequest
from requests.models import RequestEncodingMixin

from tether import _body, _multipart
from tether.exceptions import (
    FileModeWarning,
    InvalidJSONError,
    RequestException,
    UnrewindableBodyError,
)

Factory = Callable[[], Any]


@pytest.fixture
def fixed_boundary(monkeypatch: pytest.MonkeyPatch) -> str:
    boundary = "b0undary5f1x3d"
    monkeypatch.setattr(urllib3.filepost, "choose_boundary", lambda: boundary)
    return boundary


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    path = tmp_path / "data.bin"
    path.write_bytes(b"0123456789" * 10)
    return path


# -- helper objects ----------------------------------------------------------------------


class WithLenAttr:
    len = 7


class WithLenAttrAndTell:
    len = 7

    def tell(self) -> int:
        return 3


class TellFailsWithLen:
    def __len__(self) -> int:
        return 10

    def tell(self) -> int:
        raise OSError("no position")


class TellFails:
    def tell(self) -> int:
        raise OSError("no position")

    def seek(self, offset: int, whence: int = 0) -> int:
        raise AssertionError("must not seek after tell failed")


class SeekFails:
    def tell(self) -> int:
        return 0

    def seek(self, offset: int, whence: int = 0) -> int:
        raise OSError("not seekable")


class FilenoAttributeError:
    """Like tarfile.extractfile() objects (requests #5229): fileno raises AttributeError."""

    def __init__(self) -> None:
        self._buffer = io.BytesIO(b"tarmember")

    def fileno(self) -> int:
        raise AttributeError("no fileno")

    def tell(self) -> int:
        return self._buffer.tell()

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._buffer.seek(offset, whence)


class CustomIterable:
    def __iter__(self) -> Iterator[bytes]:
        yield b"a"
        yield b"b"


class ReadOnly:
    """File-like with ``read`` but no ``__iter__``: not a stream, passed through."""

    def read(self, size: int = -1) -> bytes:
        return b"readonly"


def _partially_read(data: bytes, skip: int) -> io.BytesIO:
    buffer = io.BytesIO(data)
    buffer.read(skip)
    return buffer


def _generator() -> Iterator[bytes]:
    yield b"chunk"


# -- super_len -----------------------------------------------------------------------------


def _super_len_cases(data_file: Path) -> list[tuple[str, Factory]]:
    def opened(skip: int = 0) -> Factory:
        def make() -> Any:
            handle = data_file.open("rb")
            handle.seek(skip)
            return handle

        return make

    return [
        ("empty-bytes", lambda: b""),
        ("bytes", lambda: b"abc"),
        ("ascii-str", lambda: "abc"),
        ("non-ascii-str-counts-utf8", lambda: "h\u00e9llo \u2603"),
        ("bytearray", lambda: bytearray(b"abcd")),
        ("list", lambda: [1, 2, 3]),
        ("dict", lambda: {"a": 1}),
        ("bytesio", lambda: io.BytesIO(b"abcdef")),
        ("bytesio-partly-read", lambda: _partially_read(b"abcdef", 2)),
        ("bytesio-past-end", lambda: _partially_read(b"abc", 10)),
        ("stringio", lambda: io.StringIO("h\u00e9llo")),
        ("len-attribute", WithLenAttr),
        ("len-attribute-minus-tell", WithLenAttrAndTell),
        ("tell-fails-with-len", TellFailsWithLen),
        ("tell-fails", TellFails),
        ("seek-fails", SeekFails),
        ("fileno-attribute-error", FilenoAttributeError),
        ("binary-file", opened()),
        ("binary-file-at-30", opened(30)),
        ("binary-file-past-end", opened(500)),
        ("generator", _generator),
        ("int", lambda: 5),
        ("none", lambda: None),
    ]


def test_super_len_matches_requests(data_file: Path) -> None:
    for case_id, make in _super_len_cases(data_file):
        theirs_obj, ours_obj = make(), make()
        expected = requests.utils.super_len(theirs_obj)
        got = _body.super_len(ours_obj)
        assert got == expected, case_id
        # super_len must leave a stream where it found it.
        if hasattr(theirs_obj, "tell") and isinstance(theirs_obj, io.IOBase):
            assert ours_obj.tell() == theirs_obj.tell(), case_id
        for obj in (theirs_obj, ours_obj):
            if isinstance(obj, io.IOBase):
                obj.close()


@pytest.mark.parametrize(
    ("value", "expected"),
    [(b"abc", 3), ("\u2603", 3), (io.BytesIO(b"12345"), 5), (WithLenAttr(), 7), (object(), 0)],
    ids=["bytes", "snowman", "bytesio", "len-attr", "object"],
)
def test_super_len_values(value: Any, expected: int) -> None:
    assert _body.super_len(value) == expected


def test_super_len_text_mode_file_warns_like_requests(data_file: Path) -> None:
    with data_file.open("r") as theirs, data_file.open("r") as ours:
        with pytest.warns(requests.exceptions.FileModeWarning):
            expected = requests.utils.super_len(theirs)
        with pytest.warns(FileModeWarning, match="opened in text mode") as record:
            got = _body.super_len(ours)
    assert got == expected == 100
    assert len(record) == 1


@pytest.mark.parametrize("mode", ["rb", "r+b", "wb"])
def test_super_len_binary_file_does_not_warn(tmp_path: Path, mode: str) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"xyz")
    with open(path, mode) as handle, warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _body.super_len(handle) == (0 if mode == "wb" else 3)


def test_super_len_pipe_whose_tell_fails() -> None:
    read_fd, write_fd = os.pipe()
    os.write(write_fd, b"piped data")
    os.close(write_fd)
    with os.fdopen(read_fd, "rb", buffering=0) as pipe:
        assert requests.utils.super_len(pipe) == 0
        assert _body.super_len(pipe) == 0
        assert pipe.read() == b"piped data"


def test_super_len_socket_without_mode_is_unknown_not_an_error() -> None:
    # Deliberate deviation: requests reads ``o.mode`` after fstat and raises
    # AttributeError for a socket; tether reports an unknown length (0).
    with socket.socket() as sock:
        with pytest.raises(AttributeError):
            requests.utils.super_len(sock)
        assert _body.super_len(sock) == 0


def test_super_len_non_string_mode_is_unknown(data_file: Path) -> None:
    class IntMode:
        """A real descriptor whose ``mode`` is an int, as GzipFile's is on Python 3.11."""

        mode = 1

        def __init__(self, raw: io.FileIO) -> None:
            self.fileno = raw.fileno
            self.tell = raw.tell
            self.seek = raw.seek

    with data_file.open("rb", buffering=0) as raw:
        with pytest.raises(TypeError):
            requests.utils.super_len(IntMode(raw))
        assert _body.super_len(IntMode(raw)) == 0
        assert raw.tell() == 0


def test_super_len_closed_file_raises_like_requests(data_file: Path) -> None:
    handle = data_file.open("rb")
    handle.close()
    with pytest.raises(ValueError):
        requests.utils.super_len(handle)
    with pytest.raises(ValueError):
        _body.super_len(handle)


# -- to_key_val_list / encode_params ---------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [None, {"a": 1}, [("a", 1), ("b", 2)], (("a", 1),), "string", b"bytes", True, 3, 2.5, [1]],
    ids=[
        "none",
        "dict",
        "pairs",
        "tuple-pairs",
        "str",
        "bytes",
        "bool",
        "int",
        "float",
        "bad-list",
    ],
)
def test_to_key_val_list_matches_requests(value: Any) -> None:
    def run(function: Callable[[Any], Any]) -> tuple[str, Any]:
        try:
            return "ok", function(value)
        except Exception as exc:
            return type(exc).__name__, str(exc)

    assert run(_body.to_key_val_list) == run(requests.utils.to_key_val_list)


def test_to_key_val_list_consumes_an_iterator_once() -> None:
    pairs = iter([("a", "1"), ("b", "2")])
    assert _body.to_key_val_list(pairs) == [("a", "1"), ("b", "2")]


ENCODE_PARAMS_CASES: list[tuple[str, Factory]] = [
    ("dict", lambda: {"a": "1", "b": "two words"}),
    ("pairs-keep-order", lambda: [("z", "1"), ("a", "2"), ("z", "3")]),
    ("list-values-doseq", lambda: {"a": ["1", "2"], "b": ("x", "y")}),
    ("none-values-skipped", lambda: {"a": None, "b": [None, "2"], "c": "3"}),
    ("bytes-keys-values", lambda: {b"k": b"v\xff", "s": b"\x00"}),
    ("unicode", lambda: {"cl\u00e9": "\u2603 v\u00e4lue"}),
    ("int-float-bool", lambda: {"i": 1, "f": 2.5, "b": True}),
    ("reserved-chars", lambda: {"a&b=c": "d/e?f#g+h %"}),
    ("set-value", lambda: {"a": {"only"}}),
    ("dict-value-iterates-keys", lambda: {"a": {"k1": 1, "k2": 2}}),
    ("empty-dict", dict),
    ("empty-list", list),
    ("generator-of-pairs", lambda: (pair for pair in [("g", "1")])),
    ("str-passthrough", lambda: "a=1&b=2"),
    ("bytes-passthrough", lambda: b"raw=\xff"),
    ("int-passthrough", lambda: 42),
]


@pytest.mark.parametrize(
    ("case_id", "make"), ENCODE_PARAMS_CASES, ids=[c[0] for c in ENCODE_PARAMS_CASES]
)
def test_encode_params_matches_requests(case_id: str, make: Factory) -> None:
    assert _body.encode_params(make()) == RequestEncodingMixin._encode_params(make())


def test_encode_params_passes_file_like_through() -> None:
    for obj in (io.BytesIO(b"x"), ReadOnly()):
        assert _body.encode_params(obj) is obj


@pytest.mark.parametrize(
    "value",
    [[("a", 1)], {"a": 1}, 5, None],
    ids=["pairs", "dict", "int", "none"],
)
def test_encode_params_rejects_bad_pairs_like_requests(value: Any) -> None:
    bad = [value, "not-a-pair"] if value is not None else ["xy", "zzz"]

    def run(function: Callable[[Any], Any]) -> tuple[str, str]:
        try:
            return "ok", repr(function(bad))
        except Exception as exc:
            return type(exc).__name__, str(exc)

    assert run(_body.encode_params) == run(RequestEncodingMixin._encode_params)


# -- is_stream / body_position ------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda: b"x", False),
        (lambda: "x", False),
        (lambda: [("a", "b")], False),
        (lambda: (("a", "b"),), False),
        (lambda: {"a": "b"}, False),
        (lambda: requests.structures.CaseInsensitiveDict(a="b"), False),
        (lambda: None, False),
        (lambda: 5, False),
        (ReadOnly, False),
        (lambda: io.BytesIO(b"x"), True),
        (_generator, True),
        (lambda: iter([b"x"]), True),
        (lambda: bytearray(b"x"), True),
        (lambda: {b"x"}, True),
        (CustomIterable, True),
    ],
    ids=[
        "bytes", "str", "list", "tuple", "dict", "mapping", "none", "int", "read-only",
        "bytesio", "generator", "iterator", "bytearray", "set", "custom-iterable",
    ],
)  # fmt: skip
def test_is_stream(make: Factory, expected: bool) -> None:
    assert _body.is_stream(make()) is expected


def test_is_stream_sees_proxied_iter() -> None:
    class Proxy:
        def __init__(self, target: Any) -> None:
            self._target = target

        def __getattr__(self, name: str) -> Any:
            return getattr(self._target, name)

    proxy = Proxy([b"a"])
    assert hasattr(proxy, "__iter__")
    assert _body.is_stream(proxy) is True


def test_body_position() -> None:
    assert _body.body_position(_generator()) is None
    buffer = io.BytesIO(b"abcdef")
    buffer.read(4)
    assert _body.body_position(buffer) == 4
    failed = _body.body_position(TellFails())
    assert failed is not None and not isinstance(failed, int)
    assert _body.body_position(TellFails()) is not failed  # a fresh sentinel each time


# -- prepare_body (differential through a PreparedRequest-like wiring) ------------------------


def _apply_plan(plan: _body.BodyPlan, method: str) -> tuple[Any, dict[str, str], Any]:
    """Turn a BodyPlan into (body, headers, _body_position) the way PreparedRequest does."""
    headers: dict[str, str] = {}
    if plan.is_stream:
        assert plan.content_type is None
        if plan.length:
            assert not plan.chunked
            headers["Content-Length"] = str(plan.length)
        else:
            assert plan.chunked and plan.length is None
            headers["Transfer-Encoding"] = "chunked"
    else:
        assert plan.length is None and not plan.chunked
        if plan.body is not None:
            length = _body.super_len(plan.body)
            if length:
                headers["Content-Length"] = str(length)
        elif method not in ("GET", "HEAD"):
            headers["Content-Length"] = "0"
    if plan.content_type:
        headers["Content-Type"] = plan.content_type
    return plan.body, headers, plan.position


def _requests_prepare(
    method: str, data: Any, files: Any, json_value: Any
) -> tuple[Any, dict[str, str], Any]:
    prepared = RequestsPreparedRequest()
    prepared.method = method
    prepared.headers = requests.structures.CaseInsensitiveDict()
    prepared.prepare_body(data, files, json_value)
    headers = {str(name): str(value) for name, value in prepared.headers.items()}
    return prepared.body, headers, prepared._body_position


def _position_kind(position: Any) -> Any:
    if position is None or isinstance(position, int):
        return position
    return "sentinel"


PREPARE_CASES: list[tuple[str, str, Factory, Factory, Any]] = [
    # (id, method, data factory, files factory, json)
    ("nothing-post", "POST", lambda: None, lambda: None, None),
    ("nothing-get", "GET", lambda: None, lambda: None, None),
    ("nothing-head", "HEAD", lambda: None, lambda: None, None),
    ("empty-dict-post", "POST", dict, lambda: None, None),
    ("empty-str-put", "PUT", lambda: "", lambda: None, None),
    ("json-dict", "POST", lambda: None, lambda: None, {"a": [1, 2.5, None, True]}),
    ("json-unicode-escaped", "POST", lambda: None, lambda: None, {"k": "caf\u00e9 \u2603"}),
    ("json-list", "POST", lambda: None, lambda: None, [1, "two"]),
    ("json-scalar-zero", "POST", lambda: None, lambda: None, 0),
    ("json-empty-string", "GET", lambda: None, lambda: None, ""),
    ("json-ignored-when-data", "POST", lambda: {"a": "1"}, lambda: None, {"j": 1}),
    ("json-used-when-data-empty", "POST", dict, lambda: None, {"j": 1}),
    ("json-used-when-data-empty-bytes", "POST", lambda: b"", lambda: None, {"j": 1}),
    ("form-dict", "POST", lambda: {"a": "1", "b": ["2", "3"]}, lambda: None, None),
    ("form-pairs", "PATCH", lambda: [("b", "1"), ("a", "2")], lambda: None, None),
    ("str-body", "POST", lambda: "caf\u00e9", lambda: None, None),
    ("bytes-body", "POST", lambda: b"\x00\x01", lambda: None, None),
    ("bytesio-stream", "POST", lambda: io.BytesIO(b"abc"), lambda: None, None),
    ("bytesio-partly-read", "POST", lambda: _partially_read(b"abcdef", 2), lambda: None, None),
    ("empty-bytesio-is-chunked", "POST", lambda: io.BytesIO(b""), lambda: None, None),
    ("stringio-stream", "POST", lambda: io.StringIO("abc"), lambda: None, None),
    ("generator-chunked", "POST", _generator, lambda: None, None),
    ("iterator-chunked", "POST", lambda: iter([b"a", b"b"]), lambda: None, None),
    ("bytearray-stream", "POST", lambda: bytearray(b"abcd"), lambda: None, None),
    ("custom-iterable", "POST", CustomIterable, lambda: None, None),
    ("tell-fails-stream", "POST", lambda: _TellFailsIterable(), lambda: None, None),
    ("stream-beats-json", "POST", _generator, lambda: None, {"j": 1}),
    ("read-only-object", "POST", ReadOnly, lambda: None, None),
    ("int-data", "POST", lambda: 5, lambda: None, None),
    ("files-only", "POST", lambda: None, lambda: {"f": ("a.txt", b"content")}, None),
    ("files-and-data", "POST", lambda: {"k": "v"}, lambda: {"f": io.BytesIO(b"x")}, None),
    ("files-beat-json", "POST", lambda: None, lambda: {"f": b"x"}, {"j": 1}),
    ("empty-files-dict", "POST", lambda: {"k": "v"}, dict, None),
]


class _TellFailsIterable:
    def __iter__(self) -> Iterator[bytes]:
        yield b"x"

    def tell(self) -> int:
        raise OSError("unseekable")


@pytest.mark.parametrize(
    ("case_id", "method", "make_data", "make_files", "json_value"),
    PREPARE_CASES,
    ids=[c[0] for c in PREPARE_CASES],
)
def test_prepare_body_matches_requests(
    fixed_boundary: str,
    case_id: str,
    method: str,
    make_data: Factory,
    make_files: Factory,
    json_value: Any,
) -> None:
    theirs_body, theirs_headers, theirs_position = _requests_prepare(
        method, make_data(), make_files(), json_value
    )
    data = make_data()
    plan = _body.prepare_body(data, make_files(), json_value)
    ours_body, ours_headers, ours_position = _apply_plan(plan, method)

    assert ours_headers == theirs_headers
    assert _position_kind(ours_position) == _position_kind(theirs_position)
    if _body.is_stream(data):
        assert plan.is_stream and ours_body is data
        assert type(ours_body) is type(theirs_body)
    else:
        assert not plan.is_stream
        assert type(ours_body) is type(theirs_body)
        if isinstance(theirs_body, (bytes, str, int)) or theirs_body is None:
            assert ours_body == theirs_body


def test_prepare_body_json_uses_requests_separators() -> None:
    plan = _body.prepare_body(None, None, {"a": 1, "b": [1, 2]})
    assert plan.body == b'{"a": 1, "b": [1, 2]}'
    assert plan.body == json.dumps({"a": 1, "b": [1, 2]}).encode()
    assert plan.content_type == "application/json"


@pytest.mark.parametrize(
    "value",
    [math.nan, [math.inf], {"x": -math.inf}],
    ids=["nan", "inf-in-list", "neg-inf-in-dict"],
)
def test_prepare_body_invalid_json_wraps_value_error(value: Any) -> None:
    marker = object()
    with pytest.raises(InvalidJSONError) as info:
        _body.prepare_body(None, None, value, request=marker)
    assert info.value.request is marker
    assert isinstance(info.value.args[0], ValueError)
    assert isinstance(info.value, RequestException)
    theirs = RequestsPreparedRequest()
    theirs.headers = requests.structures.CaseInsensitiveDict()
    with pytest.raises(requests.exceptions.InvalidJSONError) as their_info:
        theirs.prepare_body(None, None, value)
    assert str(info.value) == str(their_info.value)


def test_prepare_body_circular_json_is_invalid_json() -> None:
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(InvalidJSONError, match="Circular reference"):
        _body.prepare_body(None, None, loop)


def test_prepare_body_unserialisable_json_is_invalid_json_and_type_error() -> None:
    # requests wraps only ValueError; its TypeError reaches the caller. tether raises an
    # InvalidJSONError that is also that TypeError, so handlers for either catch it.
    theirs = RequestsPreparedRequest()
    theirs.headers = requests.structures.CaseInsensitiveDict()
    unserialisable: Any = {"x": object()}
    with pytest.raises(TypeError) as their_info:
        theirs.prepare_body(None, None, unserialisable)
    assert not isinstance(their_info.value, requests.exceptions.RequestException)
    with pytest.raises(TypeError) as info:
        _body.prepare_body(None, None, {"x": object()}, request="req")
    assert isinstance(info.value, InvalidJSONError)
    assert isinstance(info.value.__cause__, TypeError)
    assert info.value.request == "req"
    assert str(their_info.value) in str(info.value)


@pytest.mark.parametrize(
    "make_data", [lambda: io.BytesIO(b"abc"), _generator], ids=["file", "generator"]
)
def test_prepare_body_stream_with_files_is_not_implemented(make_data: Factory) -> None:
    with pytest.raises(
        NotImplementedError, match=r"^Streamed bodies and files are mutually exclusive\.$"
    ):
        _body.prepare_body(make_data(), {"f": b"x"}, None)


def test_prepare_body_text_file_stream_warns_and_uses_binary_size(data_file: Path) -> None:
    with data_file.open("r") as handle:
        with pytest.warns(FileModeWarning):
            plan = _body.prepare_body(handle, None)
        assert plan.is_stream and plan.length == 100 and plan.position == 0


def test_prepare_body_length_type_error_is_chunked() -> None:
    class BadLen:
        def __iter__(self) -> Iterator[bytes]:
            yield b"x"

        @property
        def len(self) -> int:
            raise TypeError("no length")

    with pytest.raises(TypeError):
        _body.super_len(BadLen())
    theirs = RequestsPreparedRequest()
    theirs.headers = requests.structures.CaseInsensitiveDict()
    theirs.prepare_body(BadLen(), None)
    assert theirs.headers == {"Transfer-Encoding": "chunked"}
    plan = _body.prepare_body(BadLen(), None)
    assert plan.is_stream and plan.chunked and plan.length is None


def test_prepare_body_streams_large_multipart(
    monkeypatch: pytest.MonkeyPatch, fixed_boundary: str
) -> None:
    payload = os.urandom(4096)
    monkeypatch.setattr(_multipart, "STREAM_THRESHOLD", 1024)
    monkeypatch.setattr(_multipart, "SMALL_PART_MAX", 0)
    plan = _body.prepare_body({"k": "v"}, {"f": ("big.bin", io.BytesIO(payload))}, None)
    assert isinstance(plan.body, _multipart.StreamingMultipart)
    assert not plan.is_stream
    assert plan.position == 0
    assert plan.content_type == f"multipart/form-data; boundary={fixed_boundary}"
    expected, _ = RequestEncodingMixin._encode_files(
        {"f": ("big.bin", io.BytesIO(payload))}, {"k": "v"}
    )
    assert _body.super_len(plan.body) == len(expected)
    assert plan.body.read() == expected


@pytest.mark.parametrize(
    ("stream", "expected_type"),
    [(None, bytes), (False, bytes), (True, _multipart.StreamingMultipart)],
    ids=["auto-small", "never", "always"],
)
def test_prepare_body_stream_multipart_switch(stream: bool | None, expected_type: type) -> None:
    plan = _body.prepare_body(None, {"f": io.BytesIO(b"small")}, None, stream_multipart=stream)
    assert type(plan.body) is expected_type
    assert plan.position == (0 if expected_type is _multipart.StreamingMultipart else None)


# -- rewind_body ---------------------------------------------------------------------------


class _SeekRaises:
    def seek(self, offset: int, whence: int = 0) -> int:
        raise OSError("cannot seek")


REWIND_CASES: list[tuple[str, Factory, Any]] = [
    ("int-position", lambda: _partially_read(b"abcdef", 5), 2),
    ("zero-position", lambda: _partially_read(b"abcdef", 5), 0),
    ("sentinel-position", lambda: io.BytesIO(b"abc"), object()),
    ("no-position", lambda: io.BytesIO(b"abc"), None),
    ("no-seek", _generator, 0),
    ("bytes-body", lambda: b"abc", 0),
    ("seek-raises", _SeekRaises, 0),
]


@pytest.mark.parametrize(
    ("case_id", "make_body", "position"), REWIND_CASES, ids=[c[0] for c in REWIND_CASES]
)
def test_rewind_body_matches_requests(case_id: str, make_body: Factory, position: Any) -> None:
    def run(function: Callable[[Any], None], error: type[Exception]) -> tuple[str, Any]:
        prepared = SimpleNamespace(body=make_body(), _body_position=position)
        try:
            function(prepared)
        except error as exc:
            return "error", str(exc)
        tell = getattr(prepared.body, "tell", None)
        return "ok", tell() if tell else None

    ours = run(_body.rewind_body, UnrewindableBodyError)
    theirs = run(requests.utils.rewind_body, requests.exceptions.UnrewindableBodyError)
    assert ours == theirs
    if position is not None and isinstance(position, int) and ours[0] == "ok":
        assert ours == ("ok", position)


def test_rewind_body_rewinds_a_streaming_multipart() -> None:
    body = _multipart.StreamingMultipart({"f": ("a.bin", io.BytesIO(b"x" * 1000))})
    first = body.read()
    prepared = SimpleNamespace(body=body, _body_position=_body.body_position(io.BytesIO()))
    _body.rewind_body(prepared)
    assert body.read() == first
