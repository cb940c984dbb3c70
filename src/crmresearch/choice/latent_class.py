"""The latent-class conditional logit (Kamakura & Russell 1989): segments of households by their choice rule.

Each household h belongs to one of S classes with probability pi_s; within class s its choices follow a
conditional logit with coefficients beta_s, so the household's likelihood is
``sum_s pi_s prod_t P_s(y_ht)``. The fit is by EM (the E-step: each household's posterior class
probabilities; the M-step: one weighted conditional logit per class and the mean posteriors as shares),
from several starts, keeping the best; standard errors come from the observed information of the
mixture likelihood (its analytic gradient differentiated by central differences). A class may be
restricted to the price coefficient alone (``price_only``): the households whose choices follow price,
with no brand preference (Kamakura & Russell's price-sensitive segment). The number of classes is chosen
by BIC (``-2 LL + k log H``, H households; :func:`select_classes`).

References
----------
Kamakura, W. A. and Russell, G. J. (1989). A probabilistic choice model for market segmentation and
elasticity structure. Journal of Marketing Research 26(4), 379-390.
Jain, D. C., Vilcassim, N. J. and Chintagunta, P. K. (1994). A random-coefficients logit brand-choice model
applied to panel data. Journal of Business & Economic Statistics 12(3), 317-328 (the yogurt panel).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..core.base import Estimator, parameter_table
from ..core.mle import hessian, invert, minimise
from ..errors import ValidationError
from .logit import _fit_logit, _loglik, _logsumexp, choice_set

__all__ = ["LatentClassLogit", "select_classes"]


class LatentClassLogit(Estimator):
    """Latent-class conditional logit fitted by EM from several starts.

    Parameters
    ----------
    n_classes : int, default 2
        Classes S.
    variables : sequence of str, default ('price',)
        Variables with a coefficient per class (columns ``{variable}_{alternative}``).
    price_only : str, sequence of str or None, default None
        A variable (e.g. ``'price'``) or several (``('price', 'feature')``): class 1 then has those
        coefficients alone (no brand constants, no other variable); None: every class has all coefficients.
    alternatives : sequence of str or None, optional
        The alternatives (the first the reference of the constants); None: the brands chosen, sorted.
    starts : int, default 5
        EM starts (the pooled logit's coefficients perturbed at random); the best likelihood is kept.
    max_iter : int, default 50
        Most EM iterations per start, before quasi-Newton steps on the mixture likelihood finish the fit.
    tol : float, default 1e-3
        EM hands over when the log-likelihood rises by less than this.
    seed : int, default 0
        Seed of the starts.
    household, choice : str
        Column names.
    alpha : float, default 0.05
        Significance level of the intervals.

    Attributes
    ----------
    params_ : Series, index ``parameter``: ``class<s>:<coefficient>`` and ``share:class<s>``
    summary : DataFrame per parameter: estimate, std_error, ci_lower, ci_upper, z, p_value
    coefficients_ : DataFrame, coefficients x classes (NaN where a class has no such coefficient)
    shares_ : Series, class shares (of households)
    posterior_ : DataFrame, households x classes: posterior class probabilities
    log_likelihood_ : float; n_parameters_ : int; bic_ : float; aic_ : float
    n_obs_ : int, occasions; n_households_ : int; n_iter_ : int, EM iterations of the best start
    start_log_likelihoods_ : list of float, the final log-likelihood of each start

    References
    ----------
    Kamakura, W. A. and Russell, G. J. (1989). Journal of Marketing Research 26(4), 379-390.

    Examples
    --------
    >>> from crmresearch import choice, data
    >>> panel, truth = data.simulate_choice_panel(households=150, occasions=8, seed=1)
    >>> m = choice.LatentClassLogit(2, variables=["price"], price_only="price", starts=2).fit(panel)
    >>> round(float(m.shares_.sum()), 6)
    1.0
    """

    def __init__(self, n_classes: int = 2, variables: Sequence[str] = ("price",),
                 price_only: str | Sequence[str] | None = None,
                 alternatives: Sequence[str] | None = None, starts: int = 5, max_iter: int = 50,
                 tol: float = 1e-3, seed: int = 0, household: str = "household", choice: str = "choice",
                 alpha: float = 0.05) -> None:
        self.n_classes = n_classes
        self.variables = variables
        self.price_only = price_only
        self.alternatives = alternatives
        self.starts = starts
        self.max_iter = max_iter
        self.tol = tol
        self.seed = seed
        self.household = household
        self.choice = choice
        self.alpha = alpha

    def _masks(self, names: list[str]) -> list[np.ndarray]:
        S = int(self.n_classes)
        full = np.ones(len(names), dtype=bool)
        if self.price_only is None:
            return [full] * S
        only = {self.price_only} if isinstance(self.price_only, str) else set(self.price_only)
        if not only <= set(names) or any(n.startswith("asc:") for n in only):
            raise ValidationError(f"LatentClassLogit: price_only names {sorted(only)}, which are not all among the "
                                  f"variables {list(self.variables)}")
        return [np.array([n in only for n in names])] + [full] * (S - 1)

    def fit(self, choices: pd.DataFrame) -> LatentClassLogit:
        """Fit by EM from ``starts`` starts and keep the best.

        Parameters
        ----------
        choices : DataFrame
            The wide choice table (see :func:`~crmresearch.choice.choice_set`), several occasions per
            household.

        Returns
        -------
        LatentClassLogit
            ``self``, fitted.

        Raises
        ------
        ValidationError
            For the table errors of :func:`~crmresearch.choice.choice_set`, fewer households than classes,
            or settings out of range.

        Examples
        --------
        >>> from crmresearch import choice, data
        >>> panel, _ = data.simulate_choice_panel(households=100, occasions=6, seed=2)
        >>> choice.LatentClassLogit(1).fit(panel).n_households_
        100
        """
        caller = "LatentClassLogit.fit"
        S = int(self.n_classes)
        if S != self.n_classes or S < 1 or int(self.starts) < 1:
            raise ValidationError(f"{caller}: n_classes and starts must be whole numbers >= 1; got "
                                  f"{self.n_classes!r}, {self.starts!r}")
        cs = choice_set(choices, list(self.variables), self.alternatives, True, self.household, self.choice, caller)
        hh_ids, h = np.unique(cs.household, return_inverse=True)
        H = len(hh_ids)
        if H < S:
            raise ValidationError(f"{caller}: {H} households for {S} classes; each class needs households")
        masks = self._masks(cs.names)
        X, y = cs.X, cs.y
        K = len(cs.names)
        pooled = _fit_logit(X, y, None, np.zeros(len(cs.names)), caller)
        rng = np.random.default_rng(self.seed)
        best = None
        finals = []
        for _ in range(int(self.starts)):
            betas = [np.where(m, pooled + rng.normal(0, 1.0, pooled.size) * (np.abs(pooled) + 0.5), 0.0)
                     for m in masks]
            log_pi = np.log(np.full(S, 1.0 / S))
            prev, it = -np.inf, 0
            while it < int(self.max_iter):
                it += 1
                post, ll = self._e_step(betas, log_pi, X, y, h, H)
                for s in range(S):
                    w = post[h, s]
                    b = _fit_logit(X[:, :, masks[s]], y, w, betas[s][masks[s]], caller)
                    betas[s] = np.zeros(len(cs.names))
                    betas[s][masks[s]] = b
                log_pi = np.log(np.clip(post.mean(axis=0), 1e-300, None))
                if ll - prev < self.tol:
                    break
                prev = ll
            # EM gets close; quasi-Newton on the mixture likelihood finishes (EM alone crawls near the top)
            x0 = self._pack(betas, log_pi, masks)
            opt = minimise(lambda x: self._neg(x, masks, X, y, h, H, K), x0, caller=caller)
            betas, i = [], 0
            for m in masks:
                b = np.zeros(K)
                b[m] = opt.x[i:i + int(m.sum())]
                i += int(m.sum())
                betas.append(b)
            gamma = np.r_[0.0, opt.x[i:]]
            log_pi = gamma - _logsumexp(gamma)
            post, ll = self._e_step(betas, log_pi, X, y, h, H)
            finals.append(float(ll))
            if best is None or ll > best[0]:
                best = (float(ll), [b.copy() for b in betas], log_pi.copy(), post, it)
        assert best is not None
        ll, betas, log_pi, post, n_iter = best
        order = list(range(S))
        fixed_first = 1 if self.price_only is not None else 0  # the price-only class stays class 1
        order = order[:fixed_first] + sorted(order[fixed_first:], key=lambda s: -log_pi[s])
        betas = [betas[s] for s in order]
        log_pi = log_pi[order]
        post = post[:, order]
        masks = [masks[s] for s in order]
        free = self._pack(betas, log_pi, masks)
        H_mat = hessian(lambda x: -self._grad(x, masks, X, y, h, H, len(cs.names)), free, 1e-5)
        cov = invert(H_mat)
        names = [f"class{s + 1}:{n}" for s in range(S) for n, m in zip(cs.names, masks[s], strict=True) if m]
        # shares by the delta method from the free logits (class 1's logit fixed at 0)
        pi = np.exp(log_pi - _logsumexp(log_pi))
        k_beta = sum(int(m.sum()) for m in masks)
        J = np.zeros((S, S - 1))
        for s in range(S):
            for r in range(1, S):
                J[s, r - 1] = pi[s] * ((s == r) - pi[r])
        share_cov = J @ cov[k_beta:, k_beta:] @ J.T if S > 1 else np.zeros((1, 1))
        est = np.r_[np.concatenate([b[m] for b, m in zip(betas, masks, strict=True)]), pi]
        se = np.r_[np.sqrt(np.clip(np.diag(cov[:k_beta, :k_beta]), 0, None)),
                   np.sqrt(np.clip(np.diag(share_cov), 0, None))]
        labels = [f"class{s + 1}" for s in range(S)]
        self.params_ = pd.Series(est, index=pd.Index(names + [f"share:{c}" for c in labels], name="parameter"),
                                 name="estimate")
        self._std_errors = se
        self.coefficients_ = pd.DataFrame({c: np.where(m, b, np.nan) for c, b, m in zip(labels, betas, masks,
                                                                                        strict=True)},
                                          index=pd.Index(cs.names, name="coefficient"))
        self.shares_ = pd.Series(pi, index=pd.Index(labels, name="class"), name="share")
        self.posterior_ = pd.DataFrame(post, index=pd.Index(hh_ids, name=self.household),
                                       columns=pd.Index(labels, name="class"))
        self.log_likelihood_ = ll
        self.n_parameters_ = int(k_beta + S - 1)
        self.bic_ = float(-2 * ll + self.n_parameters_ * np.log(H))
        self.aic_ = float(-2 * ll + 2 * self.n_parameters_)
        self.n_obs_ = len(y)
        self.n_households_ = int(H)
        self.n_iter_ = int(n_iter)
        self.start_log_likelihoods_ = finals
        self.alternatives_ = cs.alternatives
        return self

    @staticmethod
    def _e_step(betas: list[np.ndarray], log_pi: np.ndarray, X: np.ndarray, y: np.ndarray, h: np.ndarray,
                H: int) -> tuple[np.ndarray, float]:
        LL = np.column_stack([np.bincount(h, weights=_loglik(b, X, y)[0], minlength=H) for b in betas])
        joint = LL + log_pi[None, :]
        lse = _logsumexp(joint, axis=1)
        return np.exp(joint - lse[:, None]), float(lse.sum())

    @staticmethod
    def _pack(betas: list[np.ndarray], log_pi: np.ndarray, masks: list[np.ndarray]) -> np.ndarray:
        return np.r_[np.concatenate([b[m] for b, m in zip(betas, masks, strict=True)]), (log_pi - log_pi[0])[1:]]

    def _grad(self, x: np.ndarray, masks: list[np.ndarray], X: np.ndarray, y: np.ndarray, h: np.ndarray, H: int,
              K: int) -> np.ndarray:
        """Gradient of the mixture log-likelihood in (coefficients, class logits) (Louis: posterior-weighted)."""
        return self._ll_grad(x, masks, X, y, h, H, K)[1]

    def _neg(self, x: np.ndarray, masks: list[np.ndarray], X: np.ndarray, y: np.ndarray, h: np.ndarray, H: int,
             K: int) -> tuple[float, np.ndarray]:
        ll, g = self._ll_grad(x, masks, X, y, h, H, K)
        return -ll, -g

    def _ll_grad(self, x: np.ndarray, masks: list[np.ndarray], X: np.ndarray, y: np.ndarray, h: np.ndarray, H: int,
                 K: int) -> tuple[float, np.ndarray]:
        S = len(masks)
        betas, i = [], 0
        for m in masks:
            b = np.zeros(K)
            b[m] = x[i:i + int(m.sum())]
            i += int(m.sum())
            betas.append(b)
        gamma = np.r_[0.0, x[i:]]
        log_pi = gamma - _logsumexp(gamma)
        post, ll = self._e_step(betas, log_pi, X, y, h, H)
        parts = []
        for s in range(S):
            _, g, _ = _loglik(betas[s], X, y, post[h, s])
            parts.append(g[masks[s]])
        pi = np.exp(log_pi)
        return ll, np.r_[np.concatenate(parts), (post - pi[None, :]).sum(axis=0)[1:]]

    def _summary(self) -> pd.DataFrame:
        return parameter_table(self.params_, std_error=self._std_errors, alpha=self.alpha)

    def class_probabilities(self, choices: pd.DataFrame) -> dict[str, pd.DataFrame]:
        """Each class's choice probabilities at the occasions of ``choices``.

        Parameters
        ----------
        choices : DataFrame
            A choice table with the fitted variables.

        Returns
        -------
        dict of str to DataFrame
            Class label -> occasions x alternatives.

        Examples
        --------
        >>> from crmresearch import choice, data
        >>> panel, _ = data.simulate_choice_panel(households=60, occasions=5, seed=3)
        >>> m = choice.LatentClassLogit(1).fit(panel)
        >>> list(m.class_probabilities(panel))
        ['class1']
        """
        self._check_fitted("class_probabilities")
        cs = choice_set(choices, list(self.variables), self.alternatives_, True, self.household, self.choice,
                        "LatentClassLogit.class_probabilities")
        cols = pd.Index(cs.alternatives, name="alternative")
        return {c: pd.DataFrame(_loglik(self.coefficients_[c].fillna(0).to_numpy(), cs.X, cs.y)[2],
                                index=choices.index, columns=cols) for c in self.coefficients_.columns}

    def segments(self, choices: pd.DataFrame, price: str = "price", promotion: float = 0.10) -> pd.DataFrame:
        """Per class: share, own-price elasticities and what a price cut buys.

        The occasions of each household are weighted by its posterior probability of the class. The price
        promotion lowers one alternative's price by ``promotion`` (a share, 0.10 = 10 %) at every occasion;
        the gain is that alternative's mean choice probability after less before, in share points.

        Parameters
        ----------
        choices : DataFrame
            The choice table fitted.
        price : str, default 'price'
            The price variable.
        promotion : float, default 0.10
            Price cut as a share of the price.

        Returns
        -------
        DataFrame
            Index ``class``: ``share``, ``price_coefficient``, ``elasticity:<alt>`` and ``promotion_gain:<alt>``
            (share points of the class's purchases), ``promotion_gain_share:<alt>`` (the class's part of the
            total gain).

        Examples
        --------
        >>> from crmresearch import choice, data
        >>> panel, _ = data.simulate_choice_panel(households=60, occasions=5, seed=3)
        >>> m = choice.LatentClassLogit(1).fit(panel)
        >>> float(m.segments(panel)["share"].iloc[0])
        1.0
        """
        from .logit import price_elasticities

        self._check_fitted("segments")
        if price not in self.coefficients_.index:
            raise ValidationError(f"LatentClassLogit.segments: price {price!r} is not a fitted variable")
        alts = self.alternatives_
        w_h = self.posterior_.reindex(choices[self.household].to_numpy()).to_numpy()
        probs = self.class_probabilities(choices)
        prices = choices[[f"{price}_{a}" for a in alts]].set_axis(alts, axis=1)
        rows = {}
        for k, c in enumerate(self.coefficients_.columns):
            beta = self.coefficients_[c].fillna(0).to_numpy()
            e = price_elasticities(probs[c], prices, float(beta[list(self.coefficients_.index).index(price)]),
                                   w_h[:, k])
            row = {"share": float(self.shares_[c]), "price_coefficient": float(self.coefficients_.loc[price, c])}
            row |= {f"elasticity:{a}": float(e[a]) for a in alts}
            for a in alts:
                cut = choices.copy()
                cut[f"{price}_{a}"] = cut[f"{price}_{a}"] * (1 - promotion)
                after = self.class_probabilities(cut)[c][a].to_numpy()
                row[f"promotion_gain:{a}"] = float(w_h[:, k] @ (after - probs[c][a].to_numpy()) / w_h[:, k].sum())
            rows[c] = row
        out = pd.DataFrame(rows).T
        out.index.name = "class"
        for a in alts:
            mass = out["share"] * out[f"promotion_gain:{a}"]
            out[f"promotion_gain_share:{a}"] = mass / mass.sum() if mass.sum() else np.nan
        return out


def select_classes(choices: pd.DataFrame, classes: Sequence[int] = (1, 2, 3), variables: Sequence[str] = ("price",),
                   price_only: str | Sequence[str] | None = "price", starts: int = 5, seed: int = 0,
                   **settings: object) -> tuple[pd.DataFrame, LatentClassLogit, dict[tuple[int, bool],
                                                                                   LatentClassLogit]]:
    """Fit the latent-class logit for each number of classes (with and without a price-only class) and
    choose by BIC.

    Parameters
    ----------
    choices : DataFrame
        The wide choice table.
    classes : sequence of int, default (1, 2, 3)
        Numbers of classes tried.
    variables : sequence of str, default ('price',)
        Variables of the logit.
    price_only : str, sequence of str or None, default 'price'
        The variable(s) of the price-only class tried for every S >= 2; None: unrestricted models only.
    starts, seed : int
        EM starts and their seed.
    **settings
        Further :class:`LatentClassLogit` settings (``household``, ``choice``, ``max_iter`` ...).

    Returns
    -------
    (DataFrame, LatentClassLogit, dict)
        One row per model (``classes``, ``price_only``, ``log_likelihood``, ``parameters``, ``bic``, ``aic``,
        ``chosen``), the model of lowest BIC, and every fitted model by (classes, price_only).

    Examples
    --------
    >>> from crmresearch import choice, data
    >>> panel, _ = data.simulate_choice_panel(households=120, occasions=8, seed=4)
    >>> table, best, models = choice.select_classes(panel, classes=(1, 2), starts=2)
    >>> int(table["chosen"].sum())
    1
    """
    rows, models = [], {}
    for S in classes:
        for restricted in ([None] + ([price_only] if price_only and S >= 2 else [])):
            m = LatentClassLogit(S, variables=variables, price_only=restricted, starts=starts, seed=seed,
                                 **settings).fit(choices)  # type: ignore[arg-type]
            models[(int(S), restricted is not None)] = m
            rows.append({"classes": S, "price_only": restricted is not None, "log_likelihood": m.log_likelihood_,
                         "parameters": m.n_parameters_, "bic": m.bic_, "aic": m.aic_})
    table = pd.DataFrame(rows)
    k = int(table["bic"].idxmin())
    table["chosen"] = False
    table.loc[k, "chosen"] = True
    best = models[(int(table.loc[k, "classes"]), bool(table.loc[k, "price_only"]))]
    return table, best, models
