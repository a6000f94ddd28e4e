# symfast: `make demo` and `make test` set everything up on a fresh machine.
#
# The virtual environment gets the CPU build of torch first (torch==2.13.0 is
# a wheel on local disk; an unpinned torch would pull a multi-GB CUDA build),
# then the build requirements, then symfast itself in editable mode with its
# test and docs extras, which compiles the extensions in csrc/.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check
TORCH  ?= torch==2.13.0
STAMP  := $(VENV)/.symfast-installed
EXT_SOURCES := $(wildcard csrc/*.pyx csrc/*.pxd csrc/*.h csrc/*.c)

.PHONY: all venv build demo test bench docs clean

all: build

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(PY) pyproject.toml setup.py
	$(PIP) install -q "$(TORCH)"
	$(PIP) install -q "setuptools>=77" wheel "Cython>=3.0" "numpy>=2.4" "scipy>=1.10"
	$(PIP) install -q --no-build-isolation -e ".[test,docs]"
	touch $@

venv: $(STAMP)

# Rebuild the compiled kernels when their sources change.
build: $(STAMP) $(EXT_SOURCES)
	$(PY) setup.py -q build_ext --inplace

demo: build
	$(VENV)/bin/symfast info
	$(VENV)/bin/symfast discover --potential higgs --quick --out results/demo-higgs --force

test: build
	$(PY) -m pytest tests -q
	SYMFAST_BENCH_TINY=1 $(PY) -m pytest benchmarks -q --benchmark-disable
	$(PY) benchmarks/memory.py --tiny
	$(MAKE) docs

# -n -W: a broken cross-reference or docstring markup fails the build
docs: build
	$(PY) -m sphinx -q -n -W --keep-going -b html docs docs/_build/html

bench: build
	mkdir -p benchmarks/results
	$(PY) -m pytest benchmarks -q --benchmark-only --benchmark-columns=min,mean,stddev,rounds \
		--benchmark-json=benchmarks/results/latest.json
	$(PY) benchmarks/memory.py --out benchmarks/results/memory.json
	$(PY) benchmarks/report.py benchmarks/results/latest.json benchmarks/results/memory.json \
		> benchmarks/results/latest.md
	cat benchmarks/results/latest.md

clean:
	rm -rf build results .pytest_cache .benchmarks
	find symfast -name '*.so' -delete
	rm -f csrc/*.c
