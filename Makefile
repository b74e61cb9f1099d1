# The two set-up commands of the README: `make demo` and `make test`. Both are idempotent.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint format bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Chinese labels in charts (/stats, evaluate --plot) need a CJK font; Debian's is small.
CJK_FONT := /usr/share/fonts/truetype/wqy/wqy-microhei.ttc

$(CJK_FONT):
	@if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && apt-get install -y -qq fonts-wqy-microhei >/dev/null; \
	else \
		echo "note: install a CJK font (Debian: fonts-wqy-microhei) for Chinese chart labels"; \
	fi

# The web chat's browser tests drive Debian's Chromium through its ChromeDriver (nothing is
# downloaded from a browser vendor); without them those tests are skipped (CI: they fail).
CHROMEDRIVER := /usr/bin/chromedriver

$(CHROMEDRIVER):
	@if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null; \
	else \
		echo "note: install chromium and chromium-driver (Debian) to run the browser tests"; \
	fi

demo: $(STAMP) $(CJK_FONT)
	$(BIN)/nuanxin demo

test: $(STAMP) $(CJK_FONT) $(CHROMEDRIVER)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
