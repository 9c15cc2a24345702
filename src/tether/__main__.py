"""``python -m tether`` and the ``tether`` console script.

``tether demo`` runs the embedded-server demo. The full command-line client is described in
docs/cli.md as it grows.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="tether",
        description="tether: a drop-in replacement for requests.",
        epilog="Example: python -m tether demo",
    )
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("demo", help="walk a Session through an embedded loopback server")
    sub.add_parser("version", help="print the version")
    args = parser.parse_args(argv)
    if args.command == "demo":
        from ._demo import run

        return run()
    if args.command == "version":
        from .__version__ import __tether_version__, __version__

        print(f"tether {__tether_version__} (requests API {__version__})")
        return 0
    parser.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
