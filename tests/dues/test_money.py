from decimal import Decimal

import pytest

from dues import money


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("10.005", "EUR", Decimal("10.01")),  # a half goes up
        ("10.004", "EUR", Decimal("10.00")),
        ("-10.005", "EUR", Decimal("-10.01")),  # halves away from zero
        ("2.5", "JPY", Decimal("3")),  # no minor unit
        ("1.2345", "KWD", Decimal("1.235")),  # three decimals
    ],
)
def test_amounts_round_half_up_to_the_currency_minor_unit(amount, currency, expected):
    assert money.quantize(Decimal(amount), currency) == expected


def test_minor_units_round_trip_exactly():
    assert money.to_minor(Decimal("1234.56"), "EUR") == 123456
    assert money.from_minor(123456, "EUR") == Decimal("1234.56")
    assert money.to_minor(Decimal("7"), "JPY") == 7
    assert money.from_minor(1235, "KWD") == Decimal("1.235")


def test_precision_beyond_the_minor_unit_is_detected():
    assert money.has_minor_precision(Decimal("1.10"), "EUR")
    assert not money.has_minor_precision(Decimal("1.101"), "EUR")
    assert not money.has_minor_precision(Decimal("1.5"), "JPY")
