"""Customer-base models and lifetime value (own scipy implementations, validated against the papers).

- ``ShiftedBetaGeometric``: contractual retention (Fader & Hardie 2007)
- ``BetaGeoNBD``: non-contractual repeat buying (Fader, Hardie & Lee 2005)
- ``GammaGamma``: spend per transaction (Fader, Hardie & Lee 2005)
- ``summary_from_transactions``: the calibration / holdout table; ``clv``: per-customer value
"""

from .bgnbd import BetaGeoNBD, simulate_bgnbd
from .gamma_gamma import GammaGamma
from .sbg import ShiftedBetaGeometric
from .utils import summary_from_transactions
from .value import clv

__all__ = ["BetaGeoNBD", "GammaGamma", "ShiftedBetaGeometric", "clv", "simulate_bgnbd",
           "summary_from_transactions"]
