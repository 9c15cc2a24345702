"""Security catalogue cases 47 (the zipped CA-bundle helper) and 49 (pickling)."""

from __future__ import annotations

import os
import pickle
import re
import socket
import stat
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import pytest

import tether
from tests.support.fixtures import RawServerFactory
from tests.support.servers import echo_handler
from tether.utils import extract_zipped_paths

MEMBER_BYTES = b"-----BEGIN CERTIFICATE-----\nlegit\n-----END CERTIFICATE-----\n"
ATTACKER_BYTES = b"attacker CA"

# -- case 47 ---------------------------------------------------------------------------------


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temp directory of this test's own, used by ``tempfile``."""
    directory = tmp_path / "tmp"
    directory.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(directory))
    return directory


@pytest.fixture
def bundle_zip(tmp_path: Path) -> Path:
    archive = tmp_path / "pkg.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("certs/ca.pem", MEMBER_BYTES)
        zf.writestr("../../escape.pem", MEMBER_BYTES)
    return archive


def _check_extracted(path: str, private_tmp: Path) -> None:
    assert Path(path).parent == private_tmp
    assert Path(path).read_bytes() == MEMBER_BYTES
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert not Path(path).is_symlink()


def test_case_47_cve_2026_25645_fresh_private_file_per_call(
    private_tmp: Path, bundle_zip: Path
) -> None:
    planted = private_tmp / "ca.pem"
    planted.write_bytes(ATTACKER_BYTES)
    first = extract_zipped_paths(str(bundle_zip / "certs" / "ca.pem"))
    second = extract_zipped_paths(str(bundle_zip / "certs" / "ca.pem"))
    assert first != second
    for path in (first, second):
        assert path != str(planted)
        _check_extracted(path, private_tmp)
    assert planted.read_bytes() == ATTACKER_BYTES


def test_case_47_cve_2026_25645_planted_symlink_not_followed(
    private_tmp: Path, bundle_zip: Path, tmp_path: Path
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"untouched")
    (private_tmp / "ca.pem").symlink_to(victim)
    path = extract_zipped_paths(str(bundle_zip / "certs" / "ca.pem"))
    _check_extracted(path, private_tmp)
    assert victim.read_bytes() == b"untouched"


def test_case_47_cve_2026_25645_dot_dot_member_stays_in_tempdir(
    private_tmp: Path, bundle_zip: Path, tmp_path: Path
) -> None:
    path = extract_zipped_paths(str(bundle_zip) + "/../../escape.pem")
    # Either resolved to the member (and extracted inside the temp dir) or left alone.
    if path != str(bundle_zip) + "/../../escape.pem":
        _check_extracted(path, private_tmp)
    assert not (tmp_path.parent / "escape.pem").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".pem")] == []


@pytest.mark.parametrize(
    "make",
    [
        lambda base: str(base / "pkg.zip"),  # exists
        lambda base: str(base / "nothing" / "here.pem"),  # no archive at all
        lambda base: str(base / "pkg.zip" / "missing.pem"),  # not a member
        lambda base: str(base / "plain.txt" / "x.pem"),  # not a zip
        lambda base: "\\\\server\\share\\ca.pem",  # UNC-like
        lambda base: "//server/share/ca.pem",
    ],
    ids=["exists", "no-archive", "no-member", "not-zip", "unc-backslash", "unc-slash"],
)
def test_case_47_cve_2026_25645_other_paths_unchanged(
    private_tmp: Path, bundle_zip: Path, tmp_path: Path, make: Any
) -> None:
    (tmp_path / "plain.txt").write_text("not a zip")
    path = make(tmp_path)
    assert extract_zipped_paths(path) == path
    assert list(private_tmp.iterdir()) == []


# -- case 49 ---------------------------------------------------------------------------------


def test_case_49_pickled_session_round_trip_opens_nothing(
    raw_server: RawServerFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = raw_server(echo_handler)
    with tether.Session() as s:
        s.auth = ("user", "secret")
        s.cookies.set("sid", "c00kie", domain="127.0.0.1")
        s.headers["X-Team"] = "a"
        s.mount("http://127.0.0.1", tether.adapters.HTTPAdapter(pool_maxsize=3))
        assert s.get(server.url).status_code == 200
        data = pickle.dumps(s)
    # The pickle carries the secrets: it is as sensitive as the session itself.
    assert b"secret" in data and b"c00kie" in data
    with monkeypatch.context() as patch:
        patch.setattr(socket, "socket", _refuse)
        patch.setattr(socket, "create_connection", _refuse)
        restored = pickle.loads(data)
    with restored:
        assert restored.auth == ("user", "secret")
        assert restored.cookies["sid"] == "c00kie"
        r = restored.get(server.url)
        assert r.status_code == 200
        headers = {k.lower(): v for k, v in r.json()["headers"]}
        assert headers["cookie"] == "sid=c00kie"
        assert headers["x-team"] == "a"
        assert headers["authorization"].startswith("Basic ")


def _refuse(*args: object, **kwargs: object) -> None:
    raise AssertionError("a socket was opened while unpickling")


def test_case_49_pickled_response_has_no_connection(
    raw_server: RawServerFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = raw_server(echo_handler)
    r = tether.get(server.url, headers={"Authorization": "Bearer T0KEN"})
    data = pickle.dumps(r)
    assert b"T0KEN" in data  # request.headers travel with it
    with monkeypatch.context() as patch:
        patch.setattr(socket, "socket", _refuse)
        patch.setattr(socket, "create_connection", _refuse)
        restored = pickle.loads(data)
        assert restored.raw is None
        assert restored.content == r.content
        assert restored.json() == r.json()
        assert restored.status_code == 200


def test_case_49_tether_itself_never_unpickles() -> None:
    # tether persists nothing through pickle: no module of it loads pickles or marshal data.
    source = Path(tether.__file__).parent
    pattern = re.compile(r"\b(pickle|cPickle|marshal|shelve|dill)\.(loads?|Unpickler|open)\b")
    offenders = [
        f"{path.name}:{number}"
        for path in sorted(source.rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert offenders == []


@pytest.mark.parametrize(
    "error",
    [
        tether.exceptions.ConnectionError("boom", request=None),
        tether.exceptions.InvalidURL("bad"),
        tether.exceptions.InvalidHeader("bad"),
        tether.exceptions.ChunkedEncodingError("short"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_case_49_exceptions_round_trip(error: Exception) -> None:
    restored = pickle.loads(pickle.dumps(error))
    assert type(restored) is type(error)
    assert restored.args == error.args
