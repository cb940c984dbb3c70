"""Deprecated path: ``crmresearch.aggregate`` has moved to
``crmresearch.sources.aggregate`` (removed in the next release).
"""

from ._deprecated import moved

moved(__name__, 'crmresearch.sources.aggregate', globals())
