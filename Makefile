# Two commands do all set-up: `make demo` and `make test`. Each builds .venv on first use.
# Both install the releases in requirements-lock.txt (pip's constraints), so a fresh machine gets what CI tested;
# `make lock` refreshes that file.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
LOCK   := requirements-lock.txt
STAMP      := $(VENV)/.installed-cxmethods
TEST_STAMP := $(VENV)/.installed-cxmethods-test
# The installer and the lock tool are pinned too: resolver behaviour, and pip-tools' support of pip, change between releases.
PIP       := pip==26.3
PIP_TOOLS := pip-tools==7.7.0
# `make lock` takes the newest releases pyproject.toml allows; `make lock LOCK_UPGRADE=` keeps the pins it can
# and resolves only what changed (a dependency added or a range moved).
LOCK_UPGRADE ?= --upgrade

.PHONY: setup setup-test demo test test-browser lint lock lab bench clean

setup: $(STAMP)  ## the library and notebooks, at the locked releases

setup-test: $(TEST_STAMP)  ## setup, plus the test extra: pytest, nbval, hypothesis, playwright, ruff, mypy

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "No python3.11 or python3 found: install Python 3.11 (or set PYTHON=/path/to/python)."; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "cxmethods needs Python 3.11 or newer; $(PYTHON) is " + sys.version.split()[0] + ". Set PYTHON=/path/to/python3.11.")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet $(PIP)

$(STAMP): pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c $(LOCK) -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name cxmethods --display-name "Python (cxmethods)"
	@touch $(STAMP)

$(TEST_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -c $(LOCK) -e '.[test]'
	@touch $(TEST_STAMP)

demo: setup  ## run every workbook headless on the bundled sample engagement
	$(BIN)/cxm run --out out/riverton

test: setup-test  ## unit tests, workbook runs, nbval (lax) over workbooks/
	$(BIN)/python -m pytest

test-browser: setup-test  ## the workshop forms driven in JupyterLab in headless Chromium (needs Debian's chromium package)
	@command -v chromium >/dev/null || { echo "The browser tests need Chromium: sudo apt-get install chromium (Debian/Ubuntu)."; exit 1; }
	$(BIN)/python -m pytest -m browser tests/browser

lint: setup-test  ## the quality gates CI runs: ruff's rules, ruff's formatting, mypy (settings in pyproject.toml)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# pip-compile writes its own header naming `make lock` (CUSTOM_COMPILE_COMMAND); the two lines put above it say how
# the file is used. Index and find-links options stay out: they are this machine's, not the project's. The lock is
# replaced only when it changes, so an unchanged one does not make the next make demo / make test reinstall.
lock: | $(BIN)/python  ## refresh requirements-lock.txt from pyproject.toml (runtime and test extra), then run make test
	$(BIN)/python -m pip install --quiet $(if $(wildcard $(LOCK)),-c $(LOCK)) $(PIP_TOOLS)
	@cp $(LOCK) $(LOCK).new 2>/dev/null || true
	CUSTOM_COMPILE_COMMAND="make lock" $(BIN)/pip-compile --quiet $(LOCK_UPGRADE) --extra test --strip-extras \
		--allow-unsafe --no-emit-index-url --no-emit-find-links --no-emit-trusted-host --output-file $(LOCK).new pyproject.toml
	@{ echo "# The releases make demo / make test install and CI tests: pip install -c $(LOCK) -e . (or -e '.[test]')."; \
	   echo "# environment.yml installs through it too. Do not edit by hand: change pyproject.toml, then make lock."; \
	   cat $(LOCK).new; } > $(LOCK).tmp && rm $(LOCK).new
	@if cmp -s $(LOCK).tmp $(LOCK); then rm $(LOCK).tmp; echo "$(LOCK) unchanged"; else mv $(LOCK).tmp $(LOCK); echo "$(LOCK) updated: run make test"; fi

lab: setup  ## JupyterLab on the workbooks (Jupyter refuses root unless told: containers often run as root)
	$(BIN)/jupyter lab workbooks/ $(if $(filter 0,$(shell id -u)),--allow-root)

bench: setup  ## the benchmark suite: each target measured, one table (benchmarks/README.md; about 30 minutes)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) out
