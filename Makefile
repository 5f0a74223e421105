# linger — build, test, install. `make test` is what CI runs.
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
CARGO ?= cargo
TARGET ?= x86_64-unknown-linux-gnu

.PHONY: all build release test lint lint-man install uninstall static bench bench-quick clean

all: build

build:
	$(CARGO) build --release

release: build

test:
	$(CARGO) build --release
	$(CARGO) test --release -- --test-threads=4

lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets -- -D warnings

install: build
	install -Dm755 target/release/linger $(DESTDIR)$(BINDIR)/linger

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/linger

clean:
	$(CARGO) clean
