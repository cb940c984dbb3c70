"""Deprecated path: ``crmresearch.publish`` has moved to
``crmresearch.studies.publish`` (removed in the next release).
"""

from ._deprecated import moved

moved(__name__, 'crmresearch.studies.publish', globals())
