"""Deprecated path: ``crmresearch.classify`` has moved to
``crmresearch.targeting.classifier`` (removed in the next release).
"""

from ._deprecated import moved

moved(__name__, 'crmresearch.targeting.classifier', globals())
