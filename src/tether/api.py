"""One-call request functions: ``tether.get``, ``tether.post`` and the others.

Every call builds a fresh :class:`~tether.sessions.Session`, sends a single request through
it and closes it before returning, so no connection, cookie or setting outlives the call.
Code that makes several requests to one server should hold a ``Session`` instead.
"""

from __future__ import annotations

from typing import Any

from . import sessions
from .models import Response

__all__ = ["delete", "get", "head", "options", "patch", "post", "put", "request"]


def request(method: str | bytes, url: str | bytes, **kwargs: Any) -> Response:
    """Send one request through a short-lived :class:`~tether.sessions.Session`.

    Keywords other than ``method`` and ``url`` are optional and are handed to
    :meth:`Session.request <tether.sessions.Session.request>` unchanged.

    Example:

    ```python
    r = tether.request("GET", "https://httpbin.org/get", params={"q": "tether"})
    r.status_code   # 200
    ```

    :param method: the method token, such as ``GET`` or ``POST``; case does not matter
        for the usual methods and any other token is sent as written.
    :param url: the absolute URL to send the request to.
    :type params: Mapping | list[tuple] | str | bytes
    :param params: query parameters appended to the URL.
    :type data: Mapping | list[tuple] | bytes | str | IO | Iterable[bytes]
    :param data: the body. A mapping or a list of pairs is form-encoded; ``bytes``, ``str``,
        a file object or an iterator of byte chunks is sent as it is.
    :type json: Any
    :param json: a value serialised to JSON and sent as the body (ignored when ``data`` or
        ``files`` is given).
    :type headers: Mapping[str, str]
    :param headers: extra header fields for this request.
    :type cookies: dict | http.cookiejar.CookieJar
    :param cookies: cookies to send with this request only.
    :type files: Mapping | list[tuple]
    :param files: parts of a ``multipart/form-data`` body, keyed by field name. A part is a
        file object, ``bytes``, or a tuple ``(filename, content)`` optionally followed by a
        content type and a mapping of part headers.
    :type auth: tuple | AuthBase
    :param auth: credentials: a ``(user, password)`` pair (sent as Basic) or any
        :class:`~tether.auth.AuthBase` instance.
    :type timeout: float | tuple | urllib3.Timeout
    :param timeout: how long to wait, in seconds: one number for both the connect and the
        read phase, a ``(connect, read)`` pair, or a urllib3 ``Timeout``.
    :type allow_redirects: bool
    :param allow_redirects: whether to follow redirects (default ``True``).
    :type proxies: Mapping[str, str]
    :param proxies: proxy URL per scheme, or per ``scheme://host``.
    :type hooks: Mapping[str, Callable | list[Callable]]
    :param hooks: callables to run on events, keyed by event name (``"response"``).
    :type stream: bool
    :param stream: when true, return as soon as the headers arrive and read the body only
        when it is asked for.
    :type verify: bool | str
    :param verify: ``True`` checks the server certificate against certifi's CA bundle,
        a path checks it against that CA file or directory, ``False`` turns checking off.
    :type cert: str | tuple[str, str]
    :param cert: a client certificate: the path of a PEM file holding certificate and key,
        or a ``(certificate, key)`` pair of paths.
    :return: the server's answer.
    :rtype: tether.Response
    """
    # A `with` block closes the session's sockets when the call returns, so none is left
    # open for the garbage collector to find (and warn about).
    with sessions.Session() as session:
        return session.request(method=method, url=url, **kwargs)


def get(url: str | bytes, params: Any = None, **kwargs: Any) -> Response:
    """Send a ``GET`` request; redirects are followed.

    :param url: the absolute URL to fetch.
    :param params: query parameters appended to the URL.
    :param kwargs: any other keyword :func:`request` accepts.
    :rtype: tether.Response
    """
    return request("get", url, params=params, **kwargs)


def options(url: str | bytes, **kwargs: Any) -> Response:
    """Send an ``OPTIONS`` request; redirects are followed.

    :param url: the absolute URL to ask about.
    :param kwargs: any other keyword :func:`request` accepts.
    :rtype: tether.Response
    """
    return request("options", url, **kwargs)


def head(url: str | bytes, **kwargs: Any) -> Response:
    """Send a ``HEAD`` request. Unlike the other helpers it does *not* follow redirects
    unless ``allow_redirects=True`` is passed.

    :param url: the absolute URL to ask about.
    :param kwargs: any other keyword :func:`request` accepts.
    :rtype: tether.Response
    """
    kwargs.setdefault("allow_redirects", False)
    return request("head", url, **kwargs)


def post(url: str | bytes, data: Any = None, json: Any = None, **kwargs: Any) -> Response:
    """Send a ``POST`` request.

    :param url: the absolute URL to post to.
    :param data: the body, in any form :func:`request` accepts.
    :param json: a value to send as a JSON body instead.
    :param kwargs: any other keyword :func:`request` accepts.
    :rtype: tether.Response
    """
    return request("post", url, data=data, json=json, **kwargs)


def put(url: str | bytes, data: Any = None, **kwargs: Any) -> Response:
    """Send a ``PUT`` request.

    :param url: the absolute URL of the resource to store.
    :param data: the body, in any form :func:`request` accepts.
    :param kwargs: any other keyword :func:`request` accepts (``json=`` included).
    :rtype: tether.Response
    """
    return request("put", url, data=data, **kwargs)


def patch(url: str | bytes, data: Any = None, **kwargs: Any) -> Response:
    """Send a ``PATCH`` request.

    :param url: the absolute URL of the resource to change.
    :param data: the body, in any form :func:`request` accepts.
    :param kwargs: any other keyword :func:`request` accepts (``json=`` included).
    :rtype: tether.Response
    """
    return request("patch", url, data=data, **kwargs)


def delete(url: str | bytes, **kwargs: Any) -> Response:
    """Send a ``DELETE`` request.

    :param url: the absolute URL of the resource to remove.
    :param kwargs: any other keyword :func:`request` accepts.
    :rtype: tether.Response
    """
    return request("delete", url, **kwargs)
