"""Deprecated path: ``crmresearch.site`` has moved to
``crmresearch.studies.site`` (removed in the next release).
"""

from ._deprecated import moved

moved(__name__, 'crmresearch.studies.site', globals())
