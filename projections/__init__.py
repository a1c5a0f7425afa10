"""Read models built from the event log (timelines, actor histories, versions).

The views themselves arrive with the read-model issue; this package exists
now so the layering (scripts -> api -> projections -> domain) is checked
from the first commit.
"""

__all__: list[str] = []
