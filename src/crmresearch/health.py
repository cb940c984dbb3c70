"""Deprecated path: ``crmresearch.health`` has moved to ``crmresearch.clv.activity``,
``crmresearch.segmentation.grids`` and ``crmresearch.segmentation.level`` (removed in the next release).
"""

from ._deprecated import moved

moved(__name__, ("crmresearch.clv.activity", "crmresearch.segmentation.grids", "crmresearch.segmentation.level"),
      globals())
