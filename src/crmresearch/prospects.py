"""Deprecated path: ``crmresearch.prospects`` has moved to
``crmresearch.targeting.prospects`` (removed in the next release).
"""

from ._deprecated import moved

moved(__name__, 'crmresearch.targeting.prospects', globals())
