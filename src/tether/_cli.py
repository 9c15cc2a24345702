"""The ``tether`` command line: one HTTP request made by hand, sent through a Session.

``tether [METHOD] URL [ITEM ...]`` in the spirit of HTTPie and curl. This module turns the
arguments into a `Plan` (pure parsing: no network, no files), sends it through a
`tether.Session`, writes the body to standard output or a file, and maps the outcome to an
exit code a script can rely on (see `EXIT_CODES`; docs/cli.md documents them). Errors are
reported as one line on standard error, never as a traceback.

Theory of operation:

* Items follow HTTPie's syntax. Each item is split at the *first* separator it contains,
  and at one position the longer separator wins (``a==b`` is a query item, not a form field
  whose value starts with ``=``): ``==`` query, ``:=`` raw JSON, ``=`` form/JSON field,
  ``@`` file upload, ``:`` header.
* The body: file items make a multipart upload (``=`` fields ride along); otherwise any
  ``:=`` item or ``--json`` makes a JSON object; otherwise ``=`` fields are form-encoded.
  ``--raw`` sends bytes as given. A request with a body defaults to POST, without to GET.
* ``--session NAME`` loads a saved session before the request and saves it after, in the
  JSON session format of `Session.save` / `Session.load` (never pickle: a session file must
  not be able to run code). Files live in a per-user directory, one folder per host, so a
  session's cookies and headers are only ever offered to the host they came from.
* Output: when standard output is a pipe or a file, the body is written byte for byte as
  it arrives. On a terminal, text is shown (JSON indented) and binary bodies are not
  dumped. ``--output``/``--download`` stream to a file through a temporary name, so a failed
  download never leaves a truncated file under the final name; a progress bar is drawn on
  standard error only when it is a terminal.
"""

from __future__ import annotations

import argparse
import contextlib
import email.message
import getpass
import json
import os
import re
import ssl
import sys
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import unquote, urlsplit

from urllib3.exceptions import ReadTimeoutError

from . import exceptions as exc
from .auth import HTTPBasicAuth, HTTPDigestAuth
from .models import Response
from .sessions import Session

__all__ = ["EXIT_CODES", "Plan", "UsageError", "build_parser", "main", "parse_plan"]

#: Exit status -> meaning. Documented in docs/cli.md; scripts depend on these numbers.
EXIT_CODES: dict[int, str] = {
    0: "success: the final response was 1xx or 2xx",
    1: "any other error (writing the output file, a malformed session file, ...)",
    2: "usage error: bad arguments, an invalid URL or header",
    3: "the final response was a redirect (3xx) that was not followed",
    4: "the final response was a client error (4xx)",
    5: "the final response was a server error (5xx)",
    6: "connection error: refused, DNS failure, TLS failure, proxy failure, connection lost",
    7: "timeout: connecting or reading took longer than --timeout",
    8: "too many redirects (more than --max-redirects)",
    130: "interrupted (Ctrl-C)",
}

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_CONNECTION = 6
EXIT_TIMEOUT = 7
EXIT_TOO_MANY_REDIRECTS = 8
EXIT_INTERRUPTED = 130

_KNOWN_METHODS = frozenset(
    {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"}
)
# Separators in the order that breaks ties at one position: the longest first.
_SEPARATORS = ("==", ":=", "=", "@", ":")
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")  # RFC 9110 token
_CHUNK = 64 * 1024

EXAMPLES = """\
examples:
  tether example.org                          GET http://example.org/
  tether :8000/items page==2                  GET http://localhost:8000/items?page=2
  tether POST :8000/login user=ann pw=s3cret  form-encoded POST
  tether PUT :8000/item/1 name=pen price:=1.5 JSON body {"name": "pen", "price": 1.5}
  tether :8000/upload doc@report.pdf          multipart upload (POST)
  tether -H 'Accept: text/csv' :8000/export   add a header (or: Accept:text/csv)
  tether --auth ann:s3cret --auth-type digest https://api.example.org/me
  tether --session work :8000/login user=ann  keep cookies and headers in session "work"
  tether --download https://example.org/file.tar.gz
  tether demo                                 walk a Session through a local demo server

exit codes:
  0 success (1xx/2xx)   3 redirect not followed   4 client error (4xx)
  5 server error (5xx)  6 connection error        7 timeout
  8 too many redirects  2 usage error             1 any other error
"""


class UsageError(Exception):
    """The arguments do not describe a request (exit status 2)."""


class _CliError(Exception):
    """A failure already phrased for the user, with the exit status it maps to."""

    def __init__(self, message: str, status: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.status = status


# -- parsing ---------------------------------------------------------------------------------


@dataclass
class Plan:
    """Everything the command line asked for, before anything is sent."""

    method: str
    url: str
    headers: list[tuple[str, str | None]] = field(default_factory=list)
    params: list[tuple[str, str]] = field(default_factory=list)
    data: list[tuple[str, str]] = field(default_factory=list)
    json: dict[str, Any] | None = None
    files: list[tuple[str, str]] = field(default_factory=list)
    raw: bytes | None = None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tether",
        usage="tether [options] [METHOD] URL [ITEM ...]\n       tether demo",
        description=(
            "Send one HTTP request through a tether Session and print the response body.\n\n"
            "ITEM is one of:\n"
            "  Name:value    request header        (Name: with no value removes the header)\n"
            "  name==value   query parameter\n"
            "  name=value    form field (a JSON string field with --json or any := item)\n"
            "  name:=json    JSON field with a raw JSON value, e.g. n:=3 tags:='[\"a\"]'\n"
            "  name@path     file upload (multipart/form-data)\n\n"
            "METHOD defaults to POST when there is a body and GET otherwise. A URL without a\n"
            "scheme gets http://; ':8000/x' is short for http://localhost:8000/x."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "args", nargs="*", metavar="[METHOD] URL [ITEM ...]", help=argparse.SUPPRESS
    )

    req = parser.add_argument_group("request")
    req.add_argument(
        "-H",
        "--header",
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help="add a header (repeatable); 'NAME:' with no value removes it",
    )
    req.add_argument(
        "--json",
        action="store_true",
        help="send name=value items as a JSON object and ask for JSON (Accept)",
    )
    req.add_argument(
        "--raw",
        metavar="DATA",
        help="send DATA as the body as it is; @PATH reads a file, @- standard input",
    )
    req.add_argument(
        "-a", "--auth", metavar="USER:PASS", help="credentials (prompted for if only USER)"
    )
    req.add_argument(
        "--auth-type",
        choices=("basic", "digest"),
        default="basic",
        help="authentication scheme for --auth (default: basic)",
    )
    req.add_argument(
        "--session",
        metavar="NAME",
        help="load and save cookies and headers in a named session (per host); "
        "a NAME with a / or ending in .json is a file path",
    )

    net = parser.add_argument_group("network")
    net.add_argument("--timeout", type=float, metavar="SECONDS", help="connect and read timeout")
    net.add_argument(
        "--verify",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="verify the server's TLS certificate (default: yes); --no-verify turns it off",
    )
    net.add_argument("--ca-bundle", metavar="PATH", help="verify TLS against this CA bundle")
    net.add_argument("--cert", metavar="PATH", help="client certificate (PEM, may hold the key)")
    net.add_argument("--cert-key", metavar="PATH", help="private key of --cert, if separate")
    net.add_argument(
        "--proxy",
        action="append",
        default=[],
        metavar="[SCHEME:]URL",
        help="proxy for all requests, or for one scheme: --proxy https:http://proxy:3128",
    )
    net.add_argument(
        "--follow",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="follow redirects (default: yes)",
    )
    net.add_argument("--max-redirects", type=int, metavar="N", help="redirect limit (default: 30)")

    out = parser.add_argument_group("output")
    out.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="print request and response headers (standard error)",
    )
    out.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write the body to FILE (streamed; '-' is standard output)",
    )
    out.add_argument(
        "-d",
        "--download",
        action="store_true",
        help="save the body to a file named after the response (or --output)",
    )
    out.add_argument("-q", "--quiet", action="store_true", help="no notes or progress bar")
    out.add_argument("--version", action="store_true", help="print the version and exit")
    return parser


def parse_plan(args: Sequence[str], *, json_mode: bool = False, raw: bytes | None = None) -> Plan:
    """Turn ``[METHOD] URL [ITEM ...]`` into a `Plan`; raise `UsageError` if they don't fit."""
    if not args:
        raise UsageError("a URL is required")
    method: str | None = None
    rest = list(args)
    if len(rest) > 1 and _looks_like_method(rest[0]):
        method = rest.pop(0).upper()
    url = normalize_url(rest.pop(0))
    plan = Plan(method="", url=url, raw=raw)
    json_fields: dict[str, Any] = {}
    has_json_items = False
    for item in rest:
        name, sep, value = split_item(item)
        if sep == ":":
            if not _HEADER_NAME.match(name):
                raise UsageError(f"invalid header name in {item!r}")
            plan.headers.append((name, value.strip() or None))
        elif sep == "==":
            plan.params.append((name, value))
        elif sep == "=":
            plan.data.append((name, value))
        elif sep == ":=":
            try:
                json_fields[name] = json.loads(value)
            except ValueError as error:
                raise UsageError(f"{item!r}: the value after := is not JSON ({error})")
            has_json_items = True
        else:  # "@"
            plan.files.append((name, value))
    if plan.files and (has_json_items or json_mode):
        raise UsageError("file uploads (name@path) cannot be combined with a JSON body")
    if raw is not None and (plan.files or plan.data or has_json_items):
        raise UsageError("--raw cannot be combined with body items")
    if has_json_items or json_mode:
        body: dict[str, Any] = dict(plan.data)
        body.update(json_fields)
        plan.data = []
        plan.json = body if (body or has_json_items) else None
    has_body = bool(plan.data or plan.files or plan.json is not None or raw is not None)
    plan.method = method or ("POST" if has_body else "GET")
    return plan


def _looks_like_method(token: str) -> bool:
    # `tether localhost x==1` must not read "localhost" as a method: only well-known methods
    # (any case) or an all-uppercase token (PROPFIND, PURGE) count.
    return token.upper() in _KNOWN_METHODS or (token.isalpha() and token.isupper())


def split_item(item: str) -> tuple[str, str, str]:
    """``'a==b'`` -> ``('a', '==', 'b')``; raise `UsageError` for text with no separator."""
    best: tuple[int, str] | None = None
    for sep in _SEPARATORS:
        at = item.find(sep)
        # Strictly earlier wins; at the same position the earlier (longer) separator stays.
        if at > 0 and (best is None or at < best[0]):
            best = (at, sep)
    if best is None:
        raise UsageError(
            f"{item!r} is not an item (expected Name:value, name==value, name=value, "
            "name:=json or name@file)"
        )
    at, sep = best
    return item[:at], sep, item[at + len(sep) :]


def normalize_url(text: str) -> str:
    """Add what people leave out: ``:8000/x`` -> localhost, no scheme -> ``http://``."""
    if text.startswith(":"):
        rest = text[1:]
        port, _, path = rest.partition("/")
        host = f"localhost:{port}" if port else "localhost"
        return f"http://{host}/{path}"
    if "://" not in text:
        return "http://" + text
    return text


def parse_header_option(text: str) -> tuple[str, str | None]:
    """``'Name: value'`` (an ``-H`` argument) -> ``('Name', 'value')``; no value -> None."""
    name, sep, value = text.partition(":")
    name = name.strip()
    if not sep or not _HEADER_NAME.match(name):
        raise UsageError(f"-H {text!r}: expected 'Name: value'")
    return name, value.strip() or None


def parse_proxies(values: Sequence[str]) -> dict[str, str]:
    proxies: dict[str, str] = {}
    for value in values:
        match = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*):([A-Za-z][A-Za-z0-9+.-]*://.+)$", value)
        if match:
            proxies[match.group(1).lower()] = match.group(2)
        else:
            proxies["http"] = proxies["https"] = value
    return proxies


# -- sessions on disk -------------------------------------------------------------------------


def config_dir() -> Path:
    """``$TETHER_CONFIG_DIR``, else ``$XDG_CONFIG_HOME/tether``, else the platform's place."""
    explicit = os.environ.get("TETHER_CONFIG_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CONFIG_HOME")
    if xdg:
        return Path(xdg) / "tether"
    if sys.platform == "win32" and os.environ.get("APPDATA"):
        return Path(os.environ["APPDATA"]) / "tether"
    return Path.home() / ".config" / "tether"


def session_path(name: str, url: str) -> Path:
    """Where ``--session NAME`` lives for ``url``: one folder per host (and port)."""
    if "/" in name or os.sep in name or name.endswith(".json"):
        return Path(name).expanduser()
    if not re.match(r"^[A-Za-z0-9_.-]+$", name) or name.startswith("."):
        raise UsageError(f"--session {name!r}: use letters, digits, '.', '_' and '-' only")
    parts = urlsplit(url)
    host = (parts.hostname or "localhost").replace(":", "_")  # IPv6 literals
    folder = f"{host}_{parts.port}" if parts.port else host
    return config_dir() / "sessions" / folder / f"{name}.json"


# -- running ---------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``tether`` and ``python -m tether``; returns the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["demo"]:
        from ._demo import run

        return run()
    if args[:1] == ["version"]:
        args = ["--version"]
    parser = build_parser()
    try:
        options = parser.parse_intermixed_args(args)
    except SystemExit as stop:  # argparse printed its message (and usage) already
        return stop.code if isinstance(stop.code, int) else EXIT_USAGE
    if options.version:
        from .__version__ import __tether_version__, __version__

        print(f"tether {__tether_version__} (requests API {__version__})")
        return EXIT_OK
    if not options.args:
        parser.print_usage(sys.stderr)
        _error("a URL is required (tether --help shows the options and examples)")
        return EXIT_USAGE
    try:
        with warnings.catch_warnings():
            # --no-verify is the user's explicit choice; urllib3's warning would only repeat it.
            warnings.filterwarnings("ignore", message="Unverified HTTPS request")
            return _run(options)
    except UsageError as error:
        _error(f"{error}")
        return EXIT_USAGE
    except _CliError as error:
        _error(str(error))
        return error.status
    except KeyboardInterrupt:
        _error("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`tether URL | head`): stop quietly, and keep Python from
        # complaining again when it flushes stdout at exit.
        with contextlib.suppress(OSError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return EXIT_ERROR


def _error(message: str) -> None:
    print(f"tether: error: {message}", file=sys.stderr)


def _note(options: argparse.Namespace, message: str) -> None:
    if not options.quiet:
        print(f"tether: {message}", file=sys.stderr)


def _run(options: argparse.Namespace) -> int:
    raw = _read_raw(options.raw) if options.raw is not None else None
    plan = parse_plan(options.args, json_mode=options.json, raw=raw)
    cli_headers = [parse_header_option(h) for h in options.header] + plan.headers
    if options.max_redirects is not None and options.max_redirects < 0:
        raise UsageError("--max-redirects must be 0 or more")
    if options.timeout is not None and options.timeout <= 0:
        raise UsageError("--timeout must be a positive number of seconds")
    if options.download and options.output == "-":
        raise UsageError("--download cannot write to standard output")

    path = session_path(options.session, plan.url) if options.session else None
    session = _open_session(path)
    with session, contextlib.ExitStack() as stack:
        for name, value in cli_headers:
            if value is None:
                session.headers.pop(name, None)
            else:
                session.headers[name] = value
        request_headers: dict[str, str] = {}
        if (plan.json is not None or options.json) and not any(
            n.lower() == "accept" for n, _ in cli_headers
        ):
            # Asked for per request, so a saved session does not keep it for later calls.
            request_headers["Accept"] = "application/json, */*;q=0.5"
        saved_max_redirects = session.max_redirects
        if options.max_redirects is not None:
            session.max_redirects = options.max_redirects
        verify: bool | str = options.ca_bundle if options.ca_bundle else options.verify
        cert: str | tuple[str, str] | None = options.cert
        if options.cert and options.cert_key:
            cert = (options.cert, options.cert_key)
        elif options.cert_key:
            raise UsageError("--cert-key needs --cert")
        files = [
            (name, (os.path.basename(p), stack.enter_context(_open_upload(p))))
            for name, p in plan.files
        ]
        kwargs: dict[str, Any] = {
            "headers": request_headers or None,
            "params": plan.params or None,
            "data": plan.raw if plan.raw is not None else (plan.data or None),
            "json": plan.json,
            "files": files or None,
            "auth": _auth(options),
            "timeout": options.timeout,
            "verify": verify,
            "cert": cert,
            "proxies": parse_proxies(options.proxy) or None,
            "allow_redirects": options.follow,
            "stream": True,
        }
        try:
            response = session.request(plan.method, plan.url, **kwargs)
            with response:
                if options.verbose:
                    _print_exchange(response)
                status = _exit_status(response.status_code)
                if options.download or options.output not in (None, "-"):
                    _download(options, response, status)
                else:
                    _print_body(response, plan.method)
        except (exc.InvalidURL, exc.MissingSchema, exc.InvalidSchema, exc.InvalidHeader) as error:
            raise UsageError(_first_line(error))
        except exc.TooManyRedirects:
            raise _CliError(
                f"too many redirects (more than {session.max_redirects})",
                EXIT_TOO_MANY_REDIRECTS,
            )
        except exc.RequestException as error:
            raise _classify(error, plan.url, options.timeout)
        if path is not None:
            session.max_redirects = saved_max_redirects  # an option, not a session setting
            _save_session(session, path)
    if status != EXIT_OK:
        reason = f" {response.reason}" if response.reason else ""
        where = ""
        if status == 3 and response.headers.get("Location"):
            where = f" -> {response.headers['Location']}"
        _note(options, f"HTTP {response.status_code}{reason}{where}")
    return status


def _exit_status(code: int) -> int:
    if code < 300:
        return EXIT_OK
    return min(code // 100, 5)


def _read_raw(text: str) -> bytes:
    if text == "@-":
        return sys.stdin.buffer.read()
    if text.startswith("@"):
        try:
            return Path(text[1:]).read_bytes()
        except OSError as error:
            raise UsageError(f"--raw {text}: {error.strerror or error}")
    return text.encode("utf-8")


@contextlib.contextmanager
def _open_upload(path: str) -> Iterator[IO[bytes]]:
    try:
        handle = open(path, "rb")  # noqa: SIM115 (closed by the context manager below)
    except OSError as error:
        raise UsageError(f"cannot read upload {path!r}: {error.strerror or error}")
    with handle:
        yield handle


def _auth(options: argparse.Namespace) -> Any:
    if not options.auth:
        return None
    user, sep, password = options.auth.partition(":")
    if not sep:
        if not sys.stdin.isatty():
            raise UsageError("--auth needs USER:PASS (no terminal to ask for the password)")
        password = getpass.getpass(f"password for {user}: ")
    if options.auth_type == "digest":
        return HTTPDigestAuth(user, password)
    return HTTPBasicAuth(user, password)


def _open_session(path: Path | None) -> Session:
    if path is None or not path.exists():
        return Session()
    try:
        return Session.load(path)
    except exc.SessionFileError as error:
        # A malformed or hostile file: Session.load parses it and never runs any of it.
        message = _first_line(error)
        if str(path) not in message:
            message = f"{path}: {message}"
        raise _CliError(f"cannot load session file {message}")
    except OSError as error:
        raise _CliError(f"cannot read session file {str(path)!r}: {error.strerror or error}")


def _save_session(session: Session, path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # The user asked for this session to be kept, headers they set included (a bearer
        # token given with -H is the usual reason to use --session), so credentials are
        # written; the file is private (0600) and lives in the user's config directory.
        session.save(path, include_credentials=True)
    except OSError as error:
        raise _CliError(f"cannot write session file {str(path)!r}: {error.strerror or error}")


def _print_exchange(response: Response) -> None:
    """``-v``: every request and response of the exchange, redirects included, on stderr."""
    err = sys.stderr
    for hop in [*response.history, response]:
        request = hop.request
        parts = urlsplit(str(request.url or ""))
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        print(f"> {request.method} {target} HTTP/1.1", file=err)
        # urllib3 adds Host from the URL; show it so the request reads as it was sent.
        print(f"> Host: {parts.netloc.rpartition('@')[2]}", file=err)
        for name, value in request.headers.items():
            shown = value.decode("latin-1") if isinstance(value, bytes) else value
            print(f"> {name}: {shown}", file=err)
        if request.body is not None:
            size = getattr(request.body, "len", None)
            if size is None and isinstance(request.body, (bytes, str)):
                size = len(request.body)
            print(f"> ({size if size is not None else 'streamed'} bytes of body)", file=err)
        print(">", file=err)
        version = {10: "HTTP/1.0", 11: "HTTP/1.1"}.get(getattr(hop.raw, "version", 11), "HTTP/1.1")
        print(f"< {version} {hop.status_code} {hop.reason or ''}".rstrip(), file=err)
        for name, value in hop.headers.items():
            print(f"< {name}: {value}", file=err)
        print("<", file=err)
    err.flush()


_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript")


def _print_body(response: Response, method: str) -> None:
    if method == "HEAD":
        return
    stdout = sys.stdout
    if not stdout.isatty():
        # Pipes and files get the body byte for byte, as it arrives.
        out = stdout.buffer
        stdout.flush()
        for chunk in response.iter_content(_CHUNK):
            out.write(chunk)
        out.flush()
        return
    ctype = response.headers.get("Content-Type", "").lower()
    textual = ctype.startswith(_TEXT_TYPES) or ctype.split(";")[0].endswith(("+json", "+xml"))
    chunks = response.iter_content(_CHUNK)
    first = next(chunks, b"")
    if not first:
        return
    if not textual and b"\x00" in first:
        # Binary on a terminal: say so instead of dumping it (and stop reading it).
        print("tether: binary body not shown; use --output FILE to save it", file=sys.stderr)
        return
    body = first + b"".join(chunks)
    try:
        text = body.decode(response.encoding or "utf-8", errors="replace")
    except LookupError:  # a charset Python does not know
        text = body.decode("utf-8", errors="replace")
    if "json" in ctype:
        with contextlib.suppress(ValueError):
            text = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    stdout.write(text if text.endswith("\n") else text + "\n")
    stdout.flush()


def _download(options: argparse.Namespace, response: Response, status: int) -> None:
    if status != EXIT_OK:
        return  # no file for an error page; the exit status and the note say what happened
    target = Path(options.output) if options.output else _unique(_download_name(response))
    total = response.headers.get("Content-Length")
    size = (
        int(total)
        if total and total.isdigit() and "Content-Encoding" not in response.headers
        else None
    )
    bar = None
    if sys.stderr.isatty() and not options.quiet:
        from ._progress import ProgressBar

        bar = ProgressBar(sys.stderr, size)
    folder = target.parent if str(target.parent) else Path(".")
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
    except OSError as error:
        raise _CliError(f"cannot write {str(target)!r}: {error.strerror or error}")
    written = 0
    try:
        with os.fdopen(fd, "wb") as handle:
            for chunk in response.iter_content(_CHUNK):
                handle.write(chunk)
                written += len(chunk)
                if bar is not None:
                    bar.update(len(chunk))
            # mkstemp made the file private (0600); give it the mode any new file gets.
            os.chmod(temp, 0o666 & ~_umask())
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    if bar is not None:
        bar.finish()
    _note(options, f"saved {written} bytes to {target}")


def _umask() -> int:
    mask = os.umask(0o022)  # reading the umask means setting it; put it straight back
    os.umask(mask)
    return mask


def _download_name(response: Response) -> str:
    """A safe file name for ``--download``: Content-Disposition's, else the URL's last part.

    The server chooses the name, so it is reduced to a plain base name: no directories, no
    leading dots, no control characters (a hostile ``filename="../../.bashrc"`` becomes
    ``bashrc``).
    """
    candidate = ""
    disposition = response.headers.get("Content-Disposition")
    if disposition:
        message = email.message.Message()
        message["Content-Disposition"] = disposition
        candidate = message.get_filename() or ""
    if not candidate:
        candidate = unquote(urlsplit(response.url).path.rstrip("/").rpartition("/")[2])
    name = re.split(r"[/\\]", candidate)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip().lstrip(".")
    return name or "index"


def _unique(name: str) -> Path:
    path = Path(name)
    counter = 1
    while path.exists():
        path = Path(f"{name}-{counter}")
        counter += 1
    return path


def _classify(error: Exception, url: str, timeout: float | None = None) -> _CliError:
    """One line and an exit status for a failure of the request itself."""
    host = urlsplit(url).netloc.rpartition("@")[2] or url
    if isinstance(error, exc.Timeout) or _caused_by(error, ReadTimeoutError):
        phase = "connecting to" if isinstance(error, exc.ConnectTimeout) else "waiting for"
        after = f" after {timeout:g} s" if timeout is not None else ""
        return _CliError(f"timed out{after} {phase} {host}", EXIT_TIMEOUT)
    if isinstance(error, exc.SSLError):
        return _CliError(f"TLS error with {host}: {_root_reason(error)}", EXIT_CONNECTION)
    if isinstance(error, exc.ProxyError):
        return _CliError(f"proxy error: {_root_reason(error)}", EXIT_CONNECTION)
    if isinstance(error, (exc.ConnectionError, exc.ChunkedEncodingError)):
        return _CliError(f"connection to {host} failed: {_root_reason(error)}", EXIT_CONNECTION)
    return _CliError(f"{type(error).__name__}: {_first_line(error)}", EXIT_ERROR)


def _chain(error: BaseException) -> Iterator[BaseException]:
    """The error and everything it wraps: args, urllib3's ``reason``, causes and contexts."""
    seen: set[int] = set()
    todo = [error]
    while todo:
        current = todo.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo.extend(a for a in current.args if isinstance(a, BaseException))
        reason = getattr(current, "reason", None)
        if isinstance(reason, BaseException):
            todo.append(reason)
        for linked in (current.__cause__, current.__context__):
            if linked is not None:
                todo.append(linked)


def _caused_by(error: BaseException, cls: type[BaseException]) -> bool:
    return any(isinstance(e, cls) for e in _chain(error))


def _root_reason(error: BaseException) -> str:
    """The most specific human reason in the chain (``Connection refused``, a TLS verdict)."""
    for item in _chain(error):
        if isinstance(item, ssl.SSLCertVerificationError) and item.verify_message:
            return f"certificate verify failed: {item.verify_message}"
    for item in _chain(error):
        if isinstance(item, ssl.SSLError) and item.reason:
            return str(item.reason).replace("_", " ").lower()
        if isinstance(item, OSError) and item.strerror:
            return item.strerror
    deepest = list(_chain(error))[-1]
    return _first_line(deepest)


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]
