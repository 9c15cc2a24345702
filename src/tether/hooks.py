"""Event hooks: callables registered per event, on a request or a session, and called with
the event's data.

There is one event, ``"response"``: its hooks receive each :class:`~tether.models.Response`
as soon as its headers have arrived (redirect hops included), together with the keyword
arguments the request was sent with. A hook may return a replacement response, or
``None`` to keep the one it was given.
"""

from __future__ import annotations

# ``Callable`` and ``Iterable`` are in this module's namespace in requests; the redundant
# aliases keep them importable from here.
from collections.abc import Callable as Callable
from collections.abc import Iterable as Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._types import HooksInputType, HookType
    from .models import Response

__all__ = ["HOOKS", "default_hooks", "dispatch_hook"]

HOOKS: list[str] = ["response"]


def default_hooks() -> dict[str, list[HookType]]:
    """Return a fresh hooks dictionary: one empty list per event in :data:`HOOKS`."""
    # A loop, not a comprehension: this runs twice per request, and a comprehension is a
    # function call of its own before Python 3.12.
    hooks: dict[str, list[HookType]] = {}
    for event in HOOKS:
        hooks[event] = []
    return hooks


def dispatch_hook(
    key: str,
    hooks: HooksInputType | None,
    hook_data: Response,
    **kwargs: Any,
) -> Response:
    """Run the hooks registered for ``key`` on ``hook_data`` and return the result.

    ``hooks[key]`` is either one callable or an iterable of them. Each is called in turn
    with the current data (and ``kwargs``); a hook that returns something other than
    ``None`` replaces the data passed to the next hook and returned at the end.

    :param key: the event name.
    :param hooks: the hook mapping (may be ``None``).
    :param hook_data: the event's data (a response).
    :param kwargs: passed to every hook.
    """
    # This runs once per response; nearly always no hook is registered, so the common
    # case is a falsy mapping or an empty list and costs two truth tests.
    if not hooks:
        return hook_data
    hook_list: Iterable[HookType] | HookType | None = hooks.get(key)
    if not hook_list:
        return hook_data
    if callable(hook_list):
        hook_list = (hook_list,)
    for hook in hook_list:
        result = hook(hook_data, **kwargs)
        if result is not None:
            hook_data = result
    return hook_data
