"""
tether.as_requests
~~~~~~~~~~~~~~~~~~

Importing this module installs the ``requests`` -> tether switch: the one-line form of
:func:`tether.install_as_requests`, for the top of a program's entry point (before any
library that uses requests is imported) or for ``pytest -p tether.as_requests``::

    import tether.as_requests  # noqa: F401  (every `import requests` now gets tether)
"""

from __future__ import annotations

from ._alias import install_as_requests

__all__: list[str] = []

install_as_requests()
