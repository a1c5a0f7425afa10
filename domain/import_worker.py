"""The worker process of a large import: `python -m domain.import_worker PATH FORMAT BY [SKIP]`.

It prepares the file's records (`domain.importing.prepare`), all but the
first SKIP, which the importing process prepares itself, and writes them,
pickled in chunks, to its standard output, which only the importing process
reads. Its own module, so that what it pickles names `domain.importing`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from domain.importing import send_prepared


def main(argv: list[str]) -> int:
    path, fmt, by, *skip = argv
    send_prepared(Path(path), fmt, by, sys.stdout.buffer, skip=int(skip[0]) if skip else 0)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
