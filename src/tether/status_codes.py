r"""
The ``codes`` object maps the common names of HTTP statuses to their numbers. Every name
works both as an attribute and as a key::

    >>> import tether
    >>> tether.codes['temporary_redirect']
    307
    >>> tether.codes.teapot
    418
    >>> tether.codes['\o/']
    200

Most statuses have several names, and each word-like name also exists in upper case:
``codes.ok``, ``codes.OK`` and ``codes.okay`` are all 200. An unknown name reads as
``None``. ``_codes`` maps each status to its names.
"""

from __future__ import annotations

from .structures import LookupDict

__all__ = ["codes"]

# The names requests 2.34 gives each status (third-party code imports this table, so its
# content and order are part of the API). Order matters where two statuses share a name:
# the later one wins, so ``uri_too_long`` is 414 (not 122) and ``precondition`` is 428
# (not 412), as in requests.
_codes: dict[int, tuple[str, ...]] = {
    # 1xx: informational.
    100: ("continue",),
    101: ("switching_protocols",),
    102: ("processing", "early-hints"),
    103: ("checkpoint",),
    122: ("uri_too_long", "request_uri_too_long"),
    # 2xx: success.
    200: ("ok", "okay", "all_ok", "all_okay", "all_good", "\\o/", "\u2713"),
    201: ("created",),
    202: ("accepted",),
    203: ("non_authoritative_info", "non_authoritative_information"),
    204: ("no_content",),
    205: ("reset_content", "reset"),
    206: ("partial_content", "partial"),
    207: ("multi_status", "multiple_status", "multi_stati", "multiple_stati"),
    208: ("already_reported",),
    226: ("im_used",),
    # 3xx: redirection.
    300: ("multiple_choices",),
    301: ("moved_permanently", "moved", "\\o-"),
    302: ("found",),
    303: ("see_other", "other"),
    304: ("not_modified",),
    305: ("use_proxy",),
    306: ("switch_proxy",),
    307: ("temporary_redirect", "temporary_moved", "temporary"),
    308: ("permanent_redirect", "resume_incomplete", "resume"),
    # 4xx: client errors.
    400: ("bad_request", "bad"),
    401: ("unauthorized",),
    402: ("payment_required", "payment"),
    403: ("forbidden",),
    404: ("not_found", "-o-"),
    405: ("method_not_allowed", "not_allowed"),
    406: ("not_acceptable",),
    407: ("proxy_authentication_required", "proxy_auth", "proxy_authentication"),
    408: ("request_timeout", "timeout"),
    409: ("conflict",),
    410: ("gone",),
    411: ("length_required",),
    412: ("precondition_failed", "precondition"),
    413: ("request_entity_too_large", "content_too_large"),
    414: ("request_uri_too_large", "uri_too_long"),
    415: ("unsupported_media_type", "unsupported_media", "media_type"),
    416: ("requested_range_not_satisfiable", "requested_range", "range_not_satisfiable"),
    417: ("expectation_failed",),
    418: ("im_a_teapot", "teapot", "i_am_a_teapot"),
    421: ("misdirected_request",),
    422: ("unprocessable_entity", "unprocessable", "unprocessable_content"),
    423: ("locked",),
    424: ("failed_dependency", "dependency"),
    425: ("unordered_collection", "unordered", "too_early"),
    426: ("upgrade_required", "upgrade"),
    428: ("precondition_required", "precondition"),
    429: ("too_many_requests", "too_many"),
    431: ("header_fields_too_large", "fields_too_large"),
    444: ("no_response", "none"),
    449: ("retry_with", "retry"),
    450: ("blocked_by_windows_parental_controls", "parental_controls"),
    451: ("unavailable_for_legal_reasons", "legal_reasons"),
    499: ("client_closed_request",),
    # 5xx: server errors.
    500: ("internal_server_error", "server_error", "/o\\", "\u2717"),
    501: ("not_implemented",),
    502: ("bad_gateway",),
    503: ("service_unavailable", "unavailable"),
    504: ("gateway_timeout",),
    505: ("http_version_not_supported", "http_version"),
    506: ("variant_also_negotiates",),
    507: ("insufficient_storage",),
    509: ("bandwidth_limit_exceeded", "bandwidth"),
    510: ("not_extended",),
    511: ("network_authentication_required", "network_auth", "network_authentication"),
}

codes: LookupDict[int] = LookupDict(name="status_codes")


def _init() -> None:
    # LookupDict keeps its entries as instance attributes (the dict part stays empty, as in
    # requests), so fill its __dict__ in one update instead of one setattr per name.
    names: dict[str, int] = {}
    for code, titles in _codes.items():
        for title in titles:
            names[title] = code
            # The emoticon names ("\o/", "/o\", "\o-") have no upper-case twin; every other
            # name does (including "-o-" -> "-O-" and the check marks, which upper() keeps).
            if not title.startswith(("\\", "/")):
                names[title.upper()] = code
    codes.__dict__.update(names)


_init()
