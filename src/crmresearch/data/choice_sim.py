"""A seeded brand-choice panel from a two-class logit with known classes and coefficients.

Households belong to a price-only class (share ``price_only_share``: utility ``price_coef_price_only x
price``, no brand preference) or a brand-loyal class (alternative-specific constants ``constants`` and a
smaller price coefficient). At every occasion the four brands' prices are drawn around their list prices;
the brand bought follows the class's logit (Gumbel errors). The truth holds each household's class and the
coefficients, for checking a latent-class logit (Kamakura & Russell 1989).

This module imports no model module: an oracle must not share code with what it checks.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import ValidationError

__all__ = ["simulate_choice_panel"]

BRANDS = ("a", "b", "c", "d")


def simulate_choice_panel(households: int = 400, occasions: int = 10, seed: int = 0, price_only_share: float = 0.4,
                          price_coef_price_only: float = -6.0, price_coef_loyal: float = -1.0,
                          constants: tuple[float, float, float] = (1.5, -0.5, 0.8),
                          list_prices: tuple[float, float, float, float] = (1.0, 1.1, 0.8, 0.9),
                          price_spread: float = 0.25) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Simulate a two-class brand-choice panel (see the module docstring).

    Parameters
    ----------
    households : int, default 400
        Households.
    occasions : int, default 10
        Purchase occasions per household.
    seed : int, default 0
        Random seed.
    price_only_share : float, default 0.4
        Share of households in the price-only class.
    price_coef_price_only, price_coef_loyal : float, default -6.0, -1.0
        Price coefficients of the two classes (per currency unit).
    constants : tuple of 3 float, default (1.5, -0.5, 0.8)
        Constants of brands b, c, d in the loyal class (brand a: 0).
    list_prices : tuple of 4 float, default (1.0, 1.1, 0.8, 0.9)
        Mean price of each brand (currency units).
    price_spread : float, default 0.25
        Prices are list x U(1 - spread, 1 + spread).

    Returns
    -------
    (DataFrame, dict)
        The wide choice table (``household``, ``occasion``, ``choice``, ``price_<brand>``) and the truth:
        ``class`` (Series by household: 'price_only' or 'loyal'), ``shares``, ``coefficients`` (DataFrame,
        coefficient x class, with the names of :func:`crmresearch.choice.choice_set`).

    Raises
    ------
    ValidationError
        For sizes below 1 or a share outside [0, 1].

    Examples
    --------
    >>> from crmresearch import data
    >>> panel, truth = data.simulate_choice_panel(households=50, occasions=4, seed=0)
    >>> panel.shape, sorted(truth["class"].unique())
    ((200, 7), ['loyal', 'price_only'])
    """
    if households < 1 or occasions < 1 or not 0 <= price_only_share <= 1:
        raise ValidationError("simulate_choice_panel: households and occasions must be >= 1 and price_only_share "
                              f"in [0, 1]; got {households!r}, {occasions!r}, {price_only_share!r}")
    rng = np.random.default_rng(seed)
    H, T, J = int(households), int(occasions), len(BRANDS)
    price_only = rng.random(H) < price_only_share
    lp = np.asarray(list_prices, dtype=float)
    prices = lp[None, None, :] * rng.uniform(1 - price_spread, 1 + price_spread, (H, T, J))
    asc = np.r_[0.0, constants]
    beta = np.where(price_only, price_coef_price_only, price_coef_loyal)
    V = beta[:, None, None] * prices + np.where(price_only, 0.0, 1.0)[:, None, None] * asc[None, None, :]
    U = V + rng.gumbel(size=(H, T, J))
    chosen = U.argmax(axis=2)
    table = pd.DataFrame({"household": np.repeat(np.arange(1, H + 1), T), "occasion": np.tile(np.arange(1, T + 1), H),
                          "choice": np.asarray(BRANDS)[chosen.ravel()]})
    for j, b in enumerate(BRANDS):
        table[f"price_{b}"] = np.round(prices[:, :, j].ravel(), 4)
    names = [f"asc:{b}" for b in BRANDS[1:]] + ["price"]
    coefs = pd.DataFrame({"price_only": [np.nan] * 3 + [price_coef_price_only],
                          "loyal": [*constants, price_coef_loyal]}, index=pd.Index(names, name="coefficient"))
    cls = pd.Series(np.where(price_only, "price_only", "loyal"), index=pd.Index(np.arange(1, H + 1), name="household"),
                    name="class")
    truth = {"class": cls, "shares": {"price_only": float(price_only.mean()), "loyal": float(1 - price_only.mean())},
             "coefficients": coefs}
    return table, truth
