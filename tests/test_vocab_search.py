"""Power-law fits, inversion with clipping, and the equalising target, on hand-made curves."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tokkit.training.vocab_search import PowerLaw, equalizing_target, fit_power_law

SIZES = [4000, 8000, 16000, 32000, 64000]


def test_fit_recovers_an_exact_power_law() -> None:
    law = PowerLaw(a=2.0e6, b=0.5, c=20_000, lo=4000, hi=64000)
    fitted = fit_power_law(SIZES, [law.predict(v) for v in SIZES])
    for v in (5000, 20000, 60000):
        assert fitted.predict(v) == pytest.approx(law.predict(v), rel=1e-4)
    assert (fitted.lo, fitted.hi) == (4000, 64000)


def test_two_points_fit_a_pure_power_law() -> None:
    fitted = fit_power_law([1000, 4000], [10_000, 5_000])  # halves per 4x: b = 0.5
    assert fitted.b == pytest.approx(0.5) and fitted.c == 0
    assert fitted.invert(7071.07) == pytest.approx(2000, abs=1)


@given(st.integers(4000, 64000))
def test_invert_is_the_inverse_of_predict(v: int) -> None:
    law = PowerLaw(a=2.0e6, b=0.5, c=20_000, lo=4000, hi=64000)
    assert abs(law.invert(law.predict(v)) - v) <= 1


def test_invert_clips_to_the_trained_range() -> None:
    law = PowerLaw(a=2.0e6, b=0.5, c=20_000, lo=4000, hi=64000)
    assert law.invert(10**9) == 4000  # never that bad: the smallest size
    assert law.invert(10_000) == 64000  # below the asymptote: the largest size
    assert law.invert(law.predict(64000) - 1) == 64000


def test_equalizing_target_makes_ctc_equal() -> None:
    laws = {
        "eng": PowerLaw(1.0e6, 0.5, 20_000, 4000, 64000),
        "tur": PowerLaw(1.6e6, 0.5, 22_000, 4000, 64000),
        "tha": PowerLaw(3.0e6, 0.5, 8_000, 4000, 64000),
    }
    target = equalizing_target(laws)
    achieved = [law.predict(law.invert(target)) for law in laws.values()]
    assert max(achieved) - min(achieved) < 0.01 * target
    sizes = {lang: law.invert(target) for lang, law in laws.items()}
    assert sizes["eng"] < sizes["tur"]  # same shape, tur's curve lies above eng's: it needs more vocabulary


def test_fit_needs_two_points() -> None:
    with pytest.raises(ValueError):
        fit_power_law([1000], [5])
