"""Noisy single-frequency signals and their Fourier representation (Betzler & Krippendorf).

Telling a noisy sinusoid from pure noise is hard for a simple network in position
space and easy in frequency space; :func:`signals` makes the data and
:func:`power_spectrum` the exact frequency-space representation.
"""

from symfast.fourier._signals import (DOCUMENTED_AMPLITUDE, power_spectrum, signals,
                                      single_frequency)

__all__ = ["DOCUMENTED_AMPLITUDE", "power_spectrum", "signals", "single_frequency"]
