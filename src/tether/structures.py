"""
tether.structures
~~~~~~~~~~~~~~~~~

The two data structures requests exposes: a case-insensitive mapping for headers, and the
attribute-style lookup dictionary behind ``tether.codes``.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

_VT = TypeVar("_VT")
_D = TypeVar("_D")

__all__ = ["CaseInsensitiveDict", "LookupDict"]


class CaseInsensitiveDict(MutableMapping[str, _VT], Generic[_VT]):
    """A mapping whose keys are looked up without regard to letter case.

    The case of the last key set is remembered and returned by iteration, ``keys()`` and
    ``items()``; ``cid["Content-Type"]``, ``cid["content-type"]`` and
    ``"CONTENT-TYPE" in cid`` all find the same entry. Comparing with another mapping
    ignores case as well. Insertion order is kept.
    """

    _store: OrderedDict[str, tuple[str, _VT]]

    def __init__(
        self, data: Mapping[str, _VT] | Iterable[tuple[str, _VT]] | None = None, **kwargs: _VT
    ) -> None:
        self._store = OrderedDict()
        if data is None:
            data = {}
        self.update(data, **kwargs)

    def __setitem__(self, key: str, value: _VT) -> None:
        self._store[key.lower()] = (key, value)

    def __getitem__(self, key: str) -> _VT:
        return self._store[key.lower()][1]

    def __delitem__(self, key: str) -> None:
        del self._store[key.lower()]

    def __iter__(self) -> Iterator[str]:
        return (cased for cased, _ in self._store.values())

    def __len__(self) -> int:
        return len(self._store)

    def __contains__(self, key: object) -> bool:
        # Mapping.__contains__ goes through __getitem__ and a try/except; this is the hot
        # path of header handling, so ask the store directly.
        return isinstance(key, str) and key.lower() in self._store

    def lower_items(self) -> Iterator[tuple[str, _VT]]:
        """Like iteritems(), but with all lowercase keys."""
        return ((lower, pair[1]) for lower, pair in self._store.items())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            other = CaseInsensitiveDict(other)
        else:
            return NotImplemented
        return dict(self.lower_items()) == dict(other.lower_items())

    __hash__ = None  # type: ignore[assignment]

    def copy(self) -> CaseInsensitiveDict[_VT]:
        new: CaseInsensitiveDict[_VT] = CaseInsensitiveDict()
        new._store = self._store.copy()
        return new

    def __repr__(self) -> str:
        return str(dict(self.items()))


class LookupDict(dict[str, _VT]):
    """A dictionary whose entries are also attributes, and whose missing keys read as
    ``None`` instead of raising ``KeyError``."""

    name: Any

    def __init__(self, name: Any = None) -> None:
        self.name = name
        super().__init__()

    def __repr__(self) -> str:
        return f"<lookup '{self.name}'>"

    if TYPE_CHECKING:
        # Entries are attributes (``codes.ok``); tell the type checker so.
        def __getattr__(self, name: str) -> _VT: ...

    def __getitem__(self, key: str) -> _VT | None:  # type: ignore[override]
        # Attributes hold the entries; the dict itself stays empty, as in requests.
        return self.__dict__.get(key, None)

    @overload
    def get(self, key: str, default: None = None) -> _VT | None: ...

    @overload
    def get(self, key: str, default: _D) -> _VT | _D: ...

    def get(self, key: str, default: Any = None) -> Any:
        return self.__dict__.get(key, default)
