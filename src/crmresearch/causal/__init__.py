"""Causal effects of programmes from panels (own numpy code, validated against simulated truth).

- ``StaggeredDiD``: difference in differences with staggered adoption (Callaway & Sant'Anna 2021):
  group-time effects ATT(g, t) against never-treated or not-yet-treated units, their event-study and
  overall aggregations with influence-function standard errors
- ``two_way_fixed_effects``: the naive two-way fixed-effects estimate of the same panel (biased when
  effects vary over cohorts or time since adoption), with unit-clustered standard errors
- ``HistoryMatching``: nearest-neighbour matching of members to never-treated units on the outcomes before
  enrolment; ``naive_gap``: the member vs non-member comparison it and the DiD correct
- ``programme_panel``: the balanced customer x period panel (spend, purchases, activity, enrolment period)
  from a transaction log and enrolment dates
"""

from .did import StaggeredDiD, TwoWayFixedEffects, programme_panel, two_way_fixed_effects
from .matching import HistoryMatching, NaiveGap, naive_gap

__all__ = ["HistoryMatching", "NaiveGap", "StaggeredDiD", "TwoWayFixedEffects", "naive_gap", "programme_panel",
           "two_way_fixed_effects"]
