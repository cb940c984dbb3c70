"""One protocol for every fitted model of the package.

Settings go in the constructor and are stored unchanged; ``fit`` returns ``self``; what is
learned ends in ``_``; ``summary`` is a property returning a tidy DataFrame with the columns
``estimate, std_error, ci_lower, ci_upper, z, p_value`` where the model has standard errors.
``get_params``/``set_params`` follow scikit-learn's contract, so ``sklearn.base.clone``, grid
search and pipelines accept the models, while the core install needs no scikit-learn. Models
pickle (no closures, no live thread pools or open handles on a fitted object) and render as
HTML in JupyterLab.

The fitted-object vocabulary (the same names for the same things in every model):

- ``params_``: Series of the estimated parameters, indexed by parameter name (index name
  ``parameter``), equal to ``summary["estimate"]``; models without a parameter vector (Kaplan-Meier,
  clustering, boosted classifiers, uplift) have none and say so in their docstring.
- ``summary``: DataFrame indexed by ``parameter`` whose columns start with :data:`SUMMARY_COLUMNS`
  where standard errors exist (:func:`parameter_table` builds it), model-specific columns after them.
- ``n_obs_`` (rows, customers or subjects the fit used), ``log_likelihood_``, ``aic_``, ``bic_``
  where the model has a likelihood.

Renamed attributes stay readable for one release through :func:`deprecated_alias`.
"""

from __future__ import annotations

import html
import inspect
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..errors import NotFittedError, ParameterError

__all__ = ["SUMMARY_COLUMNS", "Estimator", "check_is_fitted", "deprecated_alias", "parameter_table"]

#: The column vocabulary of every summary table with standard errors.
SUMMARY_COLUMNS = ("estimate", "std_error", "ci_lower", "ci_upper", "z", "p_value")


def check_is_fitted(estimator: Any, attributes: str | list[str] | None = None, caller: str | None = None) -> None:
    """Raise :class:`~crmresearch.errors.NotFittedError` unless ``estimator`` has been fitted.

    Fitted means: every name in ``attributes`` is set, or (by default) at least one public
    attribute ending in ``_`` exists, as in scikit-learn.

    Parameters
    ----------
    estimator : object
        The object to check.
    attributes : str or list of str or None, optional
        Attribute name(s) that a fit sets; None: any public attribute ending in ``_``.
    caller : str or None, optional
        Name used in the message; None uses the class name.

    Returns
    -------
    None
        Returns nothing when fitted.

    Raises
    ------
    NotFittedError
        When the estimator has not been fitted; the message says to call ``fit`` first.

    Examples
    --------
    >>> from crmresearch import clv
    >>> from crmresearch.core import check_is_fitted
    >>> try:
    ...     check_is_fitted(clv.ShiftedBetaGeometric())
    ... except Exception as err:
    ...     print(type(err).__name__)
    NotFittedError
    >>> check_is_fitted(clv.ShiftedBetaGeometric().fit(survivors=[1000, 631, 468, 382, 326]))   # fitted: no error
    """
    names = [attributes] if isinstance(attributes, str) else attributes
    if names is not None:
        fitted = all(hasattr(estimator, a) for a in names)
    else:
        fitted = any(k.endswith("_") and not k.startswith("_") for k in vars(estimator))
    if not fitted:
        where = f"{type(estimator).__name__}.{caller}" if caller else type(estimator).__name__
        raise NotFittedError(f"{where}: this model is not fitted yet; call fit(...) first")


def parameter_table(estimate: pd.Series, std_error: Any = None, alpha: float = 0.05, ci_lower: Any = None,
                    ci_upper: Any = None, z: Any = None, p_value: Any = None,
                    extra: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """The summary table of a parameter model: one row per parameter, index ``parameter``.

    Columns :data:`SUMMARY_COLUMNS` when ``std_error`` is given (Wald statistics unless given:
    ``ci = estimate -+ z_(1 - alpha/2) std_error``, ``z = estimate / std_error``, two-sided normal
    ``p_value``), else ``estimate`` alone; then the ``extra`` columns in their order.

    Parameters
    ----------
    estimate : Series
        Estimates indexed by parameter name.
    std_error : array-like or None, optional
        Standard errors in the order of ``estimate``; None: the model has none.
    alpha : float, default 0.05
        Significance level of the Wald intervals (1 - alpha coverage).
    ci_lower, ci_upper, z, p_value : array-like or None, optional
        Given values (e.g. from lifelines, or intervals on a log scale) instead of the Wald ones.
    extra : mapping of str to array-like or None, optional
        Model-specific columns placed after the standard ones.

    Returns
    -------
    DataFrame
        Indexed by ``parameter``.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmresearch.core import parameter_table
    >>> t = parameter_table(pd.Series({"x": 0.5}), std_error=[0.25])
    >>> t.columns.tolist(), t.index.name, round(float(t.loc["x", "z"]), 1)
    (['estimate', 'std_error', 'ci_lower', 'ci_upper', 'z', 'p_value'], 'parameter', 2.0)
    """
    from scipy import stats

    est = pd.Series(estimate, dtype=float)
    cols: dict[str, Any] = {"estimate": est.to_numpy()}
    if std_error is not None:
        se = np.asarray(std_error, dtype=float)
        e = est.to_numpy()
        zc = stats.norm.ppf(1 - alpha / 2)
        zz = e / se if z is None else np.asarray(z, dtype=float)
        cols.update(std_error=se, ci_lower=e - zc * se if ci_lower is None else np.asarray(ci_lower, dtype=float),
                    ci_upper=e + zc * se if ci_upper is None else np.asarray(ci_upper, dtype=float), z=zz,
                    p_value=2 * stats.norm.sf(np.abs(zz)) if p_value is None else np.asarray(p_value, dtype=float))
    for name, values in dict(extra or {}).items():
        cols[name] = np.asarray(values)
    return pd.DataFrame(cols, index=pd.Index(est.index, name="parameter"))


class _DeprecatedAlias:
    """Read-only alias of a renamed attribute (see :func:`deprecated_alias`)."""

    def __init__(self, new: str, getter: Callable[[Any], Any] | None) -> None:
        self.new = new
        self.getter = getter
        self.old = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.old = name

    def __get__(self, obj: Any, objtype: type | None = None) -> Any:
        if obj is None:
            return self
        value = self.getter(obj) if self.getter is not None else getattr(obj, self.new)
        warnings.warn(f"{type(obj).__name__}.{self.old} is deprecated and goes in the next release; use "
                      f"{self.new} (see CHANGELOG.md)", DeprecationWarning, stacklevel=2)
        return value

    def __set__(self, obj: Any, value: Any) -> None:
        raise AttributeError(f"{type(obj).__name__}.{self.old} is a read-only deprecated alias; set {self.new}")


def deprecated_alias(new: str, getter: Callable[[Any], Any] | None = None) -> Any:
    """A class attribute that keeps an old attribute name readable for one release.

    Reading it returns ``getattr(self, new)`` (or ``getter(self)``, for an old layout of the same
    values) and emits a :class:`DeprecationWarning` naming the new attribute; assigning to it is an error.

    Parameters
    ----------
    new : str
        The attribute that replaces it.
    getter : callable or None, optional
        ``getter(model)`` computing the old value; None: the new attribute unchanged.

    Returns
    -------
    object
        A data descriptor to assign in the class body (``AIC_ = deprecated_alias("aic_")``).

    Examples
    --------
    >>> import warnings
    >>> from crmresearch.core import deprecated_alias
    >>> class Model:
    ...     AIC_ = deprecated_alias("aic_")
    >>> m = Model(); m.aic_ = 12.5
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     value = m.AIC_
    >>> value, caught[0].category.__name__
    (12.5, 'DeprecationWarning')
    """
    return _DeprecatedAlias(new, getter)


class Estimator:
    """Base class: scikit-learn's parameter protocol without the scikit-learn dependency.

    Subclasses list their settings as explicit keyword arguments of ``__init__`` (no ``*args``
    or ``**kwargs``) and store each under the same name, unchanged; validation happens in
    ``fit``. They implement ``_summary()``; ``summary`` checks the fit and calls it.

    Examples
    --------
    >>> from crmresearch.core import Estimator
    >>> class Shrink(Estimator):
    ...     def __init__(self, alpha=0.5):
    ...         self.alpha = alpha
    >>> Shrink(alpha=0.2).get_params()
    {'alpha': 0.2}
    >>> Shrink().set_params(alpha=0.9).alpha
    0.9
    """

    @classmethod
    def _get_param_names(cls) -> list[str]:
        init = cls.__init__
        if init is object.__init__:
            return []
        params = inspect.signature(init).parameters.values()
        bad = [p.name for p in params if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        if bad:
            raise TypeError(f"{cls.__name__}.__init__ must list its settings explicitly; it has *{bad[0]}")
        return sorted(p.name for p in params if p.name != "self")

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Constructor settings by name (with ``deep``, nested estimators' settings as ``name__setting``).

        Parameters
        ----------
        deep : bool, default True
            Include nested estimators' settings.

        Returns
        -------
        dict of str to object
            Setting name -> value.
        """
        out: dict[str, Any] = {}
        for name in self._get_param_names():
            value = getattr(self, name)
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                out.update((f"{name}__{k}", v) for k, v in value.get_params().items())
            out[name] = value
        return out

    def set_params(self, **params: Any) -> Estimator:
        """Change settings (``name=value`` or ``nested__setting=value``); returns ``self``.

        Parameters
        ----------
        **params : object
            Settings to change, ``name=value``.

        Returns
        -------
        Estimator
            ``self``.

        Raises
        ------
        ParameterError
            For a name that is not a setting.
        """
        valid = self._get_param_names()
        nested: dict[str, dict[str, Any]] = {}
        for key, value in params.items():
            name, _, sub = key.partition("__")
            if name not in valid:
                raise ParameterError(f"{type(self).__name__}.set_params: no setting {name!r}; settings are {valid}")
            if sub:
                nested.setdefault(name, {})[sub] = value
            else:
                setattr(self, name, value)
        for name, sub_params in nested.items():
            getattr(self, name).set_params(**sub_params)
        return self

    def __sklearn_clone__(self) -> Estimator:
        """``sklearn.base.clone``: a new unfitted model with deep copies of the settings."""
        import copy

        return type(self)(**{k: copy.deepcopy(v) for k, v in self.get_params(deep=False).items()})

    def __sklearn_tags__(self) -> Any:  # only called by scikit-learn (pipelines, meta-estimators)
        from sklearn.utils import Tags, TargetTags

        return Tags(estimator_type=None, target_tags=TargetTags(required=False), transformer_tags=None,
                    regressor_tags=None, classifier_tags=None)

    # fitted state ----------------------------------------------------------------------------
    @property
    def is_fitted(self) -> bool:
        """Whether ``fit`` has run (a public attribute ending in ``_`` exists)."""
        return any(k.endswith("_") and not k.startswith("_") for k in vars(self))

    def _check_fitted(self, caller: str, attributes: str | list[str] | None = None) -> None:
        check_is_fitted(self, attributes, caller)

    def _summary(self) -> pd.DataFrame:  # pragma: no cover - every model overrides it
        raise NotImplementedError

    @property
    def summary(self) -> pd.DataFrame:
        """The fitted model as a tidy table (see the class docstring for its columns)."""
        self._check_fitted("summary")
        return self._summary()

    # display ---------------------------------------------------------------------------------
    def _changed_params(self) -> dict[str, Any]:
        sig = inspect.signature(type(self).__init__).parameters
        out = {}
        for name in self._get_param_names():
            value, default = getattr(self, name), sig[name].default
            try:
                same = bool(value == default) if not hasattr(value, "shape") else False
            except (TypeError, ValueError):
                same = False
            if not same and not (value is None and default is None):
                out[name] = value
        return out

    def __repr__(self) -> str:
        def short(v: Any) -> str:
            text = repr(v)
            return text if len(text) <= 60 else text[:57] + "..."

        settings = ", ".join(f"{k}={short(v)}" for k, v in self._changed_params().items())
        return f"{type(self).__name__}({settings})"

    def _repr_html_(self) -> str:
        head = f"<p><b>{html.escape(repr(self))}</b> &mdash; {'fitted' if self.is_fitted else 'not fitted'}</p>"
        if not self.is_fitted:
            return head
        try:
            table = self.summary
        except Exception:
            return head
        return head + table.to_html(float_format=lambda v: f"{v:.4g}", max_rows=30)
