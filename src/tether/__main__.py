"""``python -m tether`` and the ``tether`` console script.

``tether [options] [METHOD] URL [ITEM ...]`` sends one request (see ``tether --help`` and
docs/cli.md); ``tether demo`` walks a Session through an embedded loopback server. The
command line itself lives in `tether._cli`.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    from ._cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
