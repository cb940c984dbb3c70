"""The call centre: queueing formulas, staffing plans, tickets and SLAs, arrivals, forecasts, skills.

- erlang: Erlang C and Erlang A, service level, agents for a target, a discrete-event queue
- staffing: staffing plans per interval, scenarios, shrinkage, shift patterns and schedules
- tickets: SLA attainment of service tickets (open tickets censored), contact KPIs
- arrivals: the arrival profile of the day, the busy hour, interval checks
- forecast: rolling-origin forecasts of interval arrivals and the staffing they imply
- skills: dedicated, pooled and cross-trained skill lines

Units: ``arrival_rate`` is calls per ``period_seconds`` (default 3600: calls per hour); ``aht``,
``answer_within`` and ``patience`` are in seconds.
"""

from . import forecast, skills
from .arrivals import arrival_profile, busy_hour, check_interval_length
from .erlang import (
    MAX_AGENTS,
    MAX_ERLANGS,
    ErlangA,
    Staffing,
    agents_for_target,
    agents_needed,
    agents_needed_erlang_a,
    average_speed_of_answer,
    erlang_a,
    erlang_c,
    occupancy,
    service_level,
    service_levels,
    simulate_queue,
    traffic,
)
from .staffing import (
    rounding_comparison,
    shift_patterns,
    shift_schedule,
    staffing_plan,
    staffing_scenarios,
    staffing_summary,
    with_erlang_a,
)
from .tickets import contact_kpis, sla_attainment, sla_targets

__all__ = [
    "MAX_AGENTS",
    "MAX_ERLANGS",
    "ErlangA",
    "Staffing",
    "agents_for_target",
    "agents_needed",
    "agents_needed_erlang_a",
    "arrival_profile",
    "average_speed_of_answer",
    "busy_hour",
    "check_interval_length",
    "contact_kpis",
    "erlang_a",
    "erlang_c",
    "forecast",
    "occupancy",
    "rounding_comparison",
    "service_level",
    "service_levels",
    "shift_patterns",
    "shift_schedule",
    "simulate_queue",
    "skills",
    "sla_attainment",
    "sla_targets",
    "staffing_plan",
    "staffing_scenarios",
    "staffing_summary",
    "traffic",
    "with_erlang_a",
]
