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

.PHONY: all venv build demo test bench docs package-check clean

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

# -n auto: one pytest worker per CPU (pytest-xdist); --dist loadscope keeps each module's
# tests, and so its module-scoped fixtures, on one worker.  One BLAS/OpenMP thread per
# worker: two workers with two threads each on two cores ran the discover studies' tests
# in 74 s against 49 s (measured 2026-12-07); symfast's own n_threads still apply
test: build
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \
	    $(PY) -m pytest tests -q -n auto --dist loadscope
	SYMFAST_BENCH_TINY=1 $(PY) -m pytest benchmarks -q --benchmark-disable
	$(PY) benchmarks/memory.py --tiny
	$(MAKE) docs

# -n -W: a broken cross-reference or docstring markup fails the build; then headless
# Chromium checks that two pages typeset their formulas offline (skipped without a
# Chromium unless SYMFAST_REQUIRE_BROWSER=1, as in CI)
docs: build
	$(PY) -m sphinx -q -n -W --keep-going -b html docs docs/_build/html
	$(PY) docs/check_render.py docs/_build/html

# sdist -> wheel from the sdist -> a fresh virtual environment -> symfast info + a discovery
package-check: build
	.ci/package-check $(PY)

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
