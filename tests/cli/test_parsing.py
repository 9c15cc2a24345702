"""The command line's parsing and naming rules, in-process (no network is reached).

End-to-end behaviour is in test_cli.py; these tests pin the pure parts: how items split,
how a method and a URL are recognised, which arguments are usage errors (exit 2) and how a
server-chosen download name is made safe.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tether import _cli
from tether._cli import normalize_url, parse_plan, split_item


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ("a==b", ("a", "==", "b")),
        ("a=b=c", ("a", "=", "b=c")),
        ("a==b=c", ("a", "==", "b=c")),
        ("n:=3", ("n", ":=", "3")),
        ("X-Token:abc=1", ("X-Token", ":", "abc=1")),
        ("a=b:c", ("a", "=", "b:c")),
        ("doc@./x.pdf", ("doc", "@", "./x.pdf")),
        ("url==http://x/?a=b", ("url", "==", "http://x/?a=b")),
    ],
)
def test_split_item_takes_the_first_separator_longest_first(
    item: str, expected: tuple[str, str, str]
) -> None:
    assert split_item(item) == expected


@pytest.mark.parametrize(
    ("text", "url"),
    [
        (":8000/x", "http://localhost:8000/x"),
        (":8000", "http://localhost:8000/"),
        (":/", "http://localhost/"),
        ("example.org/a", "http://example.org/a"),
        ("https://example.org", "https://example.org"),
    ],
)
def test_normalize_url(text: str, url: str) -> None:
    assert normalize_url(text) == url


def test_method_detection() -> None:
    assert parse_plan(["localhost", "a==1"]).method == "GET"  # a host, not a method
    assert parse_plan(["get", "localhost"]).method == "GET"
    assert parse_plan(["PROPFIND", "localhost"]).method == "PROPFIND"
    assert parse_plan(["localhost", "a=1"]).method == "POST"  # a body defaults to POST
    assert parse_plan(["post"]).url == "http://post"  # a lone word is the URL


def test_body_kinds() -> None:
    form = parse_plan([":1/", "a=1", "a=2"])
    assert (form.data, form.json) == ([("a", "1"), ("a", "2")], None)
    mixed = parse_plan([":1/", "a=1", "n:=2", "t:=true"])
    assert (mixed.data, mixed.json) == ([], {"a": "1", "n": 2, "t": True})
    flagged = parse_plan([":1/", "a=1"], json_mode=True)
    assert flagged.json == {"a": "1"}
    assert parse_plan([":1/"], json_mode=True).json is None  # --json alone sends no body
    upload = parse_plan([":1/", "f@x.bin", "a=1"])
    assert (upload.files, upload.data, upload.method) == ([("f", "x.bin")], [("a", "1")], "POST")
    headers = parse_plan([":1/", "X-A:1", "X-B:"])
    assert headers.headers == [("X-A", "1"), ("X-B", None)]


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["http://127.0.0.1:1/", "not-an-item"],
        ["--timeout", "-1", "http://127.0.0.1:1/"],
        ["--max-redirects", "-1", "http://127.0.0.1:1/"],
        ["http://127.0.0.1:1/", "n:=not json"],
        ["http://127.0.0.1:1/", "f@missing.bin"],
        ["--json", "http://127.0.0.1:1/", "f@x"],
        ["--raw", "x", "http://127.0.0.1:1/", "a=1"],
        ["--raw", "@no-such-file", "http://127.0.0.1:1/"],
        ["-H", "no colon", "http://127.0.0.1:1/"],
        ["http://127.0.0.1:1/", "Bad Name:1"],
        ["--cert-key", "k.pem", "http://127.0.0.1:1/"],
        ["--download", "-o", "-", "http://127.0.0.1:1/"],
        ["--session", "no spaces", "http://127.0.0.1:1/"],
        ["http://"],
        ["http://127.0.0.1:1/", "X-A:bad\u0001value"],
    ],
)
def test_usage_errors(
    args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TETHER_CONFIG_DIR", str(tmp_path / "config"))
    assert _cli.main(args) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.startswith(("tether: error: ", "usage: tether"))


@pytest.mark.parametrize(
    ("disposition", "url", "name"),
    [
        ('attachment; filename="report.pdf"', "http://h/x", "report.pdf"),
        ('attachment; filename="../../.bashrc"', "http://h/x", "bashrc"),
        ('attachment; filename="C:\\\\temp\\\\evil.exe"', "http://h/x", "evil.exe"),
        ("attachment; filename*=UTF-8''na%C3%AFve.txt", "http://h/x", "naïve.txt"),
        (None, "http://h/files/archive.tar.gz", "archive.tar.gz"),
        (None, "http://h/files/a%20b.txt", "a b.txt"),
        (None, "http://h/", "index"),
        ('attachment; filename="..."', "http://h/", "index"),
    ],
)
def test_download_name_is_a_plain_safe_name(disposition: str | None, url: str, name: str) -> None:
    import tether

    response = tether.Response()
    response.url = url
    if disposition is not None:
        response.headers["Content-Disposition"] = disposition
    assert _cli._download_name(response) == name


def test_session_path_is_per_host(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TETHER_CONFIG_DIR", str(tmp_path))
    assert _cli.session_path("w", "http://127.0.0.1:8000/x") == (
        tmp_path / "sessions" / "127.0.0.1_8000" / "w.json"
    )
    assert _cli.session_path("w", "https://[::1]/") == tmp_path / "sessions" / "__1" / "w.json"
    assert _cli.session_path("./s.json", "http://h/") == Path("s.json")


def test_config_dir_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TETHER_CONFIG_DIR", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert _cli.config_dir() == tmp_path / "xdg" / "tether"
    monkeypatch.setenv("TETHER_CONFIG_DIR", str(tmp_path / "explicit"))
    assert _cli.config_dir() == tmp_path / "explicit"


@pytest.mark.parametrize(
    ("status", "code"), [(101, 0), (200, 0), (299, 0), (301, 3), (404, 4), (500, 5), (599, 5)]
)
def test_exit_status_of_a_response(status: int, code: int) -> None:
    assert _cli._exit_status(status) == code
