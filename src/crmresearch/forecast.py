"""Deprecated path: ``crmresearch.forecast`` has moved to
``crmresearch.service.forecast`` (removed in the next release).
"""

from ._deprecated import moved

moved(__name__, 'crmresearch.service.forecast', globals())
