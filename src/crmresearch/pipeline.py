"""Deprecated path: ``crmresearch.pipeline`` has moved to
``crmresearch.studies.pipeline`` (removed in the next release).
"""

from ._deprecated import moved

moved(__name__, 'crmresearch.studies.pipeline', globals())
