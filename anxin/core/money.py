"""Money as integer minor units plus an ISO 4217 currency; never floats."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

# Minor units per currency; every currency the platform takes must be listed.
MINOR_UNIT_DIGITS: dict[str, int] = {"CNY": 2, "USD": 2, "EUR": 2, "HKD": 2, "GBP": 2, "JPY": 0}


class MoneyError(ValueError):
    """An amount or currency that cannot be used."""


@dataclass(frozen=True, slots=True)
class Money:
    amount: int  # minor units (分, cents)
    currency: str

    def __post_init__(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, int):
            raise MoneyError("amount must be an integer number of minor units")
        if self.currency not in MINOR_UNIT_DIGITS:
            raise MoneyError(f"unsupported currency: {self.currency!r}")

    @classmethod
    def parse(cls, text: str, currency: str) -> Money:
        """Parse a decimal string in major units ("12.50") into minor units, refusing extra digits."""
        if currency not in MINOR_UNIT_DIGITS:
            raise MoneyError(f"unsupported currency: {currency!r}")
        digits = MINOR_UNIT_DIGITS[currency]
        try:
            value = Decimal(text.strip())
        except InvalidOperation as exc:
            raise MoneyError(f"not an amount: {text!r}") from exc
        if not value.is_finite():
            raise MoneyError(f"not an amount: {text!r}")
        scaled = value.scaleb(digits)
        if scaled != scaled.to_integral_value():
            raise MoneyError(f"{currency} has {digits} decimal places at most")
        return cls(int(scaled), currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise MoneyError(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def split(self, basis_points: int) -> tuple[Money, Money]:
        """Split into (share, rest) with share = amount × bp / 10000, rounded half-even; sums exactly."""
        if not 0 <= basis_points <= 10_000:
            raise MoneyError("basis points must be between 0 and 10000")
        share = int(
            (Decimal(self.amount) * basis_points / 10_000).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
        )
        return Money(share, self.currency), Money(self.amount - share, self.currency)

    def format(self) -> str:
        """Major units with the currency code, e.g. "128.00 CNY"."""
        digits = MINOR_UNIT_DIGITS[self.currency]
        value = Decimal(self.amount).scaleb(-digits)
        return f"{value:.{digits}f} {self.currency}"
