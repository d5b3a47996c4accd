from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anxin.core.money import Money, MoneyError


def test_parse_takes_major_units_and_refuses_extra_digits() -> None:
    assert Money.parse("12.50", "CNY") == Money(1250, "CNY")
    assert Money.parse("300", "JPY") == Money(300, "JPY")
    with pytest.raises(MoneyError, match="2 decimal places"):
        Money.parse("0.001", "CNY")
    with pytest.raises(MoneyError, match="not an amount"):
        Money.parse("twelve", "CNY")
    with pytest.raises(MoneyError, match="not an amount"):
        Money.parse("NaN", "CNY")
    with pytest.raises(MoneyError, match="unsupported currency"):
        Money.parse("1", "XXX")


def test_amounts_are_integers_and_currencies_never_mix() -> None:
    with pytest.raises(MoneyError):
        Money(1.5, "CNY")  # type: ignore[arg-type]
    with pytest.raises(MoneyError):
        Money(True, "CNY")
    with pytest.raises(MoneyError, match="cannot combine"):
        Money(1, "CNY") + Money(1, "USD")
    assert Money(100, "CNY") - Money(30, "CNY") == Money(70, "CNY")
    assert Money(12800, "CNY").format() == "128.00 CNY"


@given(amount=st.integers(min_value=-(10**12), max_value=10**12), bp=st.integers(0, 10_000))
def test_a_split_always_adds_back_up_to_the_whole(amount: int, bp: int) -> None:
    share, rest = Money(amount, "CNY").split(bp)
    assert share.amount + rest.amount == amount
    assert abs(share.amount - amount * bp / 10_000) <= 0.5


def test_split_refuses_out_of_range_basis_points() -> None:
    with pytest.raises(MoneyError):
        Money(100, "CNY").split(10_001)
