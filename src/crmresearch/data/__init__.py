"""Data: loaders of real public data sets and (later) the synthetic bank.

Every loader returns a tidy DataFrame with documented column names, types and units.
"""

from .loaders import (
    CARAVAN_PRODUCTS,
    CDNOW_CALIBRATION,
    CDNOW_HOLDOUT,
    load_attrition,
    load_bank_calls,
    load_bmt,
    load_caravan,
    load_cdnow_transactions,
    load_credit_card_applications,
    load_credit_cards,
    load_credit_data,
    load_donations,
    load_fh2007_retention,
    load_lending_club,
    load_mlc_churn,
    load_scanner_panel,
    load_telco_churn,
)

__all__ = [
    "CARAVAN_PRODUCTS",
    "CDNOW_CALIBRATION",
    "CDNOW_HOLDOUT",
    "load_attrition",
    "load_bank_calls",
    "load_bmt",
    "load_caravan",
    "load_cdnow_transactions",
    "load_credit_card_applications",
    "load_credit_cards",
    "load_credit_data",
    "load_donations",
    "load_fh2007_retention",
    "load_lending_club",
    "load_mlc_churn",
    "load_scanner_panel",
    "load_telco_churn",
]

#: Named data sets that study parameters may choose (``dataset="cdnow_master"``).
DATASETS = {
    "cdnow_master": lambda: load_cdnow_transactions(sample=False),
    "cdnow_sample": lambda: load_cdnow_transactions(sample=True),
    "telco_churn": load_telco_churn,
    "bank_calls": load_bank_calls,
    "fh2007_retention": load_fh2007_retention,
    "fhs2010_donations": load_donations,
    "attrition": load_attrition,
    "mlc_churn": load_mlc_churn,
    "credit_card_applications": load_credit_card_applications,
    "credit_cards": load_credit_cards,
    "credit_data": load_credit_data,
    "lending_club": load_lending_club,
    "yogurt": lambda: load_scanner_panel("Yogurt"),
    "caravan": load_caravan,
}


def load(name: str):
    """Load a named data set (see ``DATASETS``); a clear error lists the known names.

    Parameters
    ----------
    name : str
        A key of ``DATASETS`` (e.g. ``'cdnow_sample'``, ``'telco_churn'``).

    Returns
    -------
    DataFrame
        The data set, as its loader returns it.

    Raises
    ------
    ParameterError
        For an unknown name; the message lists the known ones.

    Examples
    --------
    >>> from crmresearch import data
    >>> len(data.load('cdnow_sample'))
    6919
    """
    from ..errors import ParameterError

    try:
        loader = DATASETS[name]
    except KeyError:
        raise ParameterError(f"data.load: unknown data set {name!r}; known: {', '.join(DATASETS)}") from None
    return loader()


__all__ += ["DATASETS", "load"]

from .simulate import EXIT_CAUSES, SEGMENTS, BankData, BankSettings, simulate_bank  # noqa: E402

__all__ += ["EXIT_CAUSES", "SEGMENTS", "BankData", "BankSettings", "simulate_bank"]

from .service_cases import ServiceCases, simulate_service_cases  # noqa: E402

__all__ += ["ServiceCases", "simulate_service_cases"]

from .card_base import CardBase, simulate_card_base  # noqa: E402
from .prospects_sim import PRODUCTS, SOURCES, Prospects, simulate_prospects  # noqa: E402

__all__ += ["PRODUCTS", "SOURCES", "CardBase", "Prospects", "simulate_card_base", "simulate_prospects"]

from .card_credit import (  # noqa: E402
    ROLL_RATES,
    ROLL_STATES,
    CollectionsQueue,
    CreditLimits,
    simulate_collections,
    simulate_delinquency,
    simulate_limit_increases,
)

__all__ += ["ROLL_RATES", "ROLL_STATES", "CollectionsQueue", "CreditLimits", "simulate_collections",
            "simulate_delinquency", "simulate_limit_increases"]

from .programme_sim import Programme, simulate_programme  # noqa: E402

__all__ += ["Programme", "simulate_programme"]

from .choice_sim import simulate_choice_panel  # noqa: E402

__all__ += ["simulate_choice_panel"]
