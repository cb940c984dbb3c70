"""Causal effects of programmes from panels (own numpy code, validated against simulated truth).

- ``StaggeredDiD``: difference in differences with staggered adoption (Callaway & Sant'Anna 2021):
  group-time effects ATT(g, t) against never-treated or not-yet-treated units, their event-study and
  overall aggregations with influence-function standard errors
- ``two_way_fixed_effects``: the naive two-way fixed-effects estimate of the same panel (biased when
  effects vary over cohorts or time since adoption), with unit-clustered standard errors
- ``programme_panel``: the balanced customer x period panel (spend, purchases, activity, enrolment period)
  from a transaction log and enrolment dates
"""

from .did import StaggeredDiD, TwoWayFixedEffects, programme_panel, two_way_fixed_effects

__all__ = ["StaggeredDiD", "TwoWayFixedEffects", "programme_panel", "two_way_fixed_effects"]
