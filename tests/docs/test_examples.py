"""Every code example in the documentation runs, against local servers only.

Convention (also written down in docs/dev/docs-examples.md, for authors of pages):

* A fenced block opened with ```python is run. The blocks of one page run in order, in one
  namespace, so a later block can use what an earlier one defined.
* A fenced block opened with ```pycon is run as a doctest in that same namespace, and its
  printed output must match (``...`` matches anything).
* ``<!-- no-run -->`` on the line just before the opening fence skips that block (a
  fragment, a placeholder like ``...``, or something that needs a host that cannot exist
  here). Every other language (``sh``, ``text``, ``toml`` ...) is shown, never run.
* Examples talk to httpbin: ``https://httpbin.org`` and ``http://httpbin.org`` are
  replaced, before running, by a local pytest-httpbin server (the TLS one is trusted
  through ``REQUESTS_CA_BUNDLE``), so an example is also correct against the real service.
  Any other host is refused: the test blocks name resolution for everything but loopback,
  so no example ever reaches the internet.
* Each page runs in a fresh temporary directory (files an example writes stay there).

Docstring examples: the ```python blocks in the public modules' docstrings (rendered in the
API reference) are run the same way, one test per block, with ``tether`` imported.

Pages are discovered when the tests are collected, so a new page is checked without any
change here.
"""

from __future__ import annotations

import ast
import doctest
import re
import socket
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.rglob("*.md"))
PUBLIC_MODULES = (
    "api",
    "sessions",
    "models",
    "adapters",
    "auth",
    "cookies",
    "_cookies",
    "exceptions",
    "structures",
    "hooks",
)

_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})\s*(?P<lang>[\w+-]*)[^\n]*$")
_NO_RUN = re.compile(r"^\s*<!--\s*no-run\b.*-->\s*$")
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1", "0.0.0.0"})


@dataclass(frozen=True)
class Block:
    lang: str  # "python" or "pycon"
    line: int  # 1-based line of the opening fence
    code: str


def extract_blocks(text: str) -> list[Block]:
    """The runnable blocks of a Markdown page, in order."""
    lines = text.splitlines()
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        fence, lang, indent = match["fence"], match["lang"].lower(), len(match["indent"])
        skip = i > 0 and bool(_NO_RUN.match(lines[i - 1]))
        body: list[str] = []
        j = i + 1
        while j < len(lines) and not lines[j].strip().startswith(fence[0] * len(fence)):
            body.append(lines[j][indent:] if lines[j][:indent].isspace() else lines[j])
            j += 1
        if lang in ("python", "py", "pycon") and not skip:
            blocks.append(Block("pycon" if lang == "pycon" else "python", i + 1, "\n".join(body)))
        i = j + 1
    return blocks


def localize(code: str, http_url: str, https_url: str) -> str:
    return code.replace("https://httpbin.org", https_url).replace("http://httpbin.org", http_url)


@pytest.fixture
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Refuse name resolution (and so connections) for anything but loopback."""
    refused: list[str] = []
    real = socket.getaddrinfo

    def guarded(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name.strip("[]") not in _LOOPBACK:
            refused.append(name)
            raise socket.gaierror(f"docs examples may only reach loopback, not {name!r}")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", guarded)
    yield refused


@pytest.fixture
def example_env(
    httpbin: Any,
    httpbin_secure: Any,
    httpbin_ca_bundle: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    loopback_only: list[str],
) -> Iterator[tuple[str, str, list[str]]]:
    """Local httpbin URLs; the local CA trusted as certifi's bundle would be in real life."""
    import certifi

    from tether import _transport

    monkeypatch.chdir(tmp_path)
    # REQUESTS_CA_BUNDLE (set by httpbin_ca_bundle) covers Session.request; Session.send
    # and adapters used directly fall back to certifi, so that is pointed at the CA too.
    monkeypatch.setattr(certifi, "where", lambda: httpbin_ca_bundle)
    _transport.default_ca_bundle.cache_clear()
    yield httpbin.url, httpbin_secure.url, loopback_only
    _transport.default_ca_bundle.cache_clear()


def run_blocks(blocks: list[Block], where: str, env: tuple[str, str, list[str]]) -> None:
    http_url, https_url, refused = env
    namespace: dict[str, Any] = {"__name__": "__docs_example__"}
    for block in blocks:
        code = localize(block.code, http_url, https_url)
        label = f"{where}:{block.line}"
        try:
            if block.lang == "python":
                exec(compile(code, label, "exec"), namespace)
            else:
                _run_doctest(code, label, namespace)
        except Exception as error:
            hint = (
                f" (it tried to reach {sorted(set(refused))}; use httpbin.org or mark the block"
                " <!-- no-run -->)"
                if refused
                else ""
            )
            raise AssertionError(
                f"docs example at {label} failed{hint}:\n{textwrap.indent(block.code, '    ')}"
            ) from error


def _run_doctest(code: str, label: str, namespace: dict[str, Any]) -> None:
    parser = doctest.DocTestParser()
    test = parser.get_doctest(code, namespace, label, label, 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    output: list[str] = []
    runner.run(test, out=output.append, clear_globs=False)
    if runner.failures:
        raise AssertionError("".join(output))


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(DOCS)) for p in PAGES])
def test_page_examples_run(page: Path, example_env: tuple[str, str, list[str]]) -> None:
    blocks = extract_blocks(page.read_text(encoding="utf-8"))
    if not blocks:
        pytest.skip("no runnable example on this page")
    run_blocks(blocks, str(page.relative_to(ROOT)), example_env)


def _docstring_examples() -> list[tuple[str, int, str]]:
    """The ```python blocks of the public modules' docstrings (shown in the API reference)."""
    found: list[tuple[str, int, str]] = []
    for name in PUBLIC_MODULES:
        path = ROOT / "src" / "tether" / f"{name}.py"
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(
                node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
            ):
                continue
            doc = ast.get_docstring(node)
            if not doc:
                continue
            line = getattr(node, "lineno", 1)
            for block in extract_blocks(doc):
                found.append((f"src/tether/{name}.py", line, block.code))
    return found


DOCSTRING_EXAMPLES = _docstring_examples()


def test_docstring_examples_are_found() -> None:
    assert len(DOCSTRING_EXAMPLES) >= 6


@pytest.mark.parametrize(
    ("where", "line", "code"),
    DOCSTRING_EXAMPLES,
    ids=[f"{w}:{n}" for w, n, _ in DOCSTRING_EXAMPLES],
)
def test_docstring_examples_run(
    where: str, line: int, code: str, example_env: tuple[str, str, list[str]]
) -> None:
    # Docstring examples may use ``tether`` without importing it.
    run_blocks([Block("python", line, "import tether\n" + code)], where, example_env)


# -- the extractor itself -------------------------------------------------------------------


def test_extractor_follows_the_convention() -> None:
    page = textwrap.dedent(
        """\
        ```python
        a = 1
        ```

        <!-- no-run -->
        ```python
        raise SystemExit("skipped")
        ```

        ```sh
        echo shown only
        ```

        ```pycon
        >>> a + 1
        2
        ```
        """
    )
    blocks = extract_blocks(page)
    assert [(b.lang, b.line, b.code) for b in blocks] == [
        ("python", 1, "a = 1"),
        ("pycon", 14, ">>> a + 1\n2"),
    ]


def test_examples_cannot_reach_other_hosts(loopback_only: list[str]) -> None:
    with pytest.raises(socket.gaierror):
        socket.getaddrinfo("example.org", 443)
    assert loopback_only == ["example.org"]
