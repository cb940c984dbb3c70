"""Satisfaction models and service quality.

* :class:`PLSPM`: PLS path modelling (ACSI / ECSI) with our own numpy engine, bootstrap, HTMT, IPMA.
* :data:`ACSI`, :data:`ECSI`, :func:`load_model`, :func:`load_survey`: ready-made models and loaders
  for a user's own survey CSV and model file.
* :func:`reliability`, :func:`top_box`, :func:`gaps`, :func:`compare_arms`, :func:`group_means`:
  survey tools (scale reliability, top-box shares, SERVQUAL gaps, two-arm pre/post studies).
"""

from .assessment import blindfolding, mga, plspredict, vif
from .plspm import PLSPM
from .specs import ACSI, ECSI, MODELS, ModelSpec, group_list, load_model, load_survey, read_header
from .survey import compare_arms, cronbach_alpha, gaps, group_means, listwise, reliability, servqual_items, top_box

__all__ = [
    "ACSI",
    "ECSI",
    "MODELS",
    "PLSPM",
    "ModelSpec",
    "blindfolding",
    "compare_arms",
    "cronbach_alpha",
    "gaps",
    "group_list",
    "group_means",
    "listwise",
    "load_model",
    "load_survey",
    "mga",
    "plspredict",
    "read_header",
    "reliability",
    "servqual_items",
    "top_box",
    "vif",
]
