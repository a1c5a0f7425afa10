"""Read a verifier key given on the command line, as the key itself or a file holding it."""

from __future__ import annotations

from pathlib import Path

from projections.trust.notes import VerifierKey

__all__ = ["read_key"]


def read_key(text: str) -> VerifierKey:
    """`NAME+KEYID+BASE64`, or the path of a file holding it; raise ValueError, OSError."""
    if "+" not in text or Path(text).is_file():
        text = Path(text).read_text()
    return VerifierKey.parse(text)
