"""The web pages in a real browser: Debian's Chromium, headless, driven by Playwright."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts.screenshots import CHROMIUM

BROWSER = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(),
        reason=f"no Chromium at {CHROMIUM}: `make chromium` installs it "
        "(apt-get install chromium)",
    ),
]
"""The marks of a test that drives the browser: `pytestmark = BROWSER`."""
