"""Deprecated path: ``crmresearch.design`` has moved to
``crmresearch.core.design`` (removed in the next release).
"""

from ._deprecated import moved

moved(__name__, 'crmresearch.core.design', globals())
