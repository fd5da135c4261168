.PHONY: run test lint bench
run:
	python3 dev.py start
test:
	python3 dev.py test
lint:
	python3 dev.py lint
bench:
	python3 dev.py bench
