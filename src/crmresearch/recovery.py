"""Deprecated path: ``crmresearch.recovery`` has moved to
``crmresearch.survival.recovery`` (removed in the next release).
"""

from ._deprecated import moved

moved(__name__, 'crmresearch.survival.recovery', globals())
