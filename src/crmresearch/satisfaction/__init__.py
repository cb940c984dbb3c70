"""Satisfaction models: PLS path modelling (ACSI / ECSI) with our own numpy engine."""

from .plspm import PLSPM

__all__ = ["PLSPM"]
