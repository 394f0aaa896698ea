"""The form's phone hint: an example of the shop's own region that the form itself accepts."""

from __future__ import annotations

import pytest

from crmtui.services.phones import example_phone, normalise_phone


@pytest.mark.parametrize(
    ("region", "prefix"), [("PL", "+48 "), ("GB", "+44 "), ("US", "+1 "), ("AM", "+374 ")]
)
def test_the_hint_shows_the_regions_number_both_ways_and_both_are_accepted(region, prefix):
    hint = example_phone(region)
    national, international = hint.removeprefix("e.g. ").split(" or ")
    assert international.startswith(prefix)
    assert normalise_phone(national, region) == normalise_phone(international, region)


def test_an_unknown_region_gets_a_hint_with_a_country_code():
    assert example_phone("XX") == "e.g. +48 601 234 567, with the country code"
