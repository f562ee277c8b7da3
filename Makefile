# Long simulator runs: thousands of seeds per BFT scenario (the normal test run uses 200).
SIM_LONG_SEEDS ?= 5000

.PHONY: sim-long
sim-long:
	JADECHAIN_SIM_SEEDS=$(SIM_LONG_SEEDS) .venv/bin/pytest tests/sim -q --timeout=0
