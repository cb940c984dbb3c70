"""Brand choice from scanner panels (own numpy/scipy code, checked against statsmodels and simulated truth).

- ``ConditionalLogit``: McFadden's conditional logit (alternative-specific constants, generic coefficients)
- ``brand_loyalty`` and ``LoyaltyLogit``: Guadagni & Little's (1983) exponentially smoothed brand loyalty,
  its smoothing constant estimated by maximum likelihood
- ``LatentClassLogit`` and ``select_classes``: Kamakura & Russell's (1989) latent-class logit by EM from
  several starts, an optional price-only class, BIC for the number of classes; per-class price
  elasticities and the gain of a price promotion
- ``ProductLadder`` and ``ownership``: the latent-trait product ladder (Kamakura, Ramaswami & Srivastava
  1991) of products owned: each product's rung and discrimination, customers' positions, the next rung
- ``choice_set``, ``price_elasticities``: the arrays of a wide choice table; logit point elasticities
"""

from .ladder import ProductLadder, ownership
from .latent_class import LatentClassLogit, select_classes
from .logit import ChoiceSet, ConditionalLogit, LoyaltyLogit, brand_loyalty, choice_set, price_elasticities

__all__ = ["ChoiceSet", "ConditionalLogit", "LatentClassLogit", "LoyaltyLogit", "ProductLadder", "brand_loyalty",
           "choice_set", "ownership", "price_elasticities", "select_classes"]
