"""`python -m segur_harness.validation.worker_main FD PACK CACHE`: one Saxon worker serving its parent on socket FD.

A module of its own so that running it does not re-import workers.py (which the
package already imports) as __main__.
"""

from __future__ import annotations

import sys
from multiprocessing.connection import Connection

from segur_harness.validation.workers import serve


def main(argv: list[str]) -> int:
    fd, pack_root, cache_root = int(argv[0]), argv[1], argv[2]
    serve(Connection(fd), pack_root, cache_root)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
