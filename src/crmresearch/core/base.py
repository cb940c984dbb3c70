"""One protocol for every fitted model of the package.

Settings go in the constructor and are stored unchanged; ``fit`` returns ``self``; what is
learned ends in ``_``; ``summary`` is a property returning a tidy DataFrame with the columns
``estimate, std_error, ci_lower, ci_upper, z, p_value`` where the model has standard errors.
``get_params``/``set_params`` follow scikit-learn's contract, so ``sklearn.base.clone``, grid
search and pipelines accept the models, while the core install needs no scikit-learn. Models
pickle (no closures, no live thread pools or open handles on a fitted object) and render as
HTML in JupyterLab.
"""

from __future__ import annotations

import html
import inspect
from typing import Any

import pandas as pd

from ..errors import NotFittedError, ParameterError

__all__ = ["SUMMARY_COLUMNS", "Estimator", "check_is_fitted"]

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
