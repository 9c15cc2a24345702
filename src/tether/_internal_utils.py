"""
tether._internal_utils
~~~~~~~~~~~~~~~~~~~~~~

Small helpers that third-party code imports from ``requests._internal_utils``; the name is
kept for that reason. Only the standard library is used here.
"""

from __future__ import annotations

import re

builtin_str = str

# Header validation rules (RFC 9110 §5.1 field names, §5.5 field values), as requests
# applies them: a name may not be empty, start with whitespace or contain ':' or CR/LF;
# a value may be empty, but may not start with whitespace or contain CR/LF.
_VALID_HEADER_NAME_RE_BYTE = re.compile(rb"^[^:\s][^:\r\n]*\Z")
_VALID_HEADER_NAME_RE_STR = re.compile(r"^[^:\s][^:\r\n]*\Z")
_VALID_HEADER_VALUE_RE_BYTE = re.compile(rb"^\S[^\r\n]*\Z|^\Z")
_VALID_HEADER_VALUE_RE_STR = re.compile(r"^\S[^\r\n]*\Z|^\Z")

_HEADER_VALIDATORS_STR = (_VALID_HEADER_NAME_RE_STR, _VALID_HEADER_VALUE_RE_STR)
_HEADER_VALIDATORS_BYTE = (_VALID_HEADER_NAME_RE_BYTE, _VALID_HEADER_VALUE_RE_BYTE)
HEADER_VALIDATORS: dict[
    type, tuple[re.Pattern[str], re.Pattern[str]] | tuple[re.Pattern[bytes], re.Pattern[bytes]]
] = {
    bytes: _HEADER_VALIDATORS_BYTE,
    str: _HEADER_VALIDATORS_STR,
}


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
