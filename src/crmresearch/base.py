"""Deprecated path: ``crmresearch.base`` has moved to
``crmresearch.core.base`` (removed in the next release).
"""

from ._deprecated import moved

moved(__name__, 'crmresearch.core.base', globals())
