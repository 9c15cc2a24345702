"""The two data structures requests exposes: a case-insensitive mapping for headers, and the
attribute-style lookup dictionary behind ``tether.codes``.
"""

from __future__ import annotations

from collections import OrderedDict  # noqa: F401  (requests.structures exposes it)
from collections.abc import ItemsView, Iterable, Iterator, Mapping, MutableMapping
from typing import TYPE_CHECKING, Any, TypeVar, overload

_VT = TypeVar("_VT")
_D = TypeVar("_D")

__all__ = ["CaseInsensitiveDict", "LookupDict"]


# Generic in _VT through its base alone: an explicit Generic[_VT] would double the cost of
# creating the class at import, for nothing a type checker needs.
class CaseInsensitiveDict(MutableMapping[str, _VT]):
    """A mapping whose keys are looked up without regard to letter case.

    The case of the last key set is remembered and returned by iteration, ``keys()`` and
    ``items()``; ``cid["Content-Type"]``, ``cid["content-type"]`` and
    ``"CONTENT-TYPE" in cid`` all find the same entry. Comparing with another mapping
    ignores case as well. Insertion order is kept.
    """

    _store: dict[str, tuple[str, _VT]]

    def __init__(
        self, data: Mapping[str, _VT] | Iterable[tuple[str, _VT]] | None = None, **kwargs: _VT
    ) -> None:
        self._store = {}
        if data is not None or kwargs:
            self.update(data if data is not None else (), **kwargs)

    def update(self, other: Any = (), /, **kwargs: _VT) -> None:
        """Like ``dict.update``; fast for another ``CaseInsensitiveDict`` or a ``dict``."""
        store = self._store
        kind = type(other)
        if kind is dict:
            for key, value in other.items():
                store[key.lower()] = (key, value)
        elif kind is CaseInsensitiveDict or isinstance(other, CaseInsensitiveDict):
            # The stored (key, value) pairs are immutable tuples: share them.
            store.update(other._store)
        elif isinstance(other, dict):
            for key, value in other.items():
                store[key.lower()] = (key, value)
        elif isinstance(other, Mapping):
            for key in other:
                store[key.lower()] = (key, other[key])
        elif hasattr(other, "keys"):
            for key in other.keys():  # noqa: SIM118
                store[key.lower()] = (key, other[key])
        else:
            for key, value in other:
                store[key.lower()] = (key, value)
        for key, value in kwargs.items():
            store[key.lower()] = (key, value)

    def items(self) -> _CIDItemsView[_VT]:
        return _CIDItemsView(self)

    def __setitem__(self, key: str, value: _VT) -> None:
        self._store[key.lower()] = (key, value)

    def __getitem__(self, key: str) -> _VT:
        return self._store[key.lower()][1]

    def __delitem__(self, key: str) -> None:
        del self._store[key.lower()]

    def __iter__(self) -> Iterator[str]:
        return iter([cased for cased, _ in self._store.values()])

    def __len__(self) -> int:
        return len(self._store)

    def get(self, key: str, default: Any = None) -> Any:
        # Mapping.get goes through __getitem__ and a caught KeyError on a miss; headers are
        # looked up this way many times per request.
        item = self._store.get(key.lower())
        return default if item is None else item[1]

    def __contains__(self, key: object) -> bool:
        # Mapping.__contains__ goes through __getitem__ and a try/except; this is the hot
        # path of header handling, so ask the store directly.
        return isinstance(key, str) and key.lower() in self._store

    def lower_items(self) -> Iterator[tuple[str, _VT]]:
        """Iterate over ``(lower-cased key, value)`` pairs; this is what equality compares."""
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


class _CIDItemsView(ItemsView[str, _VT]):
    """``items()`` of a CaseInsensitiveDict: set-like as usual, iterated straight from the
    store (headers are iterated on every request)."""

    _mapping: CaseInsensitiveDict[_VT]

    def __iter__(self) -> Iterator[tuple[str, _VT]]:
        return iter(list(self._mapping._store.values()))


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
