"""CSRF tokens for the forms: an HMAC of the session id under the session secret.

A form carries its token in the hidden field `csrf_token`; every POST checks it
before anything else. Before sign-in there is no session, so the sign-in form's
token is tied to a short-lived random cookie (`ptl_presession`) instead: another
site can neither read that cookie nor compute its HMAC.
"""

from __future__ import annotations

import hashlib
import hmac

__all__ = ["FIELD", "PRESESSION_COOKIE", "csrf_token", "csrf_valid"]

FIELD = "csrf_token"
PRESESSION_COOKIE = "ptl_presession"


def csrf_token(secret: bytes, session_id: str) -> str:
    """The token the forms of session `session_id` carry."""
    return hmac.new(secret, b"csrf:" + session_id.encode(), hashlib.sha256).hexdigest()


def csrf_valid(secret: bytes, session_id: str | None, sent: str | None) -> bool:
    """Whether `sent` is the token of `session_id` (False without either)."""
    if not session_id or not sent:
        return False
    return hmac.compare_digest(csrf_token(secret, session_id), sent)
