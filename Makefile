# linger — build, test, install. `make test` is what CI runs.
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d
CARGO ?= cargo
TARGET ?= x86_64-unknown-linux-gnu
# The binary `make install` copies. Built only when missing, so that
# `sudo make install` after `make build` needs no toolchain; use
# `make build install` to be sure it is fresh.
LINGER_BIN ?= target/release/linger
STATIC_BIN = target/$(TARGET)/static/linger
STATIC_MAX ?= 1572864
# crt-static links glibc statically; relocation-model=static makes a plain
# static executable instead of a static PIE (smaller, and `file` says
# "statically linked").
STATIC_RUSTFLAGS ?= -C target-feature=+crt-static -C relocation-model=static
MANPAGES = man/linger.1 man/linger.toml.5

.PHONY: all build release test test-static lint lint-man install uninstall static static-check bench bench-quick clean

all: build

build:
	$(CARGO) build --release

release: build

target/release/linger:
	$(CARGO) build --release

test:
	$(CARGO) build --release
	$(CARGO) test --release -- --test-threads=4

lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets -- -D warnings

# mandoc is the reference; groff, when present, must be silent too.
lint-man:
	mandoc -Tlint -W warning $(MANPAGES)
	@if command -v groff >/dev/null 2>&1; then \
	  for f in $(MANPAGES); do \
	    out=$$(groff -ww -z -man $$f 2>&1); \
	    if [ -n "$$out" ]; then echo "$$out"; exit 1; fi; \
	  done; \
	  echo "groff -ww: clean"; \
	fi

install: $(LINGER_BIN)
	install -Dm755 $(LINGER_BIN) $(DESTDIR)$(BINDIR)/linger
	install -Dm644 man/linger.1 $(DESTDIR)$(MANDIR)/man1/linger.1
	install -Dm644 man/linger.toml.5 $(DESTDIR)$(MANDIR)/man5/linger.toml.5
	install -Dm644 scripts/completions/linger.bash $(DESTDIR)$(BASHCOMPDIR)/linger
	install -Dm644 scripts/completions/_linger $(DESTDIR)$(ZSHCOMPDIR)/_linger
	install -Dm644 scripts/completions/linger.fish $(DESTDIR)$(FISHCOMPDIR)/linger.fish

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/linger
	rm -f $(DESTDIR)$(MANDIR)/man1/linger.1
	rm -f $(DESTDIR)$(MANDIR)/man5/linger.toml.5
	rm -f $(DESTDIR)$(BASHCOMPDIR)/linger
	rm -f $(DESTDIR)$(ZSHCOMPDIR)/_linger
	rm -f $(DESTDIR)$(FISHCOMPDIR)/linger.fish

# A fully static x86_64 binary (glibc, crt-static). --target keeps RUSTFLAGS
# away from build scripts and proc macros.
static:
	RUSTFLAGS='$(STATIC_RUSTFLAGS)' $(CARGO) build --profile static --target $(TARGET)

static-check: static
	@fail=0; bin=$(STATIC_BIN); \
	size=$$(stat -c %s $$bin); \
	echo "$$bin: $$size bytes ($$((size / 1024)) KiB; limit $(STATIC_MAX))"; \
	if [ "$$size" -gt $(STATIC_MAX) ]; then echo "FAIL: static binary too large"; fail=1; fi; \
	out=$$(file $$bin); echo "$$out"; \
	case "$$out" in *"statically linked"*) ;; *) echo "FAIL: not statically linked"; fail=1;; esac; \
	out=$$(ldd $$bin 2>&1 || true); echo "ldd: $$out"; \
	case "$$out" in *"not a dynamic executable"*|*"statically linked"*) ;; *) echo "FAIL: ldd finds dynamic dependencies"; fail=1;; esac; \
	$$bin --version || fail=1; \
	exit $$fail

# The whole test suite against the static binary: the tests run
# target/release/linger (CARGO_BIN_EXE_linger), so put the static one there for
# the run and restore the normal one afterwards.
test-static: static
	$(CARGO) build --release --tests
	cp target/release/linger target/release/linger.dynamic
	cp $(STATIC_BIN) target/release/linger
	$(CARGO) test --release -- --test-threads=4; rc=$$?; \
	cp target/release/linger.dynamic target/release/linger; rm -f target/release/linger.dynamic; exit $$rc

# Side by side with tmux, GNU screen, dtach and a direct PTY (installs the
# peers with apt-get when missing); writes bench/RESULTS.md. The screen model's
# own throughput (MB/s, plain and SGR-heavy) is printed first. linger is
# measured as shipped: the static binary when `make static` succeeds.
bench: build
	-$(MAKE) static
	bash scripts/bench-install-peers.sh
	$(CARGO) test --release --test screen -- --ignored --nocapture screen_throughput
	python3 scripts/bench.py --linger target/release/linger --static $(STATIC_BIN)

bench-quick: build
	bash scripts/bench-install-peers.sh
	python3 scripts/bench.py --quick --linger target/release/linger --static $(STATIC_BIN)

clean:
	$(CARGO) clean
