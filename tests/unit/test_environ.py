"""tether._environ: netrc credentials (lookup rules, CVE-2024-47081, the parse cache), the
CA-bundle variables, and the zip/atomic file helpers.

Lookups are compared with requests 2.34 (the oracle) on the same file and environment.
The autouse fixture in tests/conftest.py clears NETRC and the CA variables and gives every
test its own empty HOME.
"""

from __future__ import annotations

import netrc
import os
import stat
import tempfile
import threading
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
import requests.utils
from urllib3.util import parse_url

from tether import _environ, _urls


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    _environ._netrc_cache.clear()


@pytest.fixture
def write_netrc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], Path]:
    path = tmp_path / "netrc"

    def write(content: str) -> Path:
        path.write_text(content, encoding="utf-8")
        monkeypatch.setenv("NETRC", str(path))
        return path

    return write


@pytest.fixture
def parse_counter(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Count calls to netrc.netrc (the parse the cache must avoid)."""
    calls: list[str] = []
    real = netrc.netrc

    def counting(file: Any = None) -> netrc.netrc:
        calls.append(file)
        return real(file)

    monkeypatch.setattr(netrc, "netrc", counting)
    return calls


def outcome(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except Exception as exc:
        return ("raised", type(exc).__name__, str(exc))


# --------------------------------------------------------------------------------------
# Lookup rules
# --------------------------------------------------------------------------------------

NETRC_CASES: list[tuple[str, str, str, tuple[str, str] | None]] = [
    ("machine", "machine a.test login u password p", "http://a.test/", ("u", "p")),
    ("case-and-port", "machine a.test login u password p", "http://A.TEST:8080/x", ("u", "p")),
    ("bad-port-ignored", "machine a.test login u password p", "http://a.test:99999/", ("u", "p")),
    ("other-host", "machine a.test login u password p", "http://b.test/", None),
    ("trailing-dot", "machine a.test login u password p", "http://a.test./", None),
    ("entry-case", "machine A.test login u password p", "http://a.test/", None),
    ("empty-entry", "machine a.test", "http://a.test/", None),  # case 06
    ("login-only", "machine a.test login onlyuser", "http://a.test/", ("onlyuser", "")),
    ("password-only", "machine a.test password onlypw", "http://a.test/", ("", "onlypw")),
    (
        "account-as-user",
        "machine a.test account acct password pw",
        "http://a.test/",
        ("acct", "pw"),
    ),
    ("account-only", "machine a.test account acct", "http://a.test/", ("acct", "")),
    (
        "login-beats-account",
        "machine a.test login u account a password p",
        "http://a.test/",
        ("u", "p"),
    ),
    ("default", "default login d password dp", "http://b.test/", ("d", "dp")),
    (
        "machine-beats-default",
        "machine a.test login u password p\ndefault login d password dp",
        "http://a.test/",
        ("u", "p"),
    ),
    ("default-hostless", "default login d password dp", "file:///etc/hosts", None),
    ("default-no-scheme", "default login d password dp", "a.test", None),
    ("scheme-relative", "machine a.test login u password p", "//a.test/x", ("u", "p")),
    ("ipv6", "machine ::1 login v6 password p6", "http://[::1]:8080/", ("v6", "p6")),
    ("idn-unicode", "machine \u00e9.test login u password p", "http://\u00e9.test/", ("u", "p")),
    (
        "idn-punycode-differs",
        "machine xn--9ca.test login u password p",
        "http://\u00e9.test/",
        None,
    ),
    (
        "macdef",
        "machine a.test login u password p\nmacdef x\nline\n\nmachine b.test login b password bp",
        "http://b.test/",
        ("b", "bp"),
    ),
    ("parse-error", "machine a.test login u password p\nmachine", "http://a.test/", None),
    ("garbage", "garbage tokens here", "http://a.test/", None),
    ("userinfo-ignored", "machine a.test login u password p", "http://x:y@a.test/", ("u", "p")),
]


@pytest.mark.parametrize(
    ("content", "url", "expected"), [c[1:] for c in NETRC_CASES], ids=[c[0] for c in NETRC_CASES]
)
def test_get_netrc_auth(
    write_netrc: Callable[[str], Path], content: str, url: str, expected: tuple[str, str] | None
) -> None:
    write_netrc(content)
    assert _environ.get_netrc_auth(url) == expected
    assert requests.utils.get_netrc_auth(url) == expected


@pytest.mark.parametrize(
    ("content", "url"),
    [(c[1], c[2]) for c in NETRC_CASES],
    ids=[c[0] for c in NETRC_CASES],
)
def test_get_netrc_auth_raise_errors_like_requests(
    write_netrc: Callable[[str], Path], content: str, url: str
) -> None:
    write_netrc(content)
    ours = outcome(_environ.get_netrc_auth, url, raise_errors=True)
    assert ours == outcome(requests.utils.get_netrc_auth, url, raise_errors=True)


def test_parse_error_raised_only_on_request(write_netrc: Callable[[str], Path]) -> None:
    write_netrc("machine a.test login u password p\nmachine")
    assert _environ.get_netrc_auth("http://a.test/") is None
    with pytest.raises(netrc.NetrcParseError, match="missing 'machine' name"):
        _environ.get_netrc_auth("http://a.test/", raise_errors=True)
    # Raised again from the cache, still the parse error.
    with pytest.raises(netrc.NetrcParseError):
        _environ.get_netrc_auth("http://a.test/", raise_errors=True)


def test_netrc_that_is_a_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NETRC", str(tmp_path))
    assert _environ.get_netrc_auth("http://a.test/") is None
    with pytest.raises(IsADirectoryError):
        _environ.get_netrc_auth("http://a.test/", raise_errors=True)
    with pytest.raises(IsADirectoryError):
        requests.utils.get_netrc_auth("http://a.test/", raise_errors=True)


def test_bytes_url(write_netrc: Callable[[str], Path]) -> None:
    write_netrc("machine \u00e9.test login u password p\ndefault login d password dp")
    url = "http://\u00e9.test/".encode()
    assert _environ.get_netrc_auth(url) == ("u", "p") == requests.utils.get_netrc_auth(url)
    with pytest.raises(UnicodeDecodeError):
        _environ.get_netrc_auth("http://\u00e9.test/".encode("latin-1"))


def test_bytes_url_decoded_before_looking_for_a_file() -> None:
    with pytest.raises(UnicodeDecodeError):
        _environ.get_netrc_auth(b"http://\xe9.test/")
    with pytest.raises(UnicodeDecodeError):
        requests.utils.get_netrc_auth(b"http://\xe9.test/")


def test_bad_url_only_matters_with_a_file(
    write_netrc: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NETRC", "/nonexistent/netrc")
    assert _environ.get_netrc_auth("http://[::1/") is None
    write_netrc("machine a.test login u password p")
    with pytest.raises(ValueError, match="Invalid IPv6 URL"):
        _environ.get_netrc_auth("http://[::1/")


# --------------------------------------------------------------------------------------
# Which file
# --------------------------------------------------------------------------------------


def home() -> Path:
    return Path(os.environ["HOME"])


def test_home_netrc_then_underscore_netrc() -> None:
    assert _environ.netrc_path() is None
    assert _environ.get_netrc_auth("http://a.test/") is None
    (home() / "_netrc").write_text("machine a.test login under password u")
    assert _environ.netrc_path() == str(home() / "_netrc")
    assert _environ.get_netrc_auth("http://a.test/") == ("under", "u")
    (home() / ".netrc").write_text("machine a.test login dot password d")
    assert _environ.netrc_path() == str(home() / ".netrc")
    assert _environ.get_netrc_auth("http://a.test/") == ("dot", "d")
    assert requests.utils.get_netrc_auth("http://a.test/") == ("dot", "d")


def test_home_change_is_followed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    homes = [tmp_path / "h1", tmp_path / "h2"]
    for i, directory in enumerate(homes):
        directory.mkdir()
        (directory / ".netrc").write_text(f"machine a.test login home{i} password p")
    for _ in range(2):
        for i, directory in enumerate(homes):
            monkeypatch.setenv("HOME", str(directory))
            assert _environ.get_netrc_auth("http://a.test/") == (f"home{i}", "p")
            assert requests.utils.get_netrc_auth("http://a.test/") == (f"home{i}", "p")


@pytest.mark.parametrize("value", ["", "/nonexistent/netrc", "relative-missing"])
def test_netrc_variable_replaces_home_files(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    (home() / ".netrc").write_text("machine a.test login dot password d")
    monkeypatch.setenv("NETRC", value)
    assert _environ.netrc_path() is None
    assert _environ.get_netrc_auth("http://a.test/") is None
    assert requests.utils.get_netrc_auth("http://a.test/") is None


def test_netrc_variable_with_tilde(monkeypatch: pytest.MonkeyPatch) -> None:
    (home() / "creds").write_text("machine a.test login t password tp")
    monkeypatch.setenv("NETRC", "~/creds")
    assert _environ.netrc_path() == str(home() / "creds")
    assert _environ.get_netrc_auth("http://a.test/") == ("t", "tp")


def test_netrc_files_constant() -> None:
    assert _environ.NETRC_FILES == (".netrc", "_netrc") == requests.utils.NETRC_FILES


# --------------------------------------------------------------------------------------
# CVE-2024-47081 (case 05) and the parser-differential vectors (case 45)
# --------------------------------------------------------------------------------------

CVE_NETRC = (
    "machine example.com login wrong password wrongpass\n"
    "machine 127.0.0.1 login right password rightpass\n"
)
CREDS = {"example.com": ("wrong", "wrongpass"), "127.0.0.1": ("right", "rightpass")}


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("http://example.com:@127.0.0.1/", "127.0.0.1"),
        ("http://example.com:@127.0.0.1:8080/path", "127.0.0.1"),
        ("http://example.com\\@127.0.0.1/", "127.0.0.1"),
        ("http://example.com#@127.0.0.1/", "example.com"),
        ("http://example.com?@127.0.0.1/", "example.com"),
        ("http://user:pw@127.0.0.1/", "127.0.0.1"),
    ],
)
def test_netrc_host_is_urlparse_hostname(
    write_netrc: Callable[[str], Path], url: str, host: str
) -> None:
    write_netrc(CVE_NETRC)
    assert _environ.get_netrc_auth(url) == CREDS[host]
    assert requests.utils.get_netrc_auth(url) == CREDS[host]
    assert _environ.get_netrc_auth(url) != ("wrong", "wrongpass") or host == "example.com"


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com:@127.0.0.1/",
        "http://example.com\\@127.0.0.1/",
        "http://example.com#@127.0.0.1/",
        "http://example.com?@127.0.0.1/",
    ],
)
def test_netrc_follows_the_host_actually_contacted(
    write_netrc: Callable[[str], Path], url: str
) -> None:
    # After preparation, the credentials are those of the host urllib3 connects to.
    write_netrc(CVE_NETRC)
    prepared = _urls.prepare_url(url, None)
    connect_host = parse_url(prepared).host
    assert connect_host in CREDS
    assert _environ.get_netrc_auth(prepared) == CREDS[connect_host]


# --------------------------------------------------------------------------------------
# netrc_auth_for_host: no `default` across origins (case 07)
# --------------------------------------------------------------------------------------

DEFAULT_CASES: list[tuple[str, str, bool, tuple[str, str] | None]] = [
    (
        "machine a.test login u password p\ndefault login d password dp",
        "http://a.test/",
        False,
        ("u", "p"),
    ),
    (
        "machine a.test login u password p\ndefault login d password dp",
        "http://b.test/",
        False,
        None,
    ),
    (
        "machine a.test login u password p\ndefault login d password dp",
        "http://b.test/",
        True,
        ("d", "dp"),
    ),
    ("default login d password dp", "http://b.test/", False, None),
    ("machine default login md password mp", "http://default/", False, None),
    ("machine default login md password mp", "http://default/", True, ("md", "mp")),
    ("machine a.test", "http://a.test/", False, None),
    ("machine a.test login u", "http://a.test/", False, ("u", "")),
]


@pytest.mark.parametrize(("content", "url", "allow_default", "expected"), DEFAULT_CASES)
def test_netrc_auth_for_host(
    write_netrc: Callable[[str], Path],
    content: str,
    url: str,
    allow_default: bool,
    expected: tuple[str, str] | None,
) -> None:
    write_netrc(content)
    assert _environ.netrc_auth_for_host(url, allow_default=allow_default) == expected
    if allow_default:
        assert requests.utils.get_netrc_auth(url) == expected


def test_netrc_auth_for_host_raise_errors(write_netrc: Callable[[str], Path]) -> None:
    write_netrc("machine")
    assert _environ.netrc_auth_for_host("http://a.test/", allow_default=False) is None
    with pytest.raises(netrc.NetrcParseError):
        _environ.netrc_auth_for_host("http://a.test/", allow_default=False, raise_errors=True)


# --------------------------------------------------------------------------------------
# The parse cache
# --------------------------------------------------------------------------------------


def bump_mtime(path: Path, seconds: int = 10) -> None:
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + seconds * 1_000_000_000))


def test_unchanged_file_parsed_once(
    write_netrc: Callable[[str], Path], parse_counter: list[str]
) -> None:
    path = write_netrc("machine a.test login u password p\nmachine b.test login b password bp")
    for _ in range(5):
        assert _environ.get_netrc_auth("http://a.test/") == ("u", "p")
        assert _environ.get_netrc_auth("http://b.test/") == ("b", "bp")
        assert _environ.netrc_auth_for_host("http://b.test/", allow_default=False) == ("b", "bp")
    assert parse_counter == [str(path)]


def test_rewritten_file_is_reparsed(
    write_netrc: Callable[[str], Path], parse_counter: list[str]
) -> None:
    path = write_netrc("machine a.test login old password oldpw")
    assert _environ.get_netrc_auth("http://a.test/") == ("old", "oldpw")
    path.write_text("machine a.test login new password newpw")  # same size, new content
    bump_mtime(path)
    assert _environ.get_netrc_auth("http://a.test/") == ("new", "newpw")
    assert len(parse_counter) == 2
    assert _environ.get_netrc_auth("http://a.test/") == ("new", "newpw")
    assert len(parse_counter) == 2


def test_file_grown_within_same_mtime_is_reparsed(
    write_netrc: Callable[[str], Path], parse_counter: list[str]
) -> None:
    path = write_netrc("machine a.test login u password p")
    mtime = path.stat().st_mtime_ns
    assert _environ.get_netrc_auth("http://b.test/") is None
    path.write_text("machine a.test login u password p\nmachine b.test login b password bp")
    os.utime(path, ns=(mtime, mtime))  # size differs even though mtime does not
    assert _environ.get_netrc_auth("http://b.test/") == ("b", "bp")
    assert len(parse_counter) == 2


def test_file_replaced_by_rename_is_reparsed(
    write_netrc: Callable[[str], Path], parse_counter: list[str], tmp_path: Path
) -> None:
    path = write_netrc("machine a.test login old password oldpw")
    st = path.stat()
    assert _environ.get_netrc_auth("http://a.test/") == ("old", "oldpw")
    replacement = tmp_path / "replacement"
    replacement.write_text("machine a.test login new password newpw")  # same size
    os.utime(replacement, ns=(st.st_atime_ns, st.st_mtime_ns))  # and same mtime
    os.replace(replacement, path)
    assert _environ.get_netrc_auth("http://a.test/") == ("new", "newpw")
    assert len(parse_counter) == 2


def test_deleted_file_means_no_credentials(write_netrc: Callable[[str], Path]) -> None:
    path = write_netrc("machine a.test login u password p")
    assert _environ.get_netrc_auth("http://a.test/") == ("u", "p")
    path.unlink()
    assert _environ.get_netrc_auth("http://a.test/") is None


def test_switching_netrc_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parse_counter: list[str]
) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    first.write_text("machine a.test login one password 1")
    second.write_text("machine a.test login two password 2")
    for _ in range(3):
        monkeypatch.setenv("NETRC", str(first))
        assert _environ.get_netrc_auth("http://a.test/") == ("one", "1")
        monkeypatch.setenv("NETRC", str(second))
        assert _environ.get_netrc_auth("http://a.test/") == ("two", "2")
    assert sorted(parse_counter) == [str(first), str(second)]


def test_parse_error_cached_until_fixed(
    write_netrc: Callable[[str], Path], parse_counter: list[str]
) -> None:
    path = write_netrc("machine")
    for _ in range(3):
        assert _environ.get_netrc_auth("http://a.test/") is None
    assert len(parse_counter) == 1
    path.write_text("machine a.test login u password p")
    bump_mtime(path)
    assert _environ.get_netrc_auth("http://a.test/") == ("u", "p")
    assert len(parse_counter) == 2


def test_io_errors_are_not_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parse_counter: list[str]
) -> None:
    monkeypatch.setenv("NETRC", str(tmp_path))  # a directory: open() fails every time
    assert _environ.get_netrc_auth("http://a.test/") is None
    assert _environ.get_netrc_auth("http://a.test/") is None
    assert len(parse_counter) == 2


def test_cache_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for i in range(3 * _environ._NETRC_CACHE_MAX):
        path = tmp_path / f"n{i}"
        path.write_text(f"machine a.test login u{i} password p")
        monkeypatch.setenv("NETRC", str(path))
        assert _environ.get_netrc_auth("http://a.test/") == (f"u{i}", "p")
    assert len(_environ._netrc_cache) <= _environ._NETRC_CACHE_MAX


def test_concurrent_lookups(write_netrc: Callable[[str], Path]) -> None:
    write_netrc("".join(f"machine h{i}.test login u{i} password p{i}\n" for i in range(50)))
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            for _ in range(50):
                assert _environ.get_netrc_auth(f"http://h{i}.test/") == (f"u{i}", f"p{i}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


# --------------------------------------------------------------------------------------
# CA bundle variables (case 21)
# --------------------------------------------------------------------------------------

CA_CASES: list[tuple[dict[str, str], str | None]] = [
    ({}, None),
    ({"REQUESTS_CA_BUNDLE": "/r.pem"}, "/r.pem"),
    ({"CURL_CA_BUNDLE": "/c.pem"}, "/c.pem"),
    ({"REQUESTS_CA_BUNDLE": "/r.pem", "CURL_CA_BUNDLE": "/c.pem"}, "/r.pem"),
    ({"CURL_CA_BUNDLE": ""}, None),
    ({"REQUESTS_CA_BUNDLE": ""}, None),
    ({"REQUESTS_CA_BUNDLE": "", "CURL_CA_BUNDLE": ""}, None),
    ({"REQUESTS_CA_BUNDLE": "", "CURL_CA_BUNDLE": "/c.pem"}, "/c.pem"),
    ({"REQUESTS_CA_BUNDLE": "/r.pem", "CURL_CA_BUNDLE": ""}, "/r.pem"),
]


@pytest.mark.parametrize(("env", "expected"), CA_CASES)
def test_ca_bundle_from_env(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: str | None
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert _environ.ca_bundle_from_env() == expected
    # requests' session: verify=True becomes the env bundle, never an empty string.
    settings = requests.Session().merge_environment_settings(
        "https://a.test/", {}, False, True, None
    )
    assert settings["verify"] == (expected if expected is not None else True)


# --------------------------------------------------------------------------------------
# extract_zipped_paths (case 47) and atomic_open
# --------------------------------------------------------------------------------------


@pytest.fixture
def zipped(tmp_path: Path) -> Path:
    archive = tmp_path / "pkg.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("certs/ca.pem", b"CA BYTES")
        zf.writestr("a/../evil.txt", b"EVIL")
        zf.writestr("noext", b"N")
        zf.writestr("odd.\\..\\x", b"O")
    return archive


def test_extract_zipped_paths_fresh_private_files(zipped: Path) -> None:
    target = f"{zipped}/certs/ca.pem"
    first = _environ.extract_zipped_paths(target)
    second = _environ.extract_zipped_paths(target)
    try:
        assert first != second
        for extracted in (first, second):
            assert os.path.dirname(extracted) == tempfile.gettempdir()
            assert extracted.endswith(".pem")
            assert Path(extracted).read_bytes() == b"CA BYTES"
            assert stat.S_IMODE(os.stat(extracted).st_mode) == 0o600
    finally:
        os.unlink(first)
        os.unlink(second)


def test_extract_zipped_paths_ignores_planted_file(zipped: Path, tmp_path: Path) -> None:
    planted = Path(tempfile.gettempdir()) / "ca.pem"
    created = not planted.exists()
    if created:
        planted.write_bytes(b"ATTACKER")
    try:
        extracted = _environ.extract_zipped_paths(f"{zipped}/certs/ca.pem")
        assert extracted != str(planted)
        assert Path(extracted).read_bytes() == b"CA BYTES"
        os.unlink(extracted)
    finally:
        if created:
            planted.unlink()


def test_extract_zipped_paths_symlink_not_followed(zipped: Path, tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_bytes(b"untouched")
    link = Path(tempfile.gettempdir()) / "ca.pem"
    if link.exists() or link.is_symlink():
        pytest.skip("a ca.pem already exists in the temp dir")
    link.symlink_to(victim)
    try:
        extracted = _environ.extract_zipped_paths(f"{zipped}/certs/ca.pem")
        assert extracted != str(link)
        assert victim.read_bytes() == b"untouched"
        os.unlink(extracted)
    finally:
        link.unlink()


@pytest.mark.parametrize("member", ["a/../evil.txt", "noext", "odd.\\..\\x"])
def test_extract_zipped_paths_stays_in_tempdir(zipped: Path, member: str) -> None:
    extracted = _environ.extract_zipped_paths(f"{zipped}/{member}")
    try:
        assert os.path.dirname(os.path.realpath(extracted)) == os.path.realpath(
            tempfile.gettempdir()
        )
        assert "\\" not in os.path.basename(extracted)
        with zipfile.ZipFile(zipped) as zf:
            assert Path(extracted).read_bytes() == zf.read(member)
    finally:
        os.unlink(extracted)


def test_extract_zipped_paths_unchanged(zipped: Path, tmp_path: Path) -> None:
    notzip = tmp_path / "notzip"
    notzip.write_text("x")
    for path in [
        str(zipped),
        f"{zipped}/missing.pem",
        f"{zipped}/",
        f"{zipped}/certs",
        f"{notzip}/member",
        "/nonexistent/x/y",
        "relative/x",
        "//server/share/x",
        "",
        __file__,
    ]:
        assert _environ.extract_zipped_paths(path) == path
        assert requests.utils.extract_zipped_paths(path) == path


def test_atomic_open_replaces_on_success(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    with _environ.atomic_open(str(target)) as handle:
        handle.write(b"new contents")
        assert target.read_bytes() == b"old"  # not visible until the block ends
    assert target.read_bytes() == b"new contents"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.bin"]


def test_atomic_open_keeps_original_on_error(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), _environ.atomic_open(str(target)) as handle:
        handle.write(b"partial")
        raise RuntimeError("boom")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.bin"]


def test_atomic_open_creates(tmp_path: Path) -> None:
    target = tmp_path / "fresh.bin"
    with _environ.atomic_open(str(target)) as handle:
        handle.write(b"x")
    assert target.read_bytes() == b"x"
    with requests.utils.atomic_open(str(tmp_path / "oracle.bin")) as handle:
        handle.write(b"x")
    assert (tmp_path / "oracle.bin").read_bytes() == target.read_bytes()


def test_default_netrc_location_is_rechecked_at_most_once_per_window(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The per-request path does not stat ~/.netrc again within NETRC_RECHECK_SECONDS."""
    import os as _os

    from tether import _environ

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(_environ, "NETRC_RECHECK_SECONDS", 60.0)
    _environ.clear_caches()
    calls: list[str] = []
    real_stat = _os.stat

    def counting_stat(path: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(str(path))
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(_environ.os, "stat", counting_stat)
    assert _environ.get_netrc_auth("http://127.0.0.1/") is None
    first = len(calls)
    assert first >= 1
    for _ in range(50):
        assert _environ.get_netrc_auth("http://127.0.0.1/") is None
    assert len(calls) == first
    # A file created inside the window is picked up once the window has passed.
    (tmp_path / ".netrc").write_text("machine 127.0.0.1 login u password p\n")
    monkeypatch.setattr(_environ, "NETRC_RECHECK_SECONDS", 0.0)
    assert _environ.get_netrc_auth("http://127.0.0.1/") == ("u", "p")
