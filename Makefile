# The two commands a new user runs: `make run` and `make test`.
# `make run` builds demo-workspace/ from the bundled demo curriculum, trains what is not
# trained yet (the GNN teacher, then the student distilled from it), lists prerequisite
# suggestions when none are stored, and opens the studio; later runs reuse the models and
# keep the suggestions and decisions.
# Both create .venv when it is missing and install what the project needs.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO   := demo-workspace
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: run test setup system-packages demo clean-demo

run: setup demo
	@echo "Demo workspace ready at $(DEMO)/; opening the studio (Ctrl-C stops it)"
	$(BIN)/kgstudio studio -w $(DEMO)

test: setup
	$(BIN)/python -m pytest -q

setup: system-packages $(STAMP)

# Java (HermiT reasoner inside owlready2), Graphviz (SVG diagrams) and Chromium (the
# studio's browser tests, through Playwright). Installed with
# apt-get when missing and running as root; otherwise listed in the README.
system-packages:
	@missing=""; \
	command -v java >/dev/null 2>&1 || missing="$$missing default-jre-headless"; \
	command -v dot  >/dev/null 2>&1 || missing="$$missing graphviz"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing system packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "Missing system packages:$$missing (install them; see README)"; \
	  fi; \
	fi

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

demo: setup
	@test -f $(DEMO)/kgstudio.toml || $(BIN)/kgstudio init $(DEMO)
	$(BIN)/kgstudio import -w $(DEMO) --demo
	@test -f $(DEMO)/models/teacher/teacher.pt || $(BIN)/kgstudio train-teacher -w $(DEMO)
	@if $(BIN)/kgstudio suggestions -w $(DEMO) | grep -q '^No suggestions stored'; then \
		$(BIN)/kgstudio suggest-prereqs -w $(DEMO) --top-k 50 > /dev/null; fi
	@test -f $(DEMO)/models/student/student.pt || $(BIN)/kgstudio distill -w $(DEMO) --time-budget 480

clean-demo:
	rm -rf $(DEMO)
