"""
tether._internal_utils
~~~~~~~~~~~~~~~~~~~~~~

Small helpers that third-party code imports from ``requests._internal_utils``; the name is
kept for that reason. Only the standard library is used here.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

builtin_str = str

# Header validation rules (RFC 9110 §5.1 field names, §5.5 field values), as requests
# applies them: a name may not be empty, start with whitespace or contain ':' or CR/LF;
# a value may be empty, but may not start with whitespace or contain CR/LF.
_VALID_HEADER_NAME_RE_STR = re.compile(r"^[^:\s][^:\r\n]*\Z")
_VALID_HEADER_VALUE_RE_STR = re.compile(r"^\S[^\r\n]*\Z|^\Z")
_HEADER_VALIDATORS_STR = (_VALID_HEADER_NAME_RE_STR, _VALID_HEADER_VALUE_RE_STR)

# The same rules for ``bytes`` headers, which few programs send: compiled on first access
# (PEP 562 ``__getattr__`` below), then plain module globals like the others.
_BYTE_PATTERNS = {
    "_VALID_HEADER_NAME_RE_BYTE": rb"^[^:\s][^:\r\n]*\Z",
    "_VALID_HEADER_VALUE_RE_BYTE": rb"^\S[^\r\n]*\Z|^\Z",
}

if TYPE_CHECKING:
    _VALID_HEADER_NAME_RE_BYTE: re.Pattern[bytes]
    _VALID_HEADER_VALUE_RE_BYTE: re.Pattern[bytes]
    _HEADER_VALIDATORS_BYTE: tuple[re.Pattern[bytes], re.Pattern[bytes]]
    HEADER_VALIDATORS: dict[
        type, tuple[re.Pattern[str], re.Pattern[str]] | tuple[re.Pattern[bytes], re.Pattern[bytes]]
    ]
else:

    def __getattr__(name: str) -> Any:
        if name in _BYTE_PATTERNS:
            value: Any = re.compile(_BYTE_PATTERNS[name])
        elif name == "_HEADER_VALIDATORS_BYTE":
            value = (_lazy("_VALID_HEADER_NAME_RE_BYTE"), _lazy("_VALID_HEADER_VALUE_RE_BYTE"))
        elif name == "HEADER_VALIDATORS":
            value = {bytes: _lazy("_HEADER_VALIDATORS_BYTE"), str: _HEADER_VALIDATORS_STR}
        else:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        # setdefault: two threads racing here still agree on one object.
        return globals().setdefault(name, value)

    def _lazy(name: str) -> Any:
        namespace = globals()
        return namespace[name] if name in namespace else __getattr__(name)

    def __dir__() -> list[str]:
        return sorted({*globals(), *_BYTE_PATTERNS, "_HEADER_VALIDATORS_BYTE", "HEADER_VALIDATORS"})


def to_native_string(string: str | bytes, encoding: str = "ascii") -> str:
    """Return ``string`` as a ``str``, decoding bytes with ``encoding`` (ASCII unless told)."""
    if isinstance(string, builtin_str):
        return string
    return string.decode(encoding)


def unicode_is_ascii(u_string: str) -> bool:
    """Tell whether a ``str`` holds only ASCII characters."""
    assert isinstance(u_string, str)
    try:
        u_string.encode("ascii")
        return True
    except UnicodeEncodeError:
        return False
