"""The read side put into words for people: export formats, dates, citations.

- `exports`: the chronology in seven formats, streamed from the timeline view
  (`FORMATS`, `open_chronology`, `export`).
- `dates`: the one EDTF describer, long for the exports and short for the
  web pages (`occurred_of`, `short_date`).
- `citations`: the one citation renderer (`cite`); each format and the web
  pages bring only their markup (`CitationMarkup`).

Nothing here writes: it reads the views, the queries and the ledger's head.
"""

from projections.presentation.citations import PLAIN, CitationMarkup, cite
from projections.presentation.dates import Occurred, occurred_of, short_date
from projections.presentation.exports import FORMATS, ExportFormat, export, open_chronology

__all__ = [
    "FORMATS",
    "PLAIN",
    "CitationMarkup",
    "ExportFormat",
    "Occurred",
    "cite",
    "export",
    "occurred_of",
    "open_chronology",
    "short_date",
]
