"""The packages that import their names on first use (PEP 562, `domain.lazy`) offer
exactly what they list: each name of `__all__` has a home module that defines it.

mypy reads the names from the packages' TYPE_CHECKING imports, so a name listed
but given no home would type-check and fail only when first imported.
"""

from __future__ import annotations

from importlib import import_module

import pytest

LAZY_PACKAGES = ("api", "domain", "projections", "projections.audit", "projections.views")


@pytest.mark.parametrize("name", LAZY_PACKAGES)
def test_every_listed_name_has_a_home_that_defines_it(name: str) -> None:
    package = import_module(name)
    homes: dict[str, str] = package._HOMES
    assert sorted(package.__all__) == sorted(homes)
    for attribute, home in homes.items():
        assert getattr(package, attribute) is getattr(import_module(home), attribute)


@pytest.mark.parametrize("name", LAZY_PACKAGES)
def test_a_name_not_listed_is_an_attribute_error(name: str) -> None:
    with pytest.raises(AttributeError, match=f"module '{name}' has no attribute 'nothing'"):
        getattr(import_module(name), "nothing")  # noqa: B009 (the lookup is the test)
