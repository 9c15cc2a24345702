"""
tether.api
~~~~~~~~~~

The module-level request functions. Each opens a :class:`Session`, sends one request and
closes the session (and its connections) before returning, exactly as requests does.
"""

from __future__ import annotations

from typing import Any

from . import sessions
from .models import Response

__all__ = ["delete", "get", "head", "options", "patch", "post", "put", "request"]


def request(method: str | bytes, url: str | bytes, **kwargs: Any) -> Response:
    """Send a request with a throw-away :class:`Session` and return its :class:`Response`.

    :param method: the HTTP method: ``GET``, ``OPTIONS``, ``HEAD``, ``POST``, ``PUT``,
        ``PATCH`` or ``DELETE`` (any other token is sent as given).
    :param url: the URL to request.
    :param params: (optional) query parameters: a mapping, a list of pairs, or bytes.
    :param data: (optional) the body: a mapping or list of pairs (form-encoded), bytes,
        a string, a file-like object, or an iterable of chunks.
    :param json: (optional) an object to send as a JSON body.
    :param headers: (optional) headers to send.
    :param cookies: (optional) a dict or ``CookieJar`` of cookies to send.
    :param files: (optional) files for a ``multipart/form-data`` upload: a mapping of
        field name to a file object, bytes, or a tuple ``(filename, content[, content_type[,
        headers]])``.
    :param auth: (optional) a ``(user, password)`` tuple for Basic auth, or an auth object.
    :param timeout: (optional) seconds to wait, as a float or a ``(connect, read)`` tuple.
    :param allow_redirects: (optional) follow redirects; defaults to ``True``.
    :param proxies: (optional) a mapping of scheme (or scheme and host) to proxy URL.
    :param hooks: (optional) a mapping of event name to a callable or list of callables.
    :param stream: (optional) leave the body unread until it is asked for.
    :param verify: (optional) ``True`` to verify TLS with certifi's bundle, ``False`` to
        skip verification, or the path of a CA bundle file or directory.
    :param cert: (optional) a client certificate: a path, or a ``(cert, key)`` pair.
    :return: :class:`Response <Response>` object
    :rtype: tether.Response

    Usage::

      >>> import tether
      >>> req = tether.request('GET', 'https://httpbin.org/get')
      >>> req
      <Response [200]>
    """
    # A `with` block closes the session's sockets when the call returns, so none is left
    # open for the garbage collector to find (and warn about).
    with sessions.Session() as session:
        return session.request(method=method, url=url, **kwargs)


def get(url: str | bytes, params: Any = None, **kwargs: Any) -> Response:
    r"""Send a GET request (redirects are followed).

    :param url: the URL to request.
    :param params: (optional) query parameters: a mapping, a list of pairs, or bytes.
    :param \*\*kwargs: any argument :func:`request` takes.
    :rtype: tether.Response
    """
    return request("get", url, params=params, **kwargs)


def options(url: str | bytes, **kwargs: Any) -> Response:
    r"""Send an OPTIONS request (redirects are followed).

    :param url: the URL to request.
    :param \*\*kwargs: any argument :func:`request` takes.
    :rtype: tether.Response
    """
    return request("options", url, **kwargs)


def head(url: str | bytes, **kwargs: Any) -> Response:
    r"""Send a HEAD request. Redirects are *not* followed unless ``allow_redirects=True``.

    :param url: the URL to request.
    :param \*\*kwargs: any argument :func:`request` takes.
    :rtype: tether.Response
    """
    kwargs.setdefault("allow_redirects", False)
    return request("head", url, **kwargs)


def post(url: str | bytes, data: Any = None, json: Any = None, **kwargs: Any) -> Response:
    r"""Send a POST request.

    :param url: the URL to request.
    :param data: (optional) the body (see :func:`request`).
    :param json: (optional) an object to send as a JSON body.
    :param \*\*kwargs: any argument :func:`request` takes.
    :rtype: tether.Response
    """
    return request("post", url, data=data, json=json, **kwargs)


def put(url: str | bytes, data: Any = None, **kwargs: Any) -> Response:
    r"""Send a PUT request.

    :param url: the URL to request.
    :param data: (optional) the body (see :func:`request`).
    :param \*\*kwargs: any argument :func:`request` takes.
    :rtype: tether.Response
    """
    return request("put", url, data=data, **kwargs)


def patch(url: str | bytes, data: Any = None, **kwargs: Any) -> Response:
    r"""Send a PATCH request.

    :param url: the URL to request.
    :param data: (optional) the body (see :func:`request`).
    :param \*\*kwargs: any argument :func:`request` takes.
    :rtype: tether.Response
    """
    return request("patch", url, data=data, **kwargs)


def delete(url: str | bytes, **kwargs: Any) -> Response:
    r"""Send a DELETE request.

    :param url: the URL to request.
    :param \*\*kwargs: any argument :func:`request` takes.
    :rtype: tether.Response
    """
    return request("delete", url, **kwargs)
