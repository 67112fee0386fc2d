# Two commands do all set-up: `make demo` and `make test`. Each builds .venv on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-cxmethods

.PHONY: setup demo test lab clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x "$(BIN)/python" || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m ipykernel install --sys-prefix --name cxmethods --display-name "Python (cxmethods)"
	@touch $(STAMP)

demo: setup  ## run every workbook headless on the bundled sample engagement
	$(BIN)/cxm run --out out/riverton

test: setup  ## unit tests, workbook runs, nbval (lax) over workbooks/
	$(BIN)/python -m pytest

lab: setup  ## JupyterLab on the workbooks (Jupyter refuses root unless told: containers often run as root)
	$(BIN)/jupyter lab workbooks/ $(if $(filter 0,$(shell id -u)),--allow-root)

clean:
	rm -rf $(VENV) out
