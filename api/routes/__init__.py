"""One router per resource."""

from __future__ import annotations

from fastapi import Security

from api.auth import require_reader
from api.consistency import Consistent

__all__ = ["READ", "READS"]

# Every read: a token with scope `read` when reads are protected, then, when
# the client asks, a wait for the views to reach its `min_position`.
READS = [Security(require_reader), Consistent]

# Marks a read in the OpenAPI document, which `api.app` then says needs no
# token while reads are open.
READ = {"x-read": True}
