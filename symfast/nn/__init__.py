"""Torch models behind an estimator API (``fit``, ``predict``, ``embed``, ``score``), and
:func:`fit_many`, which trains many of them at once.

Importing this subpackage imports torch.
"""

from symfast.nn._autoencoder import TaskAutoencoder, sensitivity
from symfast.nn._fit_many import fit_many
from symfast.nn._classifier import ACTIVATIONS as CLASSIFIER_ACTIVATIONS
from symfast.nn._classifier import EmbeddingClassifier
from symfast.nn._configuration_classifier import ConfigurationClassifier
from symfast.nn._configuration_encoder import ConfigurationEncoder
from symfast.nn._feature_sep import FeatureSeparation, separation_loss
from symfast.nn._invariant import (InvariantClassifier, InvariantRegressor,
                                   invariant_learning_curve)
from symfast.nn._regressor import GradientRegressor
from symfast.nn._lattice_cnn import LatticeCNN
from symfast.nn._scored import (ScoredClassifier, ScoredTraining, mlp,
                                train_and_score)
from symfast.nn._utils import check_device

__all__ = ["CLASSIFIER_ACTIVATIONS", "ConfigurationClassifier", "ConfigurationEncoder",
           "EmbeddingClassifier", "FeatureSeparation",
           "GradientRegressor", "InvariantClassifier", "InvariantRegressor", "LatticeCNN", "ScoredClassifier", "ScoredTraining",
           "TaskAutoencoder", "check_device", "fit_many", "invariant_learning_curve", "mlp", "sensitivity", "separation_loss",
           "train_and_score"]
