"""Type aliases for tether's public signatures: the shapes of ``params``, ``data``, ``files``,
``headers``, ``auth``, ``timeout`` and the other request arguments. Each accepts at least
what requests 2.34's inline types accept, so code that type-checks against requests
type-checks against tether. Nothing here is public API, and nothing here exists at runtime:
building ``typing`` unions and Protocol classes costs more than a millisecond of import time,
and with ``from __future__ import annotations`` no annotation needs them. Import them under
``if TYPE_CHECKING:`` and refer to them in annotations only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence
    from http.cookiejar import CookieJar
    from typing import Any, Protocol, TypeAlias, TypedDict, TypeVar

    from typing_extensions import Buffer
    from urllib3.util import Timeout

    from .auth import AuthBase
    from .models import PreparedRequest, Response

    _T_co = TypeVar("_T_co", covariant=True)
    _KT_co = TypeVar("_KT_co", covariant=True)
    _VT_co = TypeVar("_VT_co", covariant=True)

    class SupportsRead(Protocol[_T_co]):
        """A file-like object: anything with ``read()``."""

        def read(self, length: int = ..., /) -> _T_co: ...

    class SupportsItems(Protocol[_KT_co, _VT_co]):
        """A mapping-like object: anything with ``items()``."""

        def items(self) -> Iterable[tuple[_KT_co, _VT_co]]: ...

    # -- Hooks ---------------------------------------------------------------------------

    HookType: TypeAlias = Callable[[Response], Any]
    #: What ``hooks=`` accepts: per event, one callable or an iterable of them.
    HooksInputType: TypeAlias = Mapping[str, Iterable[HookType] | HookType]
    #: The normalised form held by ``Request.hooks`` and ``Session.hooks``, and what
    #: ``sessions.merge_hooks`` returns.
    HooksType: TypeAlias = dict[str, list[HookType]] | None

    # -- URL and query -------------------------------------------------------------------

    UriType: TypeAlias = str | bytes

    _ParamsKeyType: TypeAlias = str | bytes | int | float
    _ParamsValueType: TypeAlias = (
        str | bytes | int | float | Iterable[str | bytes | int | float] | None
    )
    ParamsType: TypeAlias = (
        SupportsItems[_ParamsKeyType, _ParamsValueType]
        | tuple[tuple[_ParamsKeyType, _ParamsValueType], ...]
        | Iterable[tuple[_ParamsKeyType, _ParamsValueType]]
        | str
        | bytes
        | None
    )

    # -- Bodies --------------------------------------------------------------------------

    #: Key/value pairs form-encoded into a body (or a query string).
    KVDataType: TypeAlias = Iterable[tuple[Any, Any]] | SupportsItems[Any, Any]
    RawDataType: TypeAlias = KVDataType | str | bytes
    StreamDataType: TypeAlias = SupportsRead[str | bytes]
    EncodableDataType: TypeAlias = RawDataType | StreamDataType
    #: What ``data=`` accepts: pairs, a str/bytes/buffer body, a file-like object, or an
    #: iterable of chunks (sent chunked when its length is unknown).
    DataType: TypeAlias = (
        KVDataType | Iterable[bytes | str] | str | bytes | Buffer | SupportsRead[str | bytes] | None
    )
    #: What ``PreparedRequest.body`` holds once prepared.
    BodyType: TypeAlias = bytes | str | Iterable[bytes | str] | SupportsRead[bytes | str] | None

    #: What ``json=`` accepts: a JSON value.
    JsonType: TypeAlias = (
        bool | int | float | str | Sequence["JsonType"] | Mapping[str, "JsonType"] | None
    )

    # ``files=``: per field, the content alone or
    # (filename, content[, content_type[, headers]]).
    _FileName: TypeAlias = str | None
    _FileContent: TypeAlias = SupportsRead[str | bytes] | str | bytes
    _FileSpecBasic: TypeAlias = tuple[_FileName, _FileContent]
    _FileSpecWithContentType: TypeAlias = tuple[_FileName, _FileContent, str]
    # A CaseInsensitiveDict[str] is a Mapping[str, str], so it fits the headers slot.
    _FileSpecWithHeaders: TypeAlias = tuple[_FileName, _FileContent, str, Mapping[str, str]]
    _FileSpec: TypeAlias = (
        _FileContent | _FileSpecBasic | _FileSpecWithContentType | _FileSpecWithHeaders
    )
    FilesType: TypeAlias = Mapping[str, _FileSpec] | Iterable[tuple[str, _FileSpec]] | None

    # -- Request options -----------------------------------------------------------------

    #: Header values may be str or bytes (bytes are sent as they are).
    HeadersType: TypeAlias = Mapping[str, str | bytes] | None

    #: A jar (``RequestsCookieJar`` is a ``CookieJar``) or a plain name -> value mapping.
    CookiesType: TypeAlias = CookieJar | Mapping[str, str] | None

    #: ``(user, password)`` (str or bytes, as ``HTTPBasicAuth`` takes), an ``AuthBase``, or
    #: any callable that takes and returns the prepared request.
    AuthType: TypeAlias = (
        tuple[str | bytes, str | bytes]
        | AuthBase
        | Callable[[PreparedRequest], PreparedRequest]
        | None
    )

    #: Seconds for both phases, a ``(connect, read)`` pair (``None`` = no limit), or a
    #: urllib3 ``Timeout`` used as it is.
    TimeoutType: TypeAlias = float | tuple[float | None, float | None] | Timeout | None

    #: Scheme (or ``scheme://host``) -> proxy URL. ``None`` as a value drops a
    #: session-level entry for one request (requests' ``merge_setting``).
    ProxiesType: TypeAlias = Mapping[str, str | None]

    #: ``True``/``False``, or the path of a CA bundle file or directory.
    VerifyType: TypeAlias = bool | str

    #: A client certificate: one PEM file holding cert and key, or ``(cert, key)`` paths.
    CertType: TypeAlias = str | tuple[str, str] | None

    # -- ``**kwargs`` of the api functions and Session verbs, for ``Unpack[...]`` (PEP 692).

    class BaseRequestKwargs(TypedDict, total=False):
        headers: HeadersType
        cookies: CookiesType
        files: FilesType
        auth: AuthType
        timeout: TimeoutType
        allow_redirects: bool
        proxies: ProxiesType | None
        hooks: HooksInputType | None
        stream: bool | None
        verify: VerifyType | None
        cert: CertType

    class RequestKwargs(BaseRequestKwargs, total=False):
        """``**kwargs`` of ``request()``, ``options()``, ``head()``, ``delete()``."""

        params: ParamsType
        data: DataType
        json: JsonType

    class GetKwargs(BaseRequestKwargs, total=False):
        """``**kwargs`` of ``get()`` (``params`` is positional)."""

        data: DataType
        json: JsonType

    class PostKwargs(BaseRequestKwargs, total=False):
        """``**kwargs`` of ``post()`` (``data`` and ``json`` are positional)."""

        params: ParamsType

    class DataKwargs(BaseRequestKwargs, total=False):
        """``**kwargs`` of ``put()`` and ``patch()`` (``data`` is positional)."""

        params: ParamsType
        json: JsonType
