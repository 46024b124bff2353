# xinyong: two commands do everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
JOBS   ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: help venv test test-fast demo bench bench-intake bench-intake-ab bench-demo chromium clean lab

help:
	@echo "make demo   - build .venv, run the batch over the bundled demo data, write outputs/index.html"
	@echo "make test   - build .venv and run the whole test suite (pytest + nbval)"
	@echo "make bench  - scoring and batch benchmarks, results in bench/README.md"
	@echo "make bench-intake - reading large workbooks only (its section of bench/README.md)"
	@echo "make bench-intake-ab - the intake bench, this code against OLD (default HEAD~1), side by side"
	@echo "make bench-demo OLD=<rev> - make demo's batch, this code against revision OLD, side by side"
	@echo "make lab    - open JupyterLab on notebooks/"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip >/dev/null
	$(BIN)/python -m pip install -e '.[test,lab]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

venv: $(STAMP)

# pytest exits 5 when it collected nothing: that is a failure here, said loudly.
test: $(STAMP) chromium
	@$(BIN)/python -m pytest; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "ERROR: pytest collected no tests"; exit 1; fi; exit $$rc

# No batch, no papermill render, no browser, no subprocess-heavy packaging checks; split over the cores
# with pytest-xdist (-n). nbval is not loaded: only a slow test runs it, in its own subprocess, and
# importing it (jsonschema's format checkers) costs 2-4 s. Timed in the README's test section.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow and not browser" -p no:nbval -n $(JOBS)

demo: $(STAMP)
	$(BIN)/xinyong batch --all params/demo.yaml --jobs $(JOBS) --engine warm --out outputs
	@echo "Open: $(CURDIR)/outputs/index.html"

bench: $(STAMP)
	$(BIN)/python bench/run.py --batch --demo --profile --intake

bench-intake: $(STAMP)
	$(BIN)/python bench/intake_bench.py

bench-intake-ab: $(STAMP)
	$(BIN)/python bench/intake_ab.py --old $(OLD) --rounds 2 --write

OLD ?= HEAD~1
bench-demo: $(STAMP)
	$(BIN)/python bench/demo_ab.py --old $(OLD) --rounds 2 --write

# Headless Chromium renders reports to PNG and prints them to PDF; poppler-utils (pdftotext, pdffonts)
# reads the PDFs back in the tests. Installed from Debian when missing.
chromium:
	@{ command -v chromium && command -v pdftotext; } >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && apt-get install -y -qq chromium poppler-utils >/dev/null) || echo "chromium/poppler-utils not installed: browser tests will skip"; \
	  else echo "chromium/poppler-utils not available: browser tests will skip"; fi; }

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
