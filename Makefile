# A thin wrapper over CMake for the common commands; CMakeLists.txt is the build.
#   make            build build/ (library, command, tests)
#   make test       build and run every test (ctest)
#   make spec       run the spec suite with every failure listed
#   make asan       build build-asan/ with the sanitizers and run every test there
#   make install    build, then install into PREFIX (default /usr/local; DESTDIR is honoured)
#   make demo       scripts/demo.sh
#   make ci         scripts/test.sh: everything CI checks
#   make format     clang-format the C sources in place
#   make clean      remove the build directories
JOBS ?= 2
BUILD ?= build
CMAKE_FLAGS ?=
PREFIX ?= /usr/local

.PHONY: all configure test spec asan install demo ci format clean

all: configure
	cmake --build $(BUILD) -j$(JOBS)

configure:
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

test: all
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

spec: configure
	cmake --build $(BUILD) -j$(JOBS) --target spec

asan:
	cmake -S . -B build-asan -DRUNNEL_SANITIZE=ON $(CMAKE_FLAGS)
	cmake --build build-asan -j$(JOBS)
	cd build-asan && ctest --output-on-failure -j$(JOBS)

install: all
	cmake --install $(BUILD) --prefix $(PREFIX)

demo:
	bash scripts/demo.sh

ci:
	bash scripts/test.sh

format:
	find include src tests examples bench -name '*.[ch]' -print0 2>/dev/null | xargs -0 -r clang-format -i

clean:
	rm -rf build build-asan build-fuzz
