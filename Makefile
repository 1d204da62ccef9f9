# A thin wrapper over CMake; see README.md.
#   make          build (installing missing Debian packages first)
#   make models   fetch nsfwjs@4.3.0 from npm and convert its backbones
#   make serve    build, then run `vigil serve` on LISTEN (127.0.0.1:9000)
#                 with its data in DATA (.vigil-data)
#   make test     everything: build, models, unit + parity tests, then the
#                 unit tests again under AddressSanitizer and UBSan, then
#                 every fuzzer over its corpus and a few seconds more
#   make fuzz     every libFuzzer target for FUZZ_SECONDS (default 300) each
BUILD ?= build
SANITIZE_BUILD ?= build-sanitize
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 300
JOBS ?= $(shell nproc)
LISTEN ?= 127.0.0.1:9000
DATA ?= $(CURDIR)/.vigil-data

.PHONY: all deps build models serve test test-release test-sanitize fuzz-build fuzz test-fuzz bench clean

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release
	cmake --build $(BUILD) -j $(JOBS)

models: build
	VIGIL_BIN=$(CURDIR)/$(BUILD)/vigil bash scripts/fetch-backbones.sh $(CURDIR)/models

serve: build models
	$(BUILD)/vigil serve --listen $(LISTEN) --data $(DATA)

test: test-release test-sanitize test-fuzz

test-release: models
	npm ci --prefix tools/tfjs --no-audit --no-fund --loglevel=error
	npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error
	cd $(BUILD) && ctest --output-on-failure

test-sanitize: deps models
	cmake -S . -B $(SANITIZE_BUILD) -DCMAKE_BUILD_TYPE=Debug -DVIGIL_SANITIZE=ON
	cmake --build $(SANITIZE_BUILD) -j $(JOBS)
	cd $(SANITIZE_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		ctest --output-on-failure -E parity

fuzz-build: deps
	CC=clang cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=Debug -DVIGIL_FUZZ=ON
	cmake --build $(FUZZ_BUILD) -j $(JOBS)

# New inputs go to $(FUZZ_BUILD)/corpus/NAME; the seeds in tests/fuzz/corpus
# are read, never written.
fuzz: fuzz-build
	bash tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

test-fuzz: fuzz-build
	bash tests/fuzz/run.sh $(FUZZ_BUILD) 5

bench: models
	bash bench/run.sh $(BUILD)
	bash bench/engine.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(SANITIZE_BUILD) $(FUZZ_BUILD)
