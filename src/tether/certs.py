"""The default CA certificate bundle: certifi's. ``where()`` returns its path;
``python -m tether.certs`` prints it.

If you package tether for a system that manages its own CA store, ``where()`` is the one
place to point elsewhere (as with requests).
"""

from __future__ import annotations

from certifi import where

__all__ = ["where"]

if __name__ == "__main__":
    print(where())
