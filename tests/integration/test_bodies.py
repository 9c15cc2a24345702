"""Request bodies end to end: every ``data=``/``json=``/``files=`` form requests accepts,
compared byte for byte with what requests sends to the same loopback server; framing
(exact ``Content-Length`` or chunked); streamed multipart uploads, their memory and their
rewinding for 307/308 redirects and Digest retries; ``UnrewindableBodyError``.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import urllib3.filepost

import tether
from tests.support.differential import library, run_both
from tests.support.digest import DigestServer
from tests.support.fixtures import RawServerFactory
from tests.support.servers import Connection, RawRequest, RawServer, http_response
from tether._multipart import STREAM_THRESHOLD, StreamingMultipart, encode_files

MiB = 1 << 20
BOUNDARY = "b0und4ry-for-both-libraries"


def ok(request: RawRequest, conn: Connection) -> bytes:
    return http_response(200, b"ok")


@pytest.fixture
def fixed_boundary(monkeypatch: pytest.MonkeyPatch) -> str:
    """Both libraries take their multipart boundary from urllib3's choose_boundary."""
    monkeypatch.setattr(urllib3.filepost, "choose_boundary", lambda: BOUNDARY)
    return BOUNDARY


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    path = tmp_path / "data.bin"
    path.write_bytes(bytes(range(256)) * 40)  # 10,240 bytes
    return path


@pytest.fixture
def big_file(tmp_path: Path) -> Path:
    """A file just over the streaming threshold, with varied content."""
    path = tmp_path / "big.bin"
    block = bytes(range(256)) * 4096
    path.write_bytes(block * (STREAM_THRESHOLD // len(block) + 1) + b"tail")
    return path


def framing(seen: Any) -> tuple[str | None, str | None, str | None]:
    return (
        seen.header("content-length"),
        seen.header("transfer-encoding"),
        seen.header("content-type"),
    )


# -- data= ------------------------------------------------------------------------------------


def _generator() -> Iterator[bytes]:
    yield b"first,"
    yield b""
    yield b"second,"
    yield b"third"


DATA_FORMS: dict[str, Any] = {
    "dict": lambda path: {"a": "1", "b": "ü ß", "c": ["x", "y"], "none": None},
    "pairs-repeated": lambda path: [("k", "1"), ("k", "2"), ("k", b"3")],
    "tuple-of-pairs": lambda path: (("a", "1"), ("b", "2")),
    "str": lambda path: "plain text, naïve",
    "bytes": lambda path: b"\x00\x01 raw bytes \xff",
    "empty-dict": lambda path: {},
    "empty-bytes": lambda path: b"",
    "bytesio": lambda path: io.BytesIO(b"from memory"),
    "file": lambda path: open(path, "rb"),  # noqa: SIM115  (closed by the garbage collector)
    "generator": lambda path: _generator(),
    "iterator": lambda path: iter([b"a", b"bc", b"def"]),
    "bytearray": lambda path: bytearray(b"a bytearray"),
}


@pytest.mark.parametrize("form", list(DATA_FORMS))
@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_data_forms_send_what_requests_sends(
    raw_server: RawServerFactory, data_file: Path, form: str, method: str
) -> None:
    server = raw_server(ok)

    def scenario(lib: ModuleType) -> int:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            return int(
                lib.request(method, server.url, data=DATA_FORMS[form](data_file)).status_code
            )

    theirs, ours = run_both(scenario, server)
    assert theirs.error is None and ours.error is None
    assert ours.at(0) == theirs.at(0)
    assert len(ours.at(0)) == 1


def test_generator_body_is_chunked_and_arrives_whole(raw_server: RawServerFactory) -> None:
    server = raw_server(ok)
    tether.post(server.url, data=_generator())
    (request,) = server.requests
    assert request.header("transfer-encoding") == b"chunked"
    assert request.header("content-length") is None
    assert request.body == b"first,second,third"
    assert request.chunks == (b"first,", b"second,", b"third")


def test_form_body_repeats_keys_and_encodes_utf8(raw_server: RawServerFactory) -> None:
    server = raw_server(ok)
    tether.post(server.url, data=[("q", "a b"), ("q", "ü"), ("e", ""), ("n", None)])
    (request,) = server.requests
    assert request.body == b"q=a+b&q=%C3%BC&e="
    assert request.header("content-type") == b"application/x-www-form-urlencoded"
    assert request.header("content-length") == str(len(request.body)).encode()


# -- Content-Length ---------------------------------------------------------------------------


def test_file_body_is_measured_from_its_current_position(
    raw_server: RawServerFactory, data_file: Path
) -> None:
    server = raw_server(ok)
    with open(data_file, "rb") as handle:
        handle.seek(1000)
        tether.post(server.url, data=handle)
    (request,) = server.requests
    assert request.header("content-length") == b"9240"
    assert request.body == data_file.read_bytes()[1000:]


def test_partly_read_bytesio_sends_the_rest(raw_server: RawServerFactory) -> None:
    server = raw_server(ok)
    body = io.BytesIO(b"0123456789")
    body.read(4)
    tether.post(server.url, data=body)
    (request,) = server.requests
    assert (request.header("content-length"), request.body) == (b"6", b"456789")


def test_text_body_length_counts_utf8_bytes(raw_server: RawServerFactory) -> None:
    server = raw_server(ok)
    text = "日本語 and ünïcödé 🙂"
    tether.post(server.url, data=text)
    (request,) = server.requests
    assert request.body == text.encode("utf-8")
    assert request.header("content-length") == str(len(text.encode("utf-8"))).encode()


def test_text_mode_file_warns_like_requests(raw_server: RawServerFactory, tmp_path: Path) -> None:
    path = tmp_path / "text.txt"
    path.write_bytes(b"line one\nline two\n")
    server = raw_server(ok)

    def scenario(lib: ModuleType) -> Any:
        with open(path, encoding="ascii") as handle:
            with pytest.warns(lib.exceptions.FileModeWarning):
                return lib.post(server.url, data=handle).status_code

    theirs, ours = run_both(scenario, server)
    assert ours.error is None and theirs.error is None
    assert ours.at(0) == theirs.at(0)
    assert ours.at(0)[0].body == b"line one\nline two\n"
    assert ours.at(0)[0].header("content-length") == "18"


def test_empty_post_gets_content_length_zero(raw_server: RawServerFactory) -> None:
    server = raw_server(ok)
    tether.post(server.url)
    tether.get(server.url)
    post, get = server.requests
    assert post.header("content-length") == b"0"
    assert get.header("content-length") is None


# -- json= ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [{"a": [1, 2.5, None, True]}, ["x", {"ü": "日本"}], "text", 0, [], {}],
    ids=["dict", "list-unicode", "str", "zero", "empty-list", "empty-dict"],
)
def test_json_body_matches_requests(raw_server: RawServerFactory, value: Any) -> None:
    server = raw_server(ok)
    theirs, ours = run_both(lambda lib: lib.post(server.url, json=value).status_code, server)
    assert ours.at(0) == theirs.at(0)
    (seen,) = ours.at(0)
    assert json.loads(seen.body) == value
    assert seen.header("content-type") == "application/json"


def test_json_keeps_a_given_content_type_and_yields_to_data(raw_server: RawServerFactory) -> None:
    server = raw_server(ok)
    tether.post(server.url, json={"a": 1}, headers={"Content-Type": "application/vnd.x+json"})
    tether.post(server.url, json={"a": 1}, data={"form": "wins"})
    typed, form = server.requests
    assert typed.header("content-type") == b"application/vnd.x+json"
    assert typed.body == b'{"a": 1}'
    assert form.body == b"form=wins"
    assert form.header("content-type") == b"application/x-www-form-urlencoded"


@pytest.mark.parametrize("value", [float("nan"), {"x": float("inf")}, [-float("inf")]])
def test_json_nan_is_invalid_json_error(raw_server: RawServerFactory, value: Any) -> None:
    server = raw_server(ok)
    with pytest.raises(tether.exceptions.InvalidJSONError) as info:
        tether.post(server.url, json=value)
    assert info.value.request is not None
    assert server.requests == []


@pytest.mark.parametrize("value", [object(), {"s": {1, 2}}, {"b": b"bytes"}])
def test_json_unserialisable_is_invalid_json_error_and_type_error(
    raw_server: RawServerFactory, value: Any
) -> None:
    server = raw_server(ok)
    with pytest.raises(tether.exceptions.InvalidJSONError) as info:
        tether.post(server.url, json=value)
    assert isinstance(info.value, TypeError)  # what requests raises, unwrapped
    with pytest.raises(TypeError):
        library("requests").post(server.url, json=value)
    assert server.requests == []


# -- files= -----------------------------------------------------------------------------------


def _files_forms(path: Path) -> dict[str, Any]:
    return {
        "file-object": lambda: {"upload": open(path, "rb")},
        "bytes": lambda: {"upload": b"raw bytes"},
        "str": lambda: {"upload": "text ü"},
        "pair": lambda: {"upload": ("name.txt", b"content")},
        "triple": lambda: {"upload": ("name.csv", "a,b\n1,2\n", "text/csv")},
        "quad": lambda: {
            "upload": ("n.json", b"{}", "application/json", {"X-Part": "1", "Expires": "0"})
        },
        "list-repeated": lambda: [("f", ("a.txt", b"A")), ("f", ("b.txt", b"B"))],
        "no-filename": lambda: {"upload": (None, b"plain field")},
        "bytesio": lambda: {"upload": io.BytesIO(b"in memory")},
    }


@pytest.mark.parametrize(
    "form",
    [
        "file-object",
        "bytes",
        "str",
        "pair",
        "triple",
        "quad",
        "list-repeated",
        "no-filename",
        "bytesio",
    ],
)
@pytest.mark.parametrize(
    "data",
    [None, {"field": "value", "multi": ["1", "2"]}, [("a", "1"), ("a", b"2")]],
    ids=["no-data", "dict-data", "pairs-data"],
)
def test_files_forms_send_what_requests_sends(
    raw_server: RawServerFactory, fixed_boundary: str, data_file: Path, form: str, data: Any
) -> None:
    server = raw_server(ok)
    make = _files_forms(data_file)[form]

    def scenario(lib: ModuleType) -> int:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            return int(lib.post(server.url, files=make(), data=data).status_code)

    theirs, ours = run_both(scenario, server)
    assert theirs.error is None and ours.error is None
    assert ours.at(0) == theirs.at(0)
    (seen,) = ours.at(0)
    assert seen.header("content-type") == f"multipart/form-data; boundary={fixed_boundary}"
    assert seen.header("content-length") == str(len(seen.body))


def test_streams_and_files_cannot_be_combined(data_file: Path) -> None:
    with pytest.raises(NotImplementedError):
        tether.Request("POST", "http://127.0.0.1/", data=_generator(), files={"f": b"x"}).prepare()


# -- streaming multipart ----------------------------------------------------------------------


def test_small_upload_body_is_the_bytes_requests_builds(
    fixed_boundary: str, data_file: Path
) -> None:
    with open(data_file, "rb") as handle:
        ours = tether.Request("POST", "http://127.0.0.1/", files={"f": handle}).prepare()
    with open(data_file, "rb") as handle:
        theirs = library("requests").Request("POST", "http://127.0.0.1/", files={"f": handle})
        theirs = theirs.prepare()
    assert type(ours.body) is bytes
    assert ours.body == theirs.body
    assert ours.headers["Content-Length"] == theirs.headers["Content-Length"]


def test_large_upload_streams_with_an_exact_length(
    raw_server: RawServerFactory, fixed_boundary: str, big_file: Path
) -> None:
    server = raw_server(ok)
    with open(big_file, "rb") as handle:
        expected, _ = encode_files({"f": handle}, {"note": "x"})
    with open(big_file, "rb") as handle:
        r = tether.post(server.url, files={"f": handle}, data={"note": "x"})
        assert isinstance(r.request.body, StreamingMultipart)
        assert handle.tell() == big_file.stat().st_size  # left where requests' read() would
    (request,) = server.requests
    assert request.header("content-length") == str(len(expected)).encode()
    assert request.header("transfer-encoding") is None
    assert request.body == expected


@pytest.mark.parametrize("forced", [True, False, None])
def test_session_forces_streaming_either_way(
    raw_server: RawServerFactory,
    fixed_boundary: str,
    data_file: Path,
    big_file: Path,
    forced: bool | None,
) -> None:
    server = raw_server(ok)
    with tether.Session(stream_multipart=forced) as s:
        for path in (data_file, big_file):
            with open(path, "rb") as handle:
                r = s.post(server.url, files={"f": handle})
            streamed = isinstance(r.request.body, StreamingMultipart)
            assert streamed == (forced if forced is not None else path == big_file)
            assert type(r.request.body) is (StreamingMultipart if streamed else bytes)
    for path, request in zip((data_file, big_file), server.requests, strict=True):
        with open(path, "rb") as handle:
            expected, _ = encode_files({"f": handle}, None)
        assert request.body == expected
        assert request.header("content-length") == str(len(expected)).encode()


def test_stream_multipart_passes_through_a_prepared_request(big_file: Path) -> None:
    with tether.Session(stream_multipart=False) as s, open(big_file, "rb") as handle:
        prepared = s.prepare_request(
            tether.Request("POST", "http://127.0.0.1/", files={"f": handle})
        )
    assert type(prepared.body) is bytes
    with open(big_file, "rb") as handle:
        plain = tether.Request("POST", "http://127.0.0.1/", files={"f": handle}).prepare()
        assert isinstance(plain.body, StreamingMultipart)
        assert len(plain.body) == len(prepared.body)


_UPLOAD_CLIENT = textwrap.dedent(
    """
    import json, resource, sys
    import tether

    url, path = sys.argv[1], sys.argv[2]
    with tether.Session() as s:
        s.get(url + "warm")  # imports and the connection, before measuring
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        with open(path, "rb") as handle:
            r = s.post(url + "upload", files={"file": handle})
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"status": r.status_code, "body": r.text, "growth_kib": after - before}))
    """
)


@pytest.mark.slow
def test_multi_hundred_mib_upload_in_bounded_memory(
    raw_server: RawServerFactory, tmp_path: Path
) -> None:
    size = 300 * MiB
    path = tmp_path / "sparse.bin"
    with open(path, "wb") as handle:
        handle.truncate(size)  # sparse: reads as zeros without touching the disk

    def drain(request: RawRequest, conn: Connection) -> bytes:
        if request.method == "GET":
            return http_response(200, b"warm")
        left = int(request.header("content-length") or 0)
        received = 0
        while received < left:
            piece = conn.recv(min(left - received, 1 << 20))
            if not piece:
                break
            received += len(piece)
        return http_response(200, str(received).encode(), [("Connection", "close")])

    server = raw_server(drain, read_body=False)
    done = subprocess.run(
        [sys.executable, "-c", _UPLOAD_CLIENT, server.url, str(path)],
        capture_output=True,
        text=True,
        timeout=50,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["status"] == 200
    assert int(result["body"]) > size  # the file plus the part headers
    assert result["growth_kib"] < 16 * 1024, f"grew {result['growth_kib'] / 1024:.1f} MiB"


# -- rewinding: 307/308 and Digest --------------------------------------------------------------


def _redirecting(status: int) -> Any:
    def handler(request: RawRequest, conn: Connection) -> bytes:
        if request.path == "/start":
            return http_response(status, b"", [("Location", "/final")])
        return http_response(200, b"done")

    return handler


@pytest.mark.parametrize("status", [307, 308])
@pytest.mark.parametrize(
    "body", ["streamed-multipart", "file", "partial-bytesio", "bytes-multipart"]
)
def test_body_is_resent_whole_after_307_308(
    raw_server: RawServerFactory, big_file: Path, status: int, body: str
) -> None:
    server = raw_server(_redirecting(status))
    with open(big_file, "rb") as handle:
        if body == "streamed-multipart":
            kwargs: dict[str, Any] = {"files": {"f": handle}}
        elif body == "bytes-multipart":
            kwargs = {"files": {"f": ("small.txt", b"small")}}
        elif body == "file":
            handle.seek(10)
            kwargs = {"data": handle}
        else:
            buffer = io.BytesIO(b"skip|payload")
            buffer.read(5)
            kwargs = {"data": buffer}
        r = tether.post(server.url_for("/start"), **kwargs)
    assert r.status_code == 200 and [h.status_code for h in r.history] == [status]
    first, second = server.requests
    assert (first.path, second.path) == ("/start", "/final")
    assert second.method == "POST"
    assert second.body == first.body
    assert len(first.body) == int(first.header("content-length") or -1)
    if body == "file":
        assert first.body == big_file.read_bytes()[10:]
    if body == "partial-bytesio":
        assert first.body == b"payload"


@pytest.mark.parametrize("body", ["streamed-multipart", "file"])
def test_body_is_resent_whole_for_a_digest_retry(
    raw_server: RawServerFactory, big_file: Path, body: str
) -> None:
    digest = DigestServer("user", "pa55")  # it answers with the body as JSON text: ASCII
    server = raw_server(digest)
    big_file.write_bytes(b"0123456789abcdef" * (STREAM_THRESHOLD // 16 + 1))
    with open(big_file, "rb") as handle:
        kwargs: dict[str, Any] = {"files": {"f": handle}} if body != "file" else {"data": handle}
        r = tether.post(server.url, auth=tether.auth.HTTPDigestAuth("user", "pa55"), **kwargs)
    assert r.status_code == 200, digest.verdicts
    first, second = server.requests
    assert first.header("authorization") is None and second.header("authorization")
    assert second.body == first.body
    assert len(first.body) >= big_file.stat().st_size


def _pipe_with(data: bytes) -> Any:
    read_end, write_end = os.pipe()
    os.write(write_end, data)
    os.close(write_end)
    return open(read_end, "rb")


@pytest.mark.parametrize("source", ["generator", "pipe"])
@pytest.mark.parametrize("status", [307, 308])
def test_unrewindable_body_is_never_sent_twice_on_redirect(
    raw_server: RawServerFactory, source: str, status: int
) -> None:
    server = raw_server(_redirecting(status))
    body: Any = _generator() if source == "generator" else _pipe_with(b"from a pipe")
    with pytest.raises(tether.exceptions.UnrewindableBodyError):
        tether.post(server.url_for("/start"), data=body)
    (only,) = server.requests
    assert only.body in (b"first,second,third", b"from a pipe")
    if source == "pipe":
        body.close()


@pytest.mark.parametrize("source", ["generator", "pipe"])
def test_unrewindable_body_is_never_sent_twice_for_digest(
    raw_server: RawServerFactory, source: str
) -> None:
    server = raw_server(DigestServer("user", "pa55"))
    body: Any = _generator() if source == "generator" else _pipe_with(b"from a pipe")
    with pytest.raises(tether.exceptions.UnrewindableBodyError):
        tether.post(server.url, data=body, auth=tether.auth.HTTPDigestAuth("user", "pa55"))
    (only,) = server.requests
    assert only.header("authorization") is None
    if source == "pipe":
        body.close()


def test_303_after_a_stream_drops_the_body_instead(raw_server: RawServerFactory) -> None:
    server = raw_server(_redirecting(303))
    r = tether.post(server.url_for("/start"), data=_generator())
    assert r.status_code == 200
    _, second = server.requests
    assert second.method == "GET" and second.body == b""
    assert second.header("transfer-encoding") is None


def test_a_prepared_streamed_upload_sent_twice_is_whole_both_times(
    raw_server: RawServerFactory, big_file: Path
) -> None:
    server: RawServer = raw_server(ok)
    with tether.Session() as s, open(big_file, "rb") as handle:
        prepared = s.prepare_request(tether.Request("POST", server.url, files={"f": handle}))
        s.send(prepared)
        s.send(prepared)
    first, second = server.requests
    assert first.body == second.body
    assert len(first.body) == len(prepared.body)
