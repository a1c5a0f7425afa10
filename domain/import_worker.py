"""The worker process of a large import: `python -m domain.import_worker PATH FORMAT BY`.

It prepares the file's records (`domain.importing.prepare`) and writes them,
pickled in chunks, to its standard output, which only the importing process
reads. Its own module, so that what it pickles names `domain.importing`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from domain.importing import send_prepared


def main(argv: list[str]) -> int:
    path, fmt, by = argv
    send_prepared(Path(path), fmt, by, sys.stdout.buffer)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
