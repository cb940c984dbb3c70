"""Deprecated path: ``crmresearch.survival.targeting`` has moved to ``crmresearch.targeting``
(removed in the next release)."""

from .._deprecated import moved

moved(__name__, ("crmresearch.targeting.churn", "crmresearch.targeting.lift"), globals())
