"""One registry of studies: the command line, sweeps and the report read it, and adding a
study is adding one module.  Training settings live in one TrainingConfig with the old
flat names as aliases."""

from __future__ import annotations

import json
import textwrap

import pytest

from symfast.experiments import StudySpec, TrainingConfig, get_study, studies

BUILT_IN = ["invariance", "discover", "mnist", "cicy", "identifier", "hodge", "jets", "chain", "ising2d",
            "fourier"]

MY_STUDY = '''
from dataclasses import dataclass, field
from pathlib import Path

from symfast._io import write_json
from symfast.experiments import StudySpec, TrainingConfig
from symfast.experiments._common import replace_config
from symfast.experiments._training import training_aliases


@training_aliases("hidden", "epochs")
@dataclass(frozen=True)
class ToyConfig:
    n: int = 10
    training: TrainingConfig = field(default_factory=lambda: TrainingConfig(epochs=7))
    seed: int = 0

    @classmethod
    def quick(cls, **overrides):
        return replace_config(cls(n=3), **overrides)

    @classmethod
    def paper(cls, **overrides):
        return replace_config(cls(), **overrides)

    def validate(self):
        self.training.validate(self.TRAINING_USES, "toy")


class ToyResult:
    def __init__(self, config):
        self.config = config

    def to_dict(self):
        from symfast.experiments._common import config_dict

        c = self.config
        return {"config": config_dict(c), "total": c.n * c.epochs + c.seed}

    def save(self, out):
        write_json(Path(out) / "result.json", self.to_dict())


def run(config, *, progress=True, n_threads=None):
    config.validate()
    return ToyResult(config)


def summary(data, out):
    return f"toy total {data['total']}"


def cli_options(p):
    p.add_argument("--n", type=int, default=None)


STUDY = StudySpec(name="toy", module=__name__, config=ToyConfig, summary=summary, order=99,
                  help="a toy study added in one module", add_options=cli_options,
                  overrides=lambda args: {"n": args.n})
'''


def test_the_built_in_studies_are_registered_in_order():
    specs = studies()
    assert list(specs) == BUILT_IN
    for name, spec in specs.items():
        assert isinstance(spec, StudySpec) and spec.name == name
        module = spec.load()
        assert module.STUDY is spec and callable(module.run)
        assert hasattr(spec.config, "quick") and hasattr(spec.config, "paper")
    assert [n for n, s in specs.items() if s.takes_potential] == ["invariance", "discover"]
    assert [n for n, s in specs.items() if s.claims is None] == ["invariance"]
    with pytest.raises(ValueError, match="unknown study 'nope'; expected one of invariance"):
        get_study("nope")


def test_the_command_line_and_sweeps_read_the_registry():
    from symfast.batch import check_task
    from symfast.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    assert set(BUILT_IN) <= set(sub.choices)
    with pytest.raises(ValueError, match="expected one of invariance, discover"):
        check_task({"study": "nope"})


def test_a_study_added_as_one_module_reaches_cli_sweeps_and_report(tmp_path, monkeypatch,
                                                                   capsys):
    import symfast.experiments as package
    from symfast.batch import run_sweep
    from symfast.cli import main
    from symfast.experiments.reproduce import report_studies

    (tmp_path / "toy_study.py").write_text(textwrap.dedent(MY_STUDY))
    monkeypatch.setattr(package, "__path__", [*package.__path__, str(tmp_path)])
    spec = get_study("toy")
    assert spec.module == "symfast.experiments.toy_study"
    assert main(["toy", "--n", "5", "--seed", "1", "--out", str(tmp_path / "out")]) == 0
    assert capsys.readouterr().out.strip() == "toy total 36"          # 5 * 7 + 1
    s = run_sweep([{"study": "toy", "epochs": 2}], out_dir=tmp_path / "sweep",
                  executor=_Inline(), progress=False)
    assert list(s.results.values()) == [{"config": s.results[next(iter(s.results))]["config"],
                                         "total": 6}]                  # 3 * 2: the alias
    assert "toy" not in [r.name for r in report_studies()]           # no claims: no rows


class _Inline:
    """An executor that runs a task at once (the toy module is importable only here)."""

    def submit(self, fn, *args):
        from concurrent.futures import Future

        f: Future = Future()
        f.set_result(fn(*args))
        return f


def test_training_config_and_its_flat_aliases():
    from symfast.experiments.chain import ChainConfig
    from symfast.experiments.cicy import CicyConfig
    from symfast.experiments.invariance import InvarianceConfig

    c = InvarianceConfig.quick("so3", max_epochs=7, hidden=(16,))
    assert c.training.epochs == c.max_epochs == c.epochs == 7
    assert c.training.hidden == (16,) and c.training.activation == "gelu"   # rest kept
    assert InvarianceConfig.quick("so3", training={"epochs": 3}).training.hidden == \
        (128, 128, 128)                                   # a partial dict updates the preset
    assert CicyConfig.quick(max_epochs=2).training.target_accuracy == 0.95
    with pytest.raises(TypeError, match="unknown ChainConfig field.*target_accuracy"):
        ChainConfig.quick(target_accuracy=0.9)
    with pytest.raises(ValueError, match="chain does not use training.target_accuracy"):
        ChainConfig(training=TrainingConfig(target_accuracy=0.5)).validate()
    with pytest.raises(ValueError, match="training.epochs must be >= 1"):
        ChainConfig.quick(epochs=0).validate()


def test_a_result_saved_with_flat_keys_still_resumes(tmp_path):
    from symfast.experiments._common import config_dict, finished_result
    from symfast.experiments.chain import ChainConfig

    config = ChainConfig.quick(epochs=5)
    flat = config_dict(config)
    nested = flat.pop("training")
    flat.update(hidden=nested["hidden"], epochs=nested["epochs"],
                batch_size=nested["batch_size"], learning_rate=nested["learning_rate"])
    (tmp_path / "result.json").write_text(json.dumps({"config": flat, "answer": 42}))
    assert finished_result(tmp_path, config)["answer"] == 42
    assert finished_result(tmp_path, ChainConfig.quick(epochs=6)) is None


def test_every_study_that_trains_takes_a_device(capsys):
    """Issue 16: every study with a torch model takes ``device``; a bad one is refused by
    name before any work (mnist trains none: PCA of rotated digits)."""
    import inspect

    from symfast.cli import main

    for name, spec in studies().items():
        if name in BUILT_IN and name != "mnist":
            assert "device" in inspect.signature(spec.load().run).parameters, name
    assert main(["invariance", "--device", "nonsense", "--no-progress", "--out",
                 "/nonexistent/x"]) == 2
    assert "device must be" in capsys.readouterr().err
