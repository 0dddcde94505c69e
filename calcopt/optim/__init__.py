"""Optimisation runs, rate predictions and checks: ``gd``, ``sgd``, ``predict``, ``check``,
``minibatch_variance``; results :class:`Run`, :class:`Prediction`, :class:`RateCheck`.

Built on the generated code of a :class:`calcopt.Graph` (``calcopt.codegen.program``) and on the
analysis layer (``calcopt.conditioning``, ``calcopt.argmin``) for the constants ``L``,
``mu`` and ``x*``; every function accepts them explicitly too.
"""

from .checks import RateCheck, check
from .descent import gd
from .rates import Prediction, predict
from .worstcase import WorstCase
from .results import Run
from .stochastic import sgd
from .variance import MinibatchVariance, minibatch_variance

__all__ = ["MinibatchVariance", "Prediction", "RateCheck", "Run", "WorstCase", "check", "gd",
           "minibatch_variance", "predict", "sgd"]
