"""Money in the dues ledger: ``Decimal`` in Python, whole minor units (cents) in the database.

Every ledger amount is stored as an integer count of the currency's minor unit (``*_minor``
fields), so sums and comparisons in SQL are exact on every database; Python sees ``Decimal``.
Rounding rule: an amount that does not fall on a minor unit (a pro rata share, a converted
foreign payment) is rounded to the nearest minor unit, halves away from zero (``ROUND_HALF_UP``).
No float is ever involved.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

# ISO 4217 currencies whose minor unit is not the cent; every other has two decimals.
_MINOR_DIGITS = {
    **dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF"), 0),
    **dict.fromkeys(("UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
}


def minor_digits(currency: str) -> int:
    """Decimal places of ``currency``'s minor unit (2 unless ISO 4217 says otherwise)."""
    return _MINOR_DIGITS.get(currency.upper(), 2)


def ledger_currency() -> str:
    """The currency of every schedule, invoice and ledger entry (``DUES_CURRENCY``)."""
    return settings.DUES_CURRENCY


def quantize(amount: Decimal, currency: str) -> Decimal:
    """``amount`` rounded to ``currency``'s minor unit, halves up (away from zero)."""
    return Decimal(amount).quantize(Decimal(1).scaleb(-minor_digits(currency)), rounding=ROUND_HALF_UP)


def to_minor(amount: Decimal, currency: str) -> int:
    """``amount`` (rounded, ``quantize``) as whole minor units of ``currency``."""
    return int(quantize(amount, currency).scaleb(minor_digits(currency)))


def from_minor(minor: int, currency: str) -> Decimal:
    """Whole minor units of ``currency`` as a ``Decimal`` amount with its decimal places."""
    return (
        Decimal(int(minor))
        .scaleb(-minor_digits(currency))
        .quantize(Decimal(1).scaleb(-minor_digits(currency)))
    )


def has_minor_precision(amount: Decimal, currency: str) -> bool:
    """Whether ``amount`` is already a whole number of ``currency``'s minor units."""
    return quantize(amount, currency) == amount


def display(minor: int, currency: str) -> str:
    """Whole minor units of ``currency`` as the active language writes the amount, with the
    currency's code after it: ``1,000.00 EUR`` (``1.000,00 EUR`` in French)."""
    from django.utils import formats

    amount = from_minor(minor, currency)
    return f"{formats.number_format(amount, minor_digits(currency), force_grouping=True)} {currency}"
