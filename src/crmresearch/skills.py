"""Deprecated path: ``crmresearch.skills`` has moved to
``crmresearch.service.skills`` (removed in the next release).
"""

from ._deprecated import moved

moved(__name__, 'crmresearch.service.skills', globals())
