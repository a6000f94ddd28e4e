"""One set of names for how every study trains its network: ``TrainingConfig``.

A study's config holds ``training: TrainingConfig``.  The flat names the configs had
before (``max_epochs`` or ``epochs``, ``hidden``, ``batch_size``, ...) stay as aliases:
they are accepted as keyword arguments, by the presets and ``replace_config``, in sweep
tasks and in saved ``result.json`` files, and they read back as properties.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, fields, replace
from typing import Any

from symfast._validation import check_float, check_int


@dataclass(frozen=True)
class TrainingConfig:
    """How a study's network is trained.

    Attributes
    ----------
    hidden : tuple of int
        Widths of the hidden layers.
    embed_dim : int or None
        Width of the embedding layer (the last hidden layer), for the studies that
        read one; None where the study has none.
    activation : str
        Hidden-layer activation, for the studies that choose one.
    epochs : int
        The most epochs a training runs.
    batch_size : int
    learning_rate : float
    target_accuracy : float or None
        Stop once the held-out accuracy reaches it (None: run every epoch).
    """

    hidden: tuple[int, ...] = (64,)
    embed_dim: int | None = None
    activation: str = "relu"
    epochs: int = 100
    batch_size: int = 64
    learning_rate: float = 1e-3
    target_accuracy: float | None = None

    def validate(self, uses: tuple[str, ...], study: str) -> None:
        """Check the fields; a field the study does not use must keep its default."""
        default = TrainingConfig()
        for f in fields(self):
            if f.name not in uses and getattr(self, f.name) != getattr(default, f.name):
                raise ValueError(f"{study} does not use training.{f.name} (it uses "
                                 f"{', '.join(uses)}); got {getattr(self, f.name)!r}")
        if isinstance(self.hidden, (int, str)) or not hasattr(self.hidden, "__iter__"):
            raise TypeError(f"training.hidden must be a sequence of ints, got {self.hidden!r}")
        for h in self.hidden:
            check_int(h, "training.hidden entry", minimum=1)
        if self.embed_dim is not None:
            check_int(self.embed_dim, "training.embed_dim", minimum=1)
        check_int(self.epochs, "training.epochs", minimum=1)
        check_int(self.batch_size, "training.batch_size", minimum=1)
        check_float(self.learning_rate, "training.learning_rate", positive=True)
        if self.target_accuracy is not None:
            check_float(self.target_accuracy, "training.target_accuracy", minimum=0.0,
                        maximum=1.0)


#: Flat names of today's configs -> TrainingConfig field.
ALIASES = {"hidden": "hidden", "embed_dim": "embed_dim", "activation": "activation",
           "epochs": "epochs", "max_epochs": "epochs", "batch_size": "batch_size",
           "learning_rate": "learning_rate", "target_accuracy": "target_accuracy"}


def training_aliases(*uses: str):
    """Class decorator for a study config (put it above ``@dataclass``) with a ``training``
    field: the TrainingConfig fields in ``uses`` get their flat aliases (keyword
    arguments and read-only properties).  The config's ``validate`` should call
    ``self.training.validate(self.TRAINING_USES, name)``."""
    names = tuple(a for a, target in ALIASES.items() if target in uses)

    def decorate(cls):
        init = cls.__init__

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            flat = {ALIASES[k]: kwargs.pop(k) for k in list(kwargs) if k in names}
            if flat or isinstance(kwargs.get("training"), dict):
                # a dict, then the flat names, update the study's own defaults
                default = cls.__dataclass_fields__["training"].default_factory()
                training = as_training(kwargs.get("training", default), base=default)
                kwargs["training"] = replace(training, **flat)
            init(self, *args, **kwargs)

        functools.update_wrapper(__init__, init)   # the dataclass signature, for help()
        cls.__init__ = __init__
        cls.TRAINING_USES = tuple(uses)
        cls.TRAINING_ALIASES = names
        for alias in names:
            setattr(cls, alias, property(lambda self, _f=ALIASES[alias]: getattr(self.training, _f),
                                         doc=f"Alias of ``training.{ALIASES[alias]}``."))
        return cls

    return decorate


def as_training(value: Any, base: TrainingConfig | None = None) -> TrainingConfig:
    """A TrainingConfig from itself or from a dict of some of its fields (a saved config,
    a sweep task), which update ``base`` (default: TrainingConfig's defaults)."""
    if isinstance(value, TrainingConfig):
        return value
    if isinstance(value, dict):
        known = {f.name for f in fields(TrainingConfig)}
        unknown = sorted(set(value) - known)
        if unknown:
            raise TypeError(f"unknown training field(s): {', '.join(unknown)}; expected some "
                            f"of {', '.join(sorted(known))}")
        return replace(base or TrainingConfig(),
                       **{k: tuple(v) if isinstance(v, list) else v for k, v in value.items()})
    raise TypeError(f"training must be a TrainingConfig or a dict, got {type(value).__name__}")


def _nested_configs(cls: type) -> dict[str, type]:
    """Fields of a config that hold another study config (DiscoverConfig.invariance)."""
    out = {}
    for f in fields(cls):
        factory = f.default_factory
        if callable(factory) and f.name != "training":
            value = factory()
            if hasattr(type(value), "TRAINING_ALIASES"):
                out[f.name] = type(value)
    return out


def with_flat_keys(config: Any, data: dict[str, Any]) -> dict[str, Any]:
    """``data`` (the JSON dict of ``config``) with each training alias written beside
    ``training``, in nested study configs too."""
    for name in _nested_configs(type(config)):
        data[name] = with_flat_keys(getattr(config, name), data[name])
    for alias in getattr(type(config), "TRAINING_ALIASES", ()):
        data[alias] = data["training"][ALIASES[alias]]
    return data


def upgrade_flat_keys(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    """A saved config dict in today's shape: a file written before TrainingConfig has the
    flat keys only; ``training`` is rebuilt from them (over the class's defaults)."""
    out = dict(data)
    for name, sub in _nested_configs(cls).items():
        if isinstance(out.get(name), dict):
            out[name] = upgrade_flat_keys(sub, out[name])
    names = getattr(cls, "TRAINING_ALIASES", ())
    if not names or "training" in out:
        return out
    default = cls.__dataclass_fields__["training"].default_factory()
    nested = {f.name: getattr(default, f.name) for f in fields(TrainingConfig)}
    nested = {k: list(v) if isinstance(v, tuple) else v for k, v in nested.items()}
    nested.update({ALIASES[k]: out[k] for k in names if k in out})
    out["training"] = nested
    for alias in names:                     # today's files carry every alias
        out.setdefault(alias, nested[ALIASES[alias]])
    return out
