# Two commands do all set-up: `make demo` and `make test`. Each builds .venv on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-cxmethods

.PHONY: setup demo test test-browser lab bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "No python3.11 or python3 found: install Python 3.11 (or set PYTHON=/path/to/python)."; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "cxmethods needs Python 3.11 or newer; $(PYTHON) is " + sys.version.split()[0] + ". Set PYTHON=/path/to/python3.11.")'
	@test -x "$(BIN)/python" || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name cxmethods --display-name "Python (cxmethods)"
	@touch $(STAMP)

demo: setup  ## run every workbook headless on the bundled sample engagement
	$(BIN)/cxm run --out out/riverton

test: setup  ## unit tests, workbook runs, nbval (lax) over workbooks/
	$(BIN)/python -m pytest

test-browser: setup  ## the workshop forms driven in JupyterLab in headless Chromium (needs Debian's chromium package)
	@command -v chromium >/dev/null || { echo "The browser tests need Chromium: sudo apt-get install chromium (Debian/Ubuntu)."; exit 1; }
	$(BIN)/python -m pytest -m browser tests/browser

lab: setup  ## JupyterLab on the workbooks (Jupyter refuses root unless told: containers often run as root)
	$(BIN)/jupyter lab workbooks/ $(if $(filter 0,$(shell id -u)),--allow-root)

bench: setup  ## the benchmark suite: each target measured, one table (benchmarks/README.md; about 30 minutes)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) out
