# Everyday commands. The two that matter most are also plain scripts (see README).
.PHONY: run test test-fast lint format bench clean

run:            ## install, create the database with demo accounts, serve on 127.0.0.1:8000
	./scripts/run.sh

test:           ## install test dependencies (incl. Debian's chromium) and run the whole suite
	./scripts/test.sh

test-fast:      ## every test but the browser ones (quick, while working)
	.venv/bin/pytest -q -m 'not browser'

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

format:
	.venv/bin/ruff format . && .venv/bin/ruff check --fix .

bench:          ## benchmarks: figures and ratios against same-run baselines
	for b in bench/bench_*.py; do .venv/bin/python $$b; done

clean:
	rm -rf instance .pytest_cache
