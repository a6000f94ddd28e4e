"""Torch models behind an estimator API (``fit``, ``predict``, ``embed``, ``score``).

Importing this subpackage imports torch.
"""

from symfast.nn._classifier import EmbeddingClassifier

__all__ = ["EmbeddingClassifier"]
