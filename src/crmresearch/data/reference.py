"""Published reference values, in one place: the numbers the studies reproduce and the tests check.

Each entry names its source (paper, table) and holds the values as printed there; a study that
shows a "published" row and a test that compares with a paper both read them from here.

References
----------
Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). "Counting your customers" the easy way: an
alternative to the Pareto/NBD model. Marketing Science 24(2), 275-284.
Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). RFM and CLV: using iso-value curves for customer
base analysis. Journal of Marketing Research 42(4), 415-430.
Fader, P. S. and Hardie, B. G. S. (2007). How to project customer retention. Journal of Interactive
Marketing 21(1), 76-90.
Pfeifer, P. E. and Carraway, R. L. (2000). Modeling customer relationships as Markov chains. Journal of
Interactive Marketing 14(2), 43-55.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

__all__ = ["PUBLISHED", "published"]

PUBLISHED: MappingProxyType[str, MappingProxyType[str, Any]] = MappingProxyType({
    # BG/NBD on the CDNOW 1/10 sample (2,357 customers), calibration weeks 1-39: FHL (2005a), p. 280
    "fhl2005_bgnbd_cdnow_sample": MappingProxyType({
        "source": "Fader, Hardie & Lee (2005), Marketing Science 24(2), p. 280", "customers": 2357,
        "calibration_weeks": 39,
        "r": 0.2426, "alpha": 4.4135, "a": 0.7929, "b": 2.4258, "log_likelihood": -9582.43}),
    # Gamma-Gamma spend model on the same sample (946 repeat buyers): FHL (2005b), p. 420
    "fhl2005_gamma_gamma_cdnow_sample": MappingProxyType({
        "source": "Fader, Hardie & Lee (2005), Journal of Marketing Research 42(4), p. 420",
        "calibration_weeks": 39, "customers_with_repeats": 946, "p": 6.25, "q": 3.74, "v": 15.44}),
    # BG/BB on the donations data (11,104 donors of 1995, 6 yearly opportunities): FHS (2010), section 4
    "fhs2010_bgbb_donations": MappingProxyType({
        "source": "Fader, Hardie & Shang (2010), Marketing Science 29(6), section 4", "customers": 11104,
        "opportunities": 6, "alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783,
        "log_likelihood": -33225.6}),
    # shifted-beta-geometric fits to years 0-7 of the two cohorts of Table 1: FH (2007), p. 80
    "fh2007_sbg_high_end": MappingProxyType({
        "source": "Fader & Hardie (2007), Journal of Interactive Marketing 21(1), p. 80",
        "customers": 1000, "years_fitted": 7,
        "alpha": 0.668, "beta": 3.806, "log_likelihood": -1611.2}),
    "fh2007_sbg_regular": MappingProxyType({
        "source": "Fader & Hardie (2007), Journal of Interactive Marketing 21(1), p. 80",
        "customers": 1000, "years_fitted": 7,
        "alpha": 0.704, "beta": 1.182, "log_likelihood": -1680.3}),
    # the customer-migration (recency) example of Pfeifer & Carraway (2000), after Berger & Nasr's case 5:
    # a catalogue mailed each period at a cost per customer, a purchase earning a margin; recency states
    # 1..5 with the purchase probabilities p_1..p_5 (p_5 = 0: state 5 is "lost", no longer mailed). The
    # inputs as the paper states them; the state values the tests check are computed from them.
    "pc2000_recency_example": MappingProxyType({
        "source": "Pfeifer & Carraway (2000), Journal of Interactive Marketing 14(2), migration example",
        "purchase_probability": (0.30, 0.20, 0.15, 0.05, 0.0), "margin": 40.0, "mailing_cost": 4.0,
        "discount_rate": 0.20}),
})


def published(key: str) -> dict[str, Any]:
    """The published values of ``key`` (a copy), with their ``source``.

    Parameters
    ----------
    key : str
        One of :data:`PUBLISHED` (e.g. ``'fhl2005_bgnbd_cdnow_sample'``).

    Returns
    -------
    dict of str to object
        Parameter name -> value as printed, and ``source``.

    Raises
    ------
    KeyError
        For an unknown key; the message lists the known ones.

    Examples
    --------
    >>> from crmresearch.data import reference
    >>> reference.published('fhl2005_bgnbd_cdnow_sample')['r']
    0.2426
    """
    try:
        return dict(PUBLISHED[key])
    except KeyError:
        raise KeyError(f"no published values {key!r}; known: {', '.join(PUBLISHED)}") from None
