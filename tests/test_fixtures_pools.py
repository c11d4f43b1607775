"""pools: Faker wired by hand draws what a full ``Faker(locale)`` draws, for a tenth of the start-up."""

from __future__ import annotations

import pytest
from faker import Faker

from fixtures.pools import _CITY_PROVIDERS, _LOCALES, _TEXT_PROVIDERS, _seeded


@pytest.mark.parametrize("locale", [code for code, _ in _LOCALES])
def test_city_draws_match_a_full_faker(locale: str) -> None:
    full = Faker(locale)
    full.seed_instance(99)
    wired = _seeded(0, locale, _CITY_PROVIDERS)
    wired.seed_instance(99)
    assert [wired.format("city") for _ in range(30)] == [full.city() for _ in range(30)]
    assert wired.format("current_country_code") == full.current_country_code()


def test_text_draws_match_a_full_faker() -> None:
    full = Faker("en_US")
    full.seed_instance(5)
    wired = _seeded(0, "en_US", _TEXT_PROVIDERS)
    wired.seed_instance(5)
    methods = ("safe_color_name", "last_name", "bs", "city", "job", "word", "domain_word")
    assert [wired.format(m) for _ in range(10) for m in methods] == [
        getattr(full, m)() for _ in range(10) for m in methods
    ]
