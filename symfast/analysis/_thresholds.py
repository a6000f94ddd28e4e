"""The best single cut on a scalar feature: the baseline a learned classifier must beat."""

from __future__ import annotations

import numpy as np


def threshold_accuracy(e_train: np.ndarray, y_train: np.ndarray, e_test: np.ndarray,
                       y_test: np.ndarray) -> float:
    """Test accuracy of the best single threshold on a scalar, chosen on the training set.

    Both directions are tried (positive below or above the threshold); cuts lie
    halfway between distinct training values.
    """
    order = np.argsort(e_train, kind="stable")
    e, y = np.asarray(e_train)[order], np.asarray(y_train)[order].astype(bool)
    # cut after position j: predict positive for the first j (the low side)
    pos_below = np.concatenate([[0], np.cumsum(y)])
    neg_above = (~y).sum() - np.concatenate([[0], np.cumsum(~y)])
    acc_low = (pos_below + neg_above) / y.size
    acc_high = 1.0 - acc_low
    valid = np.concatenate([[True], e[1:] != e[:-1], [True]])   # only between distinct values
    j_low = np.flatnonzero(valid)[np.argmax(acc_low[valid])]
    j_high = np.flatnonzero(valid)[np.argmax(acc_high[valid])]
    cuts = np.concatenate([[-np.inf], (e[1:] + e[:-1]) / 2, [np.inf]])
    if acc_low[j_low] >= acc_high[j_high]:
        pred = np.asarray(e_test) < cuts[j_low]
    else:
        pred = np.asarray(e_test) >= cuts[j_high]
    return float(np.mean(pred == np.asarray(y_test).astype(bool)))
