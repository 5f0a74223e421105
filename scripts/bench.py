#!/usr/bin/env python3
"""linger benchmark: linger vs tmux vs GNU screen vs dtach vs a direct PTY.

Python 3 standard library only. Run from the repository root:

    python3 scripts/bench.py [--quick] [--linger target/release/linger]

Every tool runs in private state (its own socket directory / server under one
temporary directory), every measured client runs inside a PTY this script owns
(24x80, TERM=xterm-256color, LC_ALL=C.UTF-8), and every repetition visits the
tools round-robin (rotating the order, reversed every other round) so machine
noise hits all of them alike.
Everything started is killed by pid at the end, also on error or Ctrl-C.

Results: a table on stdout, bench/RESULTS.md (markdown) and bench/results.json.
A tool that is missing, cannot start, cannot attach or times out gets "n/a" /
"timeout" cells with the reason in a footnote; the script itself never hangs
and never crashes on a tool failure.
"""

import argparse
import atexit
import datetime
import errno
import fcntl
import json
import os
import platform
import random
import re
import select
import shutil
import signal
import socket
import stat
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
import traceback

ROWS, COLS = 24, 80
RUN_TAG = "LINGER_BENCH_RUN"     # env var set in every process we start (whole run)
NS_TAG = "LINGER_BENCH_NS"       # env var naming the per-measurement namespace
MARKER = b"@@BENCHEND@@"        # printed after the throughput payload; '@' never occurs in it
MB = 1000 * 1000
MiB = 1024 * 1024
SCROLLBACK_LINES = 10000         # linger's default; tmux and screen are configured to match
DEFAULT_SCROLLBACK_BYTES = 4 * MiB

TOOLS = ["direct", "linger", "tmux", "screen", "dtach"]
PEERS = ["direct", "tmux", "screen", "dtach"]


class BenchError(Exception):
    """A measurement failed for one tool; recorded as n/a with the message."""


class Timeout(BenchError):
    pass


def now():
    return time.perf_counter()


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# terminal output parsing

_ESC_RE = re.compile(
    rb"\x1b(?:\[[0-?]*[ -/]*[@-~]"          # CSI
    rb"|\][^\x07\x1b]*(?:\x07|\x1b\\)"      # OSC ... BEL / ST
    rb"|[PX^_][^\x1b]*\x1b\\"               # DCS, SOS, PM, APC ... ST
    rb"|[ -/]*[0-~])"                        # ESC ( B, ESC 7, ESC =, ...
)


def plain(b):
    """Bytes with escape sequences removed. Text after an unfinished escape
    sequence near the end is cut off (it may be inside a title string)."""
    s = _ESC_RE.sub(b"", bytes(b))
    i = s.rfind(b"\x1b")
    if i >= 0 and len(s) - i < 256:
        s = s[:i]
    return s


# --------------------------------------------------------------------------
# process bookkeeping and cleanup

class Reaper:
    """Knows the run directory and kills, by pid, everything we started."""

    def __init__(self):
        self.run_dir = None
        self.procs = set()      # PtyProc objects still open
        self.done = False

    def tagged_pids(self, key, value):
        """Pids whose environment has key=value, or whose command line mentions value."""
        want = ("%s=%s" % (key, value)).encode()
        vb = (value.rstrip("/") + "/").encode()  # n1/ must not match n12/
        me = os.getpid()
        out = []
        for d in os.listdir("/proc"):
            if not d.isdigit() or int(d) == me:
                continue
            try:
                with open("/proc/%s/environ" % d, "rb") as f:
                    env = f.read()
                if want in env.split(b"\0"):
                    out.append(int(d))
                    continue
                with open("/proc/%s/cmdline" % d, "rb") as f:
                    if vb in f.read():
                        out.append(int(d))
            except OSError:
                continue
        return out

    @staticmethod
    def descendants(pids):
        children = {}
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open("/proc/%s/stat" % d) as f:
                    st = f.read()
                ppid = int(st[st.rfind(")") + 2:].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(d))
        seen, todo = set(), list(pids)
        while todo:
            p = todo.pop()
            if p in seen:
                continue
            seen.add(p)
            todo.extend(children.get(p, []))
        return seen

    def kill(self, pids):
        me = os.getpid()
        allp = [p for p in self.descendants([p for p in pids if p and p > 1]) if p != me]
        for p in allp:
            try:
                os.kill(p, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        # reap those that are our own children
        for p in allp:
            try:
                os.waitpid(p, os.WNOHANG)
            except ChildProcessError:
                pass
        return allp

    def cleanup(self):
        if self.done:
            return
        self.done = True
        for p in list(self.procs):
            try:
                p.close()
            except Exception:
                pass
        if self.run_dir:
            try:
                self.kill(self.tagged_pids(RUN_TAG, self.run_dir))
            except Exception:
                pass
            shutil.rmtree(self.run_dir, ignore_errors=True)


REAPER = Reaper()


def _on_signal(signum, _frame):
    raise SystemExit(128 + signum)


# --------------------------------------------------------------------------
# PTY-hosted client

class PtyProc:
    """A program running on the slave side of a PTY we own (24x80)."""

    def __init__(self, argv, env, cwd=None):
        m, s = os.openpty()
        fcntl.ioctl(s, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
        pid = os.fork()
        if pid == 0:  # child
            try:
                os.close(m)
                os.setsid()
                fcntl.ioctl(s, termios.TIOCSCTTY, 0)
                for fd in (0, 1, 2):
                    os.dup2(s, fd)
                if s > 2:
                    os.close(s)
                if cwd:
                    os.chdir(cwd)
                os.execvpe(argv[0], argv, env)
            except BaseException as e:  # noqa: BLE001 - report anything, then die
                try:
                    os.write(2, ("exec %s failed: %s\r\n" % (argv[0], e)).encode())
                finally:
                    os._exit(127)
        os.close(s)
        self.pid = pid
        self.fd = m
        self.argv = argv
        self.eof = False
        self.log = bytearray()
        os.set_blocking(m, False)
        self.poller = select.poll()
        self.poller.register(m, select.POLLIN)
        REAPER.procs.add(self)

    def _keep(self, d):
        self.log += d
        if len(self.log) > 16384:
            del self.log[:-8192]

    def read_some(self, timeout):
        """Up to `timeout` seconds for output; b'' if none. EOFError at hang-up."""
        if self.eof:
            raise EOFError
        if not self.poller.poll(max(0.0, timeout) * 1000.0):
            return b""
        try:
            d = os.read(self.fd, 1 << 20)
        except BlockingIOError:
            return b""
        except OSError as e:
            if e.errno == errno.EIO:
                self.eof = True
                raise EOFError from None
            raise
        if not d:
            self.eof = True
            raise EOFError
        self._keep(d)
        return d

    def echoes_locally(self):
        """True while the outer terminal still has ECHO on (client not in raw mode yet)."""
        try:
            return bool(termios.tcgetattr(self.fd)[3] & termios.ECHO)
        except termios.error:
            return False

    def wait_raw(self, timeout):
        """A real attach client turns the terminal's echo off; until it has, the kernel
        would echo our probe itself and fake a working client."""
        end = now() + timeout
        while self.echoes_locally():
            if now() > end:
                raise BenchError("the client never switched the terminal to raw mode "
                                 "(echo still on after %.0fs); its output: %r" % (timeout, self.tail()))
            try:
                self.read_some(0.01)
            except EOFError:
                raise BenchError("the client exited at start; its output: %r" % self.tail()) from None

    def write(self, b):
        os.write(self.fd, b)

    def wait_quiet(self, quiet, maxwait):
        """Read until no output for `quiet` s (True) or `maxwait` s passed (False)."""
        end = now() + maxwait
        last = now()
        while True:
            t = now()
            if t - last >= quiet:
                return True
            if t >= end:
                return False
            try:
                if self.read_some(min(quiet - (t - last), end - t)):
                    last = now()
            except EOFError:
                return True

    def wait_for(self, needle, timeout, what="output"):
        buf = bytearray()
        end = now() + timeout
        while needle not in plain(buf):
            r = end - now()
            if r <= 0:
                raise Timeout("timeout waiting for %s; screen tail: %r" % (what, self.tail()))
            try:
                buf += self.read_some(r)
            except EOFError:
                raise BenchError("client exited while waiting for %s; output tail: %r"
                                 % (what, self.tail())) from None
        return buf

    def tail(self, n=160):
        t = plain(self.log[-2000:]).decode("utf-8", "replace")
        t = re.sub(r"[\x00-\x1f]+", " ", t).strip()
        return t[-n:]

    def status(self):
        """'exit N' / 'signal N' once the client exited (waits up to 1 s), else 'running'."""
        end = now() + 1.0
        while True:
            try:
                pid, st = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                return getattr(self, "_status", "exited")
            if pid:
                self._status = ("exit %d" % os.WEXITSTATUS(st) if os.WIFEXITED(st)
                                else "signal %d" % os.WTERMSIG(st))
                return self._status
            if now() > end:
                return "running"
            time.sleep(0.01)

    def alive(self):
        try:
            pid, _ = os.waitpid(self.pid, os.WNOHANG)
            return pid == 0
        except ChildProcessError:
            return False

    def close(self):
        REAPER.procs.discard(self)
        try:
            os.close(self.fd)  # hang-up: clients detach
        except OSError:
            pass
        end = now() + 1.0
        while now() < end:
            try:
                pid, _ = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                return
            if pid:
                return
            time.sleep(0.005)
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass


# --------------------------------------------------------------------------
# helpers

def run_cmd(argv, env, timeout=20.0, pipe=False):
    """Run a command with stdin /dev/null. Daemonising commands (pipe=False) get
    files for stdout/stderr so a daemon that keeps them open cannot hang us.
    Returns (rc, stdout, stderr, seconds)."""
    if pipe:
        t0 = now()
        try:
            p = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                               timeout=timeout)
        except subprocess.TimeoutExpired:
            raise Timeout("timeout after %.0fs: %s" % (timeout, " ".join(argv))) from None
        except OSError as e:
            raise BenchError("cannot run %s: %s" % (argv[0], e)) from None
        return p.returncode, p.stdout, p.stderr, now() - t0
    with tempfile.TemporaryFile() as fo, tempfile.TemporaryFile() as fe:
        t0 = now()
        try:
            p = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=fo, stderr=fe)
        except OSError as e:
            raise BenchError("cannot run %s: %s" % (argv[0], e)) from None
        try:
            rc = p.wait(timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            raise Timeout("timeout after %.0fs: %s" % (timeout, " ".join(argv))) from None
        el = now() - t0
        fo.seek(0)
        fe.seek(0)
        return rc, fo.read(), fe.read(), el


def short(b, n=200):
    s = b.decode("utf-8", "replace") if isinstance(b, bytes) else str(b)
    s = " ".join(s.split())
    return s[:n]


def proc_kib(path, key):
    """The kB value of the `key:` line in a /proc file, or None."""
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def rss_kib(pid):
    return proc_kib("/proc/%d/status" % pid, "VmRSS")


CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_s(pid):
    """user+system CPU seconds of a process (0 when gone)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            st = f.read()
        fields = st[st.rfind(")") + 2:].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK
    except (OSError, ValueError, IndexError):
        return 0.0


def pss_kib(pid):
    return proc_kib("/proc/%d/smaps_rollup" % pid, "Pss")


def can_connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(1.0)
    try:
        s.connect(path)
        return True
    except OSError:
        return False
    finally:
        s.close()


def open_fifo_writer(path, timeout):
    end = now() + timeout
    while True:
        try:
            return os.open(path, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as e:
            if e.errno != errno.ENXIO:
                raise
        if now() > end:
            raise Timeout("the session never opened its start fifo")
        time.sleep(0.001)


def pct(sorted_vals, p):
    if not sorted_vals:
        return None
    k = (len(sorted_vals) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(sorted_vals) - 1)
    return sorted_vals[lo] + (sorted_vals[hi] - sorted_vals[lo]) * (k - lo)


def rotate(seq, i):
    """Round i's order: rotated by i, and reversed every other round, so that
    no tool always runs right after the same one (a run can leave the machine
    warmer or busier for the next)."""
    if not seq:
        return []
    k = i % len(seq)
    order = seq[k:] + seq[:k]
    return order[::-1] if i % 2 else order


class NS:
    """One private namespace (directory) for one tool instance."""
    counter = 0

    def __init__(self, ctx, tool):
        NS.counter += 1
        self.path = os.path.join(ctx.run_dir, "n%d" % NS.counter)
        os.mkdir(self.path, 0o700)
        self.tool = tool
        self.cache = {}


# --------------------------------------------------------------------------
# tools

class Tool:
    name = "?"
    label = "?"
    program = None

    def __init__(self, ctx):
        self.ctx = ctx
        self.path = shutil.which(self.program) if self.program else None
        self.missing = None if self.path else "%s not installed" % self.program
        self.can_detach = False
        self.can_attach = False
        self.why_no_detach = self.missing
        self.why_no_attach = self.missing

    # --- to override
    def start(self, ns, name, cmd, timeout=20.0):
        """Start a detached session running cmd; return a handle (e.g. id)."""
        raise NotImplementedError

    def attach_argv(self, ns, name, handle):
        raise NotImplementedError

    def attachable(self, ns, name, handle):
        raise NotImplementedError

    def server_pids(self, ns):
        raise NotImplementedError

    def list_argv(self, ns):
        return None

    def extra_teardown(self, ns):
        pass

    def version(self):
        return None

    def binary(self):
        return os.path.realpath(self.path) if self.path else None

    # --- generic
    def env(self, ns):
        e = dict(self.ctx.base_env)
        e[NS_TAG] = ns.path
        return e

    def new_ns(self):
        return NS(self.ctx, self)

    def wait_attachable(self, ns, name, handle, timeout=10.0):
        end = now() + timeout
        while not self.attachable(ns, name, handle):
            if now() > end:
                raise Timeout("session %s not attachable after %.0fs" % (name, timeout))
            time.sleep(0.0002)

    def start_many(self, ns, names, cmd, deadline):
        """Start many detached sessions, up to 8 at a time. Returns how many started."""
        pending = list(names)
        running = []
        ok = 0
        errs = []
        while pending or running:
            while pending and len(running) < 8 and now() < deadline:
                n = pending.pop(0)
                argv, env = self.start_argv(ns, n, cmd)
                running.append(subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL,
                                                 stdout=subprocess.DEVNULL,
                                                 stderr=subprocess.DEVNULL))
            if not pending or now() >= deadline:
                pending = []
            still = []
            for p in running:
                rc = p.poll()
                if rc is None:
                    if now() > deadline + 20:
                        p.kill()
                        p.wait()
                        errs.append("timeout")
                    else:
                        still.append(p)
                elif rc == 0:
                    ok += 1
                else:
                    errs.append("rc %d" % rc)
            running = still
            time.sleep(0.001)
        return ok, errs

    def start_argv(self, ns, name, cmd):
        raise NotImplementedError

    def teardown(self, ns):
        try:
            self.extra_teardown(ns)
        except Exception:
            pass
        pids = []
        try:
            pids += self.server_pids(ns, quiet=True)
        except Exception:
            pass
        try:
            pids += REAPER.tagged_pids(NS_TAG, ns.path)
        except Exception:
            pass
        REAPER.kill(pids)
        shutil.rmtree(ns.path, ignore_errors=True)

    def open_client(self, name, cmd, probe=b"z"):
        """Start `cmd` in a detached session, attach a client in a PTY, wait until
        it has painted and echoes a probe key. Returns (ns, client)."""
        ns = self.new_ns()
        client = None
        try:
            h = self.start(ns, name, cmd)
            self.wait_attachable(ns, name, h)
            client = PtyProc(self.attach_argv(ns, name, h), self.env(ns))
            client.wait_raw(10.0)
            client.wait_quiet(0.3, 5.0)
            client.write(probe)
            client.wait_for(probe, 10.0, "the echo of a probe key")
            client.wait_quiet(0.1, 3.0)
            return ns, client
        except BaseException:
            if client:
                client.close()
            self.teardown(ns)
            raise


class Direct(Tool):
    name = "direct"
    label = "direct PTY"

    def __init__(self, ctx):
        super().__init__(ctx)
        self.missing = None
        self.can_detach = False
        self.can_attach = True
        self.why_no_detach = "no server: nothing to detach from"
        self.why_no_attach = None

    def open_client(self, name, cmd, probe=b"z"):
        ns = self.new_ns()
        client = PtyProc(cmd, self.env(ns))
        try:
            client.wait_quiet(0.1, 2.0)
            client.write(probe)
            client.wait_for(probe, 10.0, "the echo of a probe key")
            client.wait_quiet(0.1, 3.0)
        except BaseException:
            client.close()
            self.teardown(ns)
            raise
        return ns, client

    def server_pids(self, ns, quiet=False):
        return []

    def version(self):
        return "kernel pty, no tool"

    def binary(self):
        return None


class Tmux(Tool):
    name = "tmux"
    label = "tmux"
    program = "tmux"

    def base(self, ns):
        return [self.path, "-S", os.path.join(ns.path, "t.sock"), "-f", self.ctx.tmux_conf]

    def start_argv(self, ns, name, cmd):
        return (self.base(ns) + ["new-session", "-d", "-s", name, "-x", str(COLS),
                                 "-y", str(ROWS)] + cmd, self.env(ns))

    def start(self, ns, name, cmd, timeout=20.0):
        argv, env = self.start_argv(ns, name, cmd)
        rc, out, err, _ = run_cmd(argv, env, timeout)
        if rc != 0:
            raise BenchError("tmux new-session failed (%d): %s" % (rc, short(err)))
        return name

    def start_many(self, ns, names, cmd, deadline):
        ok = 0
        errs = []
        for i in range(0, len(names), 50):
            if now() > deadline:
                break
            argv = self.base(ns)
            for n in names[i:i + 50]:
                argv += ["new-session", "-d", "-s", n, "-x", str(COLS), "-y", str(ROWS)] + cmd + [";"]
            rc, _, err, _ = run_cmd(argv[:-1], self.env(ns), 60)
            if rc != 0:
                errs.append(short(err))
                break
            ok += len(names[i:i + 50])
        return ok, errs

    def attach_argv(self, ns, name, handle):
        return self.base(ns) + ["attach-session", "-t", name]

    def attachable(self, ns, name, handle):
        return can_connect(os.path.join(ns.path, "t.sock"))

    def server_pids(self, ns, quiet=False):
        if "pid" not in ns.cache:
            rc, out, err, _ = run_cmd(self.base(ns) + ["display-message", "-p", "#{pid}"],
                                      self.env(ns), 10, pipe=True)
            if rc != 0 or not out.strip().isdigit():
                if quiet:
                    return []
                raise BenchError("tmux display-message failed: %s" % short(err))
            ns.cache["pid"] = int(out.strip())
        return [ns.cache["pid"]]

    def list_argv(self, ns):
        return self.base(ns) + ["ls"]

    def extra_teardown(self, ns):
        if os.path.exists(os.path.join(ns.path, "t.sock")):
            self.server_pids(ns, quiet=True)
            run_cmd(self.base(ns) + ["kill-server"], self.env(ns), 5, pipe=True)

    def version(self):
        try:
            return short(run_cmd([self.path, "-V"], self.ctx.base_env, 5, pipe=True)[1])
        except BenchError:
            return None


class Screen(Tool):
    name = "screen"
    label = "GNU screen"
    program = "screen"

    def env(self, ns):
        e = super().env(ns)
        d = os.path.join(ns.path, "S")
        if not os.path.isdir(d):
            os.mkdir(d, 0o700)
        e["SCREENDIR"] = d
        return e

    def start_argv(self, ns, name, cmd):
        return [self.path, "-c", self.ctx.screenrc, "-dmS", name] + cmd, self.env(ns)

    def start(self, ns, name, cmd, timeout=20.0):
        argv, env = self.start_argv(ns, name, cmd)
        rc, out, err, _ = run_cmd(argv, env, timeout)
        if rc != 0:
            raise BenchError("screen -dmS failed (%d): %s" % (rc, short(out + err)))
        return name

    def attach_argv(self, ns, name, handle):
        return [self.path, "-c", self.ctx.screenrc, "-r", name]

    def sockets(self, ns):
        d = os.path.join(ns.path, "S")
        out = {}
        try:
            for f in os.listdir(d):
                pid, _, n = f.partition(".")
                if pid.isdigit():
                    out[n] = (int(pid), os.path.join(d, f))
        except OSError:
            pass
        return out

    def attachable(self, ns, name, handle):
        s = self.sockets(ns).get(name)
        if not s:
            return False
        try:
            m = os.stat(s[1]).st_mode
        except OSError:
            return False
        return stat.S_ISSOCK(m) or stat.S_ISFIFO(m)

    def server_pids(self, ns, quiet=False):
        return [p for p, _ in self.sockets(ns).values()]

    def list_argv(self, ns):
        return [self.path, "-ls"]

    def version(self):
        try:
            rc, out, err, _ = run_cmd([self.path, "-v"], self.ctx.base_env, 5, pipe=True)
            return short(out or err)
        except BenchError:
            return None


class Dtach(Tool):
    name = "dtach"
    label = "dtach"
    program = "dtach"

    def sock(self, ns, name):
        return os.path.join(ns.path, name + ".s")

    def start_argv(self, ns, name, cmd):
        return [self.path, "-n", self.sock(ns, name)] + cmd, self.env(ns)

    def start(self, ns, name, cmd, timeout=20.0):
        argv, env = self.start_argv(ns, name, cmd)
        rc, out, err, _ = run_cmd(argv, env, timeout)
        if rc != 0:
            raise BenchError("dtach -n failed (%d): %s" % (rc, short(out + err)))
        return name

    def attach_argv(self, ns, name, handle):
        return [self.path, "-a", self.sock(ns, name), "-E", "-r", "none"]

    def attachable(self, ns, name, handle):
        return can_connect(self.sock(ns, name))

    def server_pids(self, ns, quiet=False):
        out = []
        pre = (ns.path + "/").encode()
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open("/proc/%s/cmdline" % d, "rb") as f:
                    a = f.read().split(b"\0")
            except OSError:
                continue
            if len(a) > 2 and a[0].endswith(b"dtach") and a[1] == b"-n" and a[2].startswith(pre):
                out.append(int(d))
        return out

    def version(self):
        try:
            rc, out, err, _ = run_cmd([self.path, "--help"], self.ctx.base_env, 5, pipe=True)
            for line in (out + err).decode("utf-8", "replace").splitlines():
                if "version" in line:
                    return line.strip()
        except BenchError:
            pass
        return None


class Linger(Tool):
    name = "linger"
    label = "linger"

    def __init__(self, ctx):
        super().__init__(ctx)
        p = ctx.args.linger
        self.path = os.path.abspath(p) if p else None
        if not p or not os.path.isfile(p):
            self.missing = "no linger binary at %s (build it: cargo build --release)" % p
        elif not os.access(p, os.X_OK):
            self.missing = "%s is not executable" % p
        else:
            self.missing = None
        self.why_no_detach = self.why_no_attach = self.missing

    def env(self, ns):
        e = super().env(ns)
        e["LINGER_DIR"] = os.path.join(ns.path, "L")
        e["LINGER_CONFIG"] = os.path.join(self.ctx.run_dir, "no-linger-config.toml")
        return e

    def start_argv(self, ns, name, cmd):
        return [self.path, "run", "-d", "-q", "--name", name, "--"] + cmd, self.env(ns)

    def start(self, ns, name, cmd, timeout=20.0):
        argv, env = self.start_argv(ns, name, cmd)
        rc, out, err, _ = run_cmd(argv, env, timeout)
        sid = out.decode("utf-8", "replace").strip()
        if rc != 0 or not re.fullmatch(r"[0-9a-f]{6}", sid):
            raise BenchError("linger run -d failed (exit %d): %s" % (rc, short(err or out) or "no output"))
        return sid

    def attach_argv(self, ns, name, handle):
        return [self.path, "attach", handle or name]

    def attachable(self, ns, name, handle):
        # `run -d` returns only once the socket accepts; check it anyway.
        key = "sock:" + str(handle)
        p = ns.cache.get(key)
        if p is None:
            p = os.path.join(ns.path, "L", "run", "%s.sock" % handle)
            if not os.path.exists(p):
                rec = self.inspect(ns, handle)
                p = rec.get("socket") if rec else None
                if not p:
                    return False
            ns.cache[key] = p
        return can_connect(p)

    def inspect(self, ns, sel):
        try:
            rc, out, err, _ = run_cmd([self.path, "inspect", sel, "--json"], self.env(ns), 10, pipe=True)
            if rc == 0:
                return json.loads(out)
        except (BenchError, ValueError):
            pass
        return None

    def server_pids(self, ns, quiet=False):
        if not os.path.isdir(os.path.join(ns.path, "L")):
            return []
        try:
            rc, out, err, _ = run_cmd([self.path, "ps", "--json"], self.env(ns), 30, pipe=True)
            if rc == 0:
                recs = json.loads(out)
                return [r["supervisor_pid"] for r in recs
                        if isinstance(r, dict) and isinstance(r.get("supervisor_pid"), int)]
            err_msg = "linger ps --json failed (exit %d): %s" % (rc, short(err))
        except (BenchError, ValueError, KeyError) as e:
            err_msg = "linger ps --json: %s" % e
        if quiet:
            return []
        raise BenchError(err_msg)

    def list_argv(self, ns):
        return [self.path, "ps"]

    def version(self):
        if self.missing:
            return None
        try:
            rc, out, err, _ = run_cmd([self.path, "--version"], self.ctx.base_env, 5, pipe=True)
            return short(out) if rc == 0 and out.strip() else "unknown (--version exit %d)" % rc
        except BenchError as e:
            return "unknown (%s)" % e

    def binary(self):
        return self.path if not self.missing else None


# --------------------------------------------------------------------------
# the benchmark

class Ctx:
    def __init__(self, args):
        self.args = args
        self.run_dir = tempfile.mkdtemp(prefix="lb-", dir="/tmp")
        os.chmod(self.run_dir, 0o700)
        REAPER.run_dir = self.run_dir
        env = {k: v for k, v in os.environ.items()
               if k not in ("TMUX", "TMUX_PANE", "STY", "WINDOW", "LINGER_SESSION", "LINGER_NAME",
                            "LINGER_DIR", "LINGER_CONFIG", "SCREENDIR", "PROMPT_COMMAND")}
        env.update(TERM="xterm-256color", LC_ALL="C.UTF-8", LANG="C.UTF-8",
                   COLUMNS=str(COLS), LINES=str(ROWS))
        env[RUN_TAG] = self.run_dir
        self.base_env = env
        self.tmux_conf = os.path.join(self.run_dir, "tmux.conf")
        with open(self.tmux_conf, "w") as f:
            f.write("set -g history-limit %d\nset -g status off\n" % SCROLLBACK_LINES)
        self.screenrc = os.path.join(self.run_dir, "screenrc")
        with open(self.screenrc, "w") as f:
            f.write("startup_message off\ndefscrollback %d\nvbell off\ndefutf8 on\n"
                    "hardstatus off\n" % SCROLLBACK_LINES)
        classes = {"direct": Direct, "linger": Linger, "tmux": Tmux, "screen": Screen, "dtach": Dtach}
        self.tools = [classes[n](self) for n in TOOLS if n in args.tools]
        self.res = {}     # (metric, tool) -> dict(value=..., err=..., note=..., samples=[...])
        self.notes = []
        self.linger_budget = None   # scrollback_bytes from linger's own record, when it says
        self.payload = None
        self.payload_size = 0

    def tool(self, name):
        for t in self.tools:
            if t.name == name:
                return t
        return None

    def put(self, metric, tool, value=None, err=None, note=None, samples=None):
        r = self.res.setdefault((metric, tool.name), {"value": None, "err": None, "note": None,
                                                      "samples": []})
        if samples is not None:
            r["samples"].extend(samples)
        if value is not None:
            r["value"] = value
        if err is not None and r["err"] is None:
            r["err"] = err
        if note is not None:
            r["note"] = note

    def sample(self, metric, tool, v):
        self.put(metric, tool, samples=[v])

    def fail(self, metric, tool, err):
        log("  %-7s %s: %s" % (tool.name, metric, err))
        self.put(metric, tool, err=str(err))


def preflight(ctx):
    log("== preflight: can each tool start a detached session and attach a client?")
    for t in ctx.tools:
        if t.name == "direct" or t.missing:
            continue
        ns = t.new_ns()
        client = None
        try:
            try:
                h = t.start(ns, "pf", ["cat"])
                t.wait_attachable(ns, "pf", h)
                t.can_detach = True
                t.why_no_detach = None
            except BenchError as e:
                t.why_no_detach = t.why_no_attach = "run -d: %s" % e
                continue
            try:
                t.server_pids(ns)
            except BenchError as e:
                t.why_no_detach = "cannot find its server pid: %s" % e
                t.can_detach = False
            try:
                client = PtyProc(t.attach_argv(ns, "pf", h), t.env(ns))
                client.wait_raw(10.0)
                client.wait_quiet(0.3, 5.0)
                client.write(b"z")
                client.wait_for(b"z", 10.0, "the echo of a probe key")
                t.can_attach = True
                t.why_no_attach = None
            except BenchError as e:
                t.why_no_attach = "attach: %s" % e
        finally:
            if client:
                client.close()
            t.teardown(ns)
        log("  %-7s detach=%s attach=%s%s" % (
            t.name, t.can_detach, t.can_attach,
            "" if t.can_attach and t.can_detach else "  (%s)" % (t.why_no_attach or t.why_no_detach)))


def usable(ctx, need):
    out = []
    for t in ctx.tools:
        if need == "attach":
            ok, why = t.can_attach, t.why_no_attach
        else:
            ok, why = t.can_detach, t.why_no_detach
        if ok:
            out.append(t)
        else:
            if t.name == "direct":
                continue  # the floor has no server: its cells stay "–"
            for m in PHASE_METRICS[need]:
                ctx.put(m, t, err="n/a: %s" % (why or "not available"))
    return out


# metrics produced per capability (for n/a bookkeeping)
PHASE_METRICS = {
    "attach": ["lat_p50", "lat_p99", "thr"],
    "detach": ["drain", "rss_idle", "rss_1m", "rss_per", "start_first", "start_next",
               "ps_100", "ps_1000"],
}


def keystroke_us(client, ch, timeout=2.0):
    fd = client.fd
    poll = client.poller.poll
    buf = b""
    t0 = time.perf_counter_ns()
    os.write(fd, ch)
    end = t0 + int(timeout * 1e9)
    while True:
        left = (end - time.perf_counter_ns()) / 1e6
        if left <= 0 or not poll(left):
            if time.perf_counter_ns() >= end:
                raise Timeout("keystroke not echoed within %.0fs" % timeout)
            continue
        try:
            d = os.read(fd, 65536)
        except BlockingIOError:
            continue
        except OSError:
            raise BenchError("client hung up") from None
        t1 = time.perf_counter_ns()
        if not d:
            raise BenchError("client hung up")
        client._keep(d)
        buf += d
        if ch in plain(buf):
            return (t1 - t0) / 1000.0


def phase_latency(ctx):
    n = ctx.args.keystrokes
    log("== echo latency: %d keystrokes into `cat`, one in flight, interleaved per keystroke" % n)
    tools = usable(ctx, "attach")
    open_ = {}
    try:
        for t in tools:
            try:
                open_[t] = t.open_client("lat", ["cat"])
            except BenchError as e:
                ctx.fail("lat_p50", t, e)
                ctx.fail("lat_p99", t, e)
        samples = {t: [] for t in open_}
        timeouts = {t: 0 for t in open_}
        dead = set()
        order = list(open_)
        gap = ctx.args.key_gap_ms / 1000.0
        for i in range(n):
            ch = bytes([97 + i % 26])
            for t in rotate(order, i):
                if t in dead:
                    continue
                try:
                    samples[t].append(keystroke_us(open_[t][1], ch))
                except Timeout as e:
                    timeouts[t] += 1
                    open_[t][1].wait_quiet(0.1, 2.0)
                    if timeouts[t] > 5:
                        dead.add(t)
                        ctx.fail("lat_p50", t, "timeout: %s" % e)
                        ctx.fail("lat_p99", t, "timeout: %s" % e)
                except BenchError as e:
                    dead.add(t)
                    ctx.fail("lat_p50", t, e)
                    ctx.fail("lat_p99", t, e)
            if gap:
                time.sleep(gap)
            if i % 40 == 39:  # end the line so it never wraps or fills the tty buffer
                for t in order:
                    if t not in dead:
                        try:
                            open_[t][1].write(b"\r")
                            open_[t][1].wait_quiet(0.02, 2.0)
                        except (OSError, EOFError):
                            pass
        for t in open_:
            if t in dead:
                continue
            s = sorted(samples[t])
            note = "%d samples" % len(s) + (", %d timeouts" % timeouts[t] if timeouts[t] else "")
            ctx.put("lat_p50", t, value=pct(s, 50), note=note, samples=[])
            ctx.put("lat_p99", t, value=pct(s, 99), note=note)
            ctx.res[("lat_p50", t.name)]["samples"] = s
            log("  %-7s p50 %7.1f us  p99 %7.1f us  (%s)" % (t.name, pct(s, 50), pct(s, 99), note))
    finally:
        for t, (ns, c) in open_.items():
            c.close()
            t.teardown(ns)


def make_payload(ctx):
    """A file of size_mb MB of mixed text with SGR colours (no '@', no other controls)."""
    size = int(ctx.args.throughput_mb * MB)
    path = os.path.join(ctx.run_dir, "payload.txt")
    rnd = random.Random(1234)
    words = ("the quick brown fox jumps over lazy dog linger session attach detach "
             "supervisor scrollback terminal cargo build test error warning ok done "
             "compile module function return value 0123 456789 ./src/main.rs:42:7 "
             "[INFO] [WARN] {\"k\":1} a-b_c x=y (paren) #hash 100% 3.14 café naïve "
             "→ ✓ ─── │ ┌┐ └┘").split()
    sgr = ["\x1b[0m", "\x1b[1m", "\x1b[31m", "\x1b[32m", "\x1b[33m", "\x1b[34m", "\x1b[1;35m",
           "\x1b[36m", "\x1b[38;5;208m", "\x1b[38;5;%dm", "\x1b[48;5;%dm", "\x1b[38;2;%d;120;60m",
           "\x1b[4m", "\x1b[7m", "\x1b[22;39m", "\x1b[49m"]
    lines = []
    blk = 0
    while blk < 2 * MB:
        n = rnd.choice([0, 3, 6, 8, 10, 12, 14, 20, 30])
        parts = []
        for _ in range(n):
            if rnd.random() < 0.3:
                s = rnd.choice(sgr)
                if "%d" in s:
                    s = s % rnd.randrange(256)
                parts.append(s)
            parts.append(rnd.choice(words) + " ")
        line = "".join(parts) + "\x1b[0m\n"
        lines.append(line)
        blk += len(line.encode())
    block = "".join(lines).encode()
    assert b"@" not in block
    with open(path, "wb") as f:
        left = size
        while left > 0:
            f.write(block[:left])
            left -= len(block)
        # end on a full line
        f.write(b"\x1b[0m\n")
    ctx.payload = path
    ctx.payload_size = os.path.getsize(path)


def throughput_once(t, ctx):
    script = ('read x; cat %s; printf "\\n%%s%%s\\n" "@@BENCH" "END@@"; exec sleep 100000'
              % ctx.payload)
    ns, client = t.open_client("thr", ["sh", "-c", script], probe=b"p")
    try:
        fd = client.fd
        poll = client.poller.poll
        rd = os.read
        tail = b""
        got = 0
        deadline = ctx.args.throughput_timeout
        try:
            srv = t.server_pids(ns)
        except BenchError:
            srv = []
        cpu0 = (sum(cpu_s(p) for p in srv), cpu_s(client.pid))
        t0 = now()
        end = t0 + deadline
        os.write(fd, b"\r")
        while True:
            if not poll(500):
                if now() > end:
                    raise Timeout("timeout: marker not seen after %.0fs (%d MB received)"
                                  % (deadline, got // MB))
                continue
            try:
                d = rd(fd, 1 << 20)
            except BlockingIOError:
                continue
            except OSError:
                raise BenchError("client exited after %d bytes (%s); its last output: %r"
                                 % (got, client.status(), client.tail())) from None
            if not d:
                raise BenchError("client exited after %d bytes (%s); its last output: %r"
                                 % (got, client.status(), client.tail()))
            got += len(d)
            client.log[:] = client.log[-4096:] + d[-4096:] if len(d) < 4096 else d[-8192:]
            if tail or b"@" in d:
                tail = (tail + d)[-4096:]
                if MARKER in plain(tail):
                    t1 = now()
                    break
            if now() > end:
                raise Timeout("timeout: marker not seen after %.0fs (%d MB received)"
                              % (deadline, got // MB))
        cpu = (sum(cpu_s(p) for p in srv) - cpu0[0], cpu_s(client.pid) - cpu0[1])
        if srv:
            ctx.sample("thr_cpu_srv", t, cpu[0])
            ctx.sample("thr_cpu_cli", t, cpu[1])
        return ctx.payload_size / (t1 - t0) / MB, got
    finally:
        client.close()
        t.teardown(ns)


def phase_throughput(ctx):
    log("== attached throughput: `cat` of %.0f MB (text + SGR) to an attached client, %d reps"
        % (ctx.args.throughput_mb, ctx.args.reps))
    make_payload(ctx)
    tools = usable(ctx, "attach")
    dead = set()
    fails = {}
    for r in range(ctx.args.reps):
        for t in rotate(tools, r):
            if t in dead:
                continue
            try:
                mbs, got = throughput_once(t, ctx)
                ctx.sample("thr", t, mbs)
                ctx.sample("thr_bytes", t, got / MB)
                log("  rep %d %-7s %8.1f MB/s  (%d bytes reached the outer pty)" % (r, t.name, mbs, got))
            except BenchError as e:
                ctx.fail("thr", t, "rep %d: %s" % (r, e))
                fails[t] = fails.get(t, 0) + 1
                if fails[t] >= 2 or isinstance(e, Timeout):
                    dead.add(t)


def drain_once(t, ctx, tag):
    fifo = os.path.join(ctx.run_dir, "go-%s" % tag)
    done = os.path.join(ctx.run_dir, "done-%s" % tag)
    os.mkfifo(fifo, 0o600)
    n = ctx.args.drain_lines
    script = "read x < %s; seq %d; touch %s; exec sleep 100000" % (fifo, n, done)
    rss_idle = rss_after = None
    if t.name == "direct":
        ns = t.new_ns()
        client = PtyProc(["sh", "-c", script], t.env(ns))
        try:
            wfd = open_fifo_writer(fifo, 10)
            t0 = now()
            os.write(wfd, b"go\n")
            os.close(wfd)
            end = t0 + ctx.args.drain_timeout
            while not os.path.exists(done):
                try:
                    client.read_some(0.001)
                except EOFError:
                    raise BenchError("session exited early: %r" % client.tail()) from None
                if now() > end:
                    raise Timeout("timeout: %d lines not drained in %.0fs" % (n, ctx.args.drain_timeout))
            t1 = now()
        finally:
            client.close()
            t.teardown(ns)
        return n / (t1 - t0), None, None
    ns = t.new_ns()
    try:
        h = t.start(ns, "drain", ["sh", "-c", script])
        t.wait_attachable(ns, "drain", h)
        if t.name == "linger" and ctx.linger_budget is None:
            rec = t.inspect(ns, h) or {}
            if isinstance(rec.get("scrollback_bytes"), int):
                ctx.linger_budget = rec["scrollback_bytes"]
        time.sleep(0.5)
        pids = t.server_pids(ns)
        rss_idle = sum(rss_kib(p) or 0 for p in pids) if pids else None
        wfd = open_fifo_writer(fifo, 10)
        t0 = now()
        os.write(wfd, b"go\n")
        os.close(wfd)
        end = t0 + ctx.args.drain_timeout
        while not os.path.exists(done):
            if now() > end:
                raise Timeout("timeout: %d lines not drained in %.0fs" % (n, ctx.args.drain_timeout))
            time.sleep(0.0005)
        t1 = now()
        time.sleep(0.3)
        pids = t.server_pids(ns)
        rss_after = sum(rss_kib(p) or 0 for p in pids) if pids else None
        return n / (t1 - t0), rss_idle, rss_after
    finally:
        t.teardown(ns)


def phase_drain(ctx):
    log("== detached drain: `seq %d` with nobody attached, %d reps (also RSS idle / after)"
        % (ctx.args.drain_lines, ctx.args.reps))
    tools = [t for t in ctx.tools if t.name == "direct"] + usable(ctx, "detach")
    order = [t for t in ctx.tools if t in tools]
    dead = set()
    fails = {}
    for r in range(ctx.args.reps):
        for t in rotate(order, r):
            if t in dead:
                continue
            try:
                lps, ri, ra = drain_once(t, ctx, "%s%d" % (t.name, r))
            except BenchError as e:
                e = "rep %d: %s" % (r, e)
                ctx.fail("drain", t, e)
                if t.name != "direct":
                    ctx.fail("rss_idle", t, e)
                    ctx.fail("rss_1m", t, e)
                fails[t] = fails.get(t, 0) + 1
                if fails[t] >= 2 or "timeout" in e:
                    dead.add(t)
                continue
            ctx.sample("drain", t, lps)
            if ri is not None:
                ctx.sample("rss_idle", t, ri / 1024.0)
            if ra is not None:
                ctx.sample("rss_1m", t, ra / 1024.0)
            log("  rep %d %-7s %9.0f lines/s  rss idle %s  after %s" % (
                r, t.name, lps, "-" if ri is None else "%.2f MiB" % (ri / 1024.0),
                "-" if ra is None else "%.2f MiB" % (ra / 1024.0)))


def phase_sessions20(ctx):
    n = 20
    log("== memory with %d idle sessions (`cat`), %d reps" % (n, ctx.args.mem_reps))
    tools = usable(ctx, "detach")
    dead = set()
    for r in range(ctx.args.mem_reps):
        for t in rotate(tools, r):
            if t in dead:
                continue
            ns = t.new_ns()
            try:
                h = t.start(ns, "s0", ["cat"])
                t.wait_attachable(ns, "s0", h)
                time.sleep(0.3)
                p1 = t.server_pids(ns)
                total1 = sum(rss_kib(p) or 0 for p in p1)
                pss1 = sum(pss_kib(p) or 0 for p in p1)
                for i in range(1, n):
                    h = t.start(ns, "s%d" % i, ["cat"])
                t.wait_attachable(ns, "s%d" % (n - 1), h)
                time.sleep(0.5)
                ns.cache.pop("pid", None)
                pn = t.server_pids(ns)
                totaln = sum(rss_kib(p) or 0 for p in pn)
                pssn = sum(pss_kib(p) or 0 for p in pn)
                per = (totaln - total1) / (n - 1) / 1024.0
                ctx.sample("rss_per", t, per)
                if pss1 and pssn:
                    ctx.sample("pss_per", t, (pssn - pss1) / (n - 1) / 1024.0)
                log("  rep %d %-7s 1 session %.2f MiB, %d sessions %.2f MiB in %d server process(es)"
                    " -> %.2f MiB per extra session" % (r, t.name, total1 / 1024.0, n, totaln / 1024.0,
                                                         len(pn), per))
                ctx.put("rss_per", t, note="%d server process(es) for %d sessions" % (len(pn), n))
            except BenchError as e:
                ctx.fail("rss_per", t, e)
                dead.add(t)
            finally:
                t.teardown(ns)


def phase_startup(ctx):
    log("== start-up: `run -d` (or equivalent) until the socket accepts, %d reps" % ctx.args.start_reps)
    tools = usable(ctx, "detach")
    direct = ctx.tool("direct")
    dead = set()
    for r in range(ctx.args.start_reps):
        for t in rotate(tools + ([direct] if direct else []), r):
            if t in dead:
                continue
            if t is direct:  # the floor: the harness spawning /bin/true the same way
                rc, _, _, el = run_cmd(["true"], ctx.base_env, 10)
                ctx.sample("start_first", t, el * 1000.0)
                ctx.sample("start_next", t, el * 1000.0)
                continue
            ns = t.new_ns()
            try:
                for metric, name in (("start_first", "a"), ("start_next", "b")):
                    t0 = now()
                    h = t.start(ns, name, ["cat"])
                    t.wait_attachable(ns, name, h)
                    ctx.sample(metric, t, (now() - t0) * 1000.0)
            except BenchError as e:
                ctx.fail("start_first", t, e)
                ctx.fail("start_next", t, e)
                dead.add(t)
            finally:
                t.teardown(ns)
    for t in tools:
        for m in ("start_first", "start_next"):
            r = ctx.res.get((m, t.name))
            if r and r["samples"]:
                log("  %-7s %-11s median %.2f ms" % (t.name, m, statistics.median(r["samples"])))


def phase_ps(ctx):
    tools = usable(ctx, "detach")
    for n in (100, 1000):
        metric = "ps_%d" % n
        if n not in ctx.args.ps_sessions:
            for t in tools:
                ctx.put(metric, t, err="n/a: skipped (--ps-sessions %s)" %
                        ",".join(map(str, ctx.args.ps_sessions)))
            continue
        log("== ps/list with %d live sessions (`sleep 100000`), %d reps each" % (n, ctx.args.ps_reps))
        for t in tools:
            ns = t.new_ns()
            try:
                if t.list_argv(ns) is None:
                    ctx.put(metric, t, err="n/a: %s has no list command" % t.name)
                    continue
                names = ["s%d" % i for i in range(n)]
                t0 = now()
                budget = ctx.args.setup_timeout
                ok, errs = t.start_many(ns, names, ["sleep", "100000"], t0 + budget)
                setup = now() - t0
                if ok < n:
                    raise BenchError("setup: only %d of %d sessions started in %.0fs (%s)"
                                     % (ok, n, setup, "; ".join(errs[:3])))
                times = []
                lines = None
                for _ in range(ctx.args.ps_reps):
                    rc, out, err, el = run_cmd(t.list_argv(ns), t.env(ns), 60, pipe=True)
                    lines = out.count(b"\n")
                    if rc != 0 and not (t.name == "screen" and lines >= n):
                        raise BenchError("list failed (exit %d): %s" % (rc, short(err or out)))
                    times.append(el * 1000.0)
                if lines is not None and lines < n:
                    raise BenchError("list printed %d lines for %d sessions" % (lines, n))
                for v in times:
                    ctx.sample(metric, t, v)
                log("  %-7s setup %.1fs, list median %.1f ms (%d lines)" % (
                    t.name, setup, statistics.median(times), lines))
            except BenchError as e:
                ctx.fail(metric, t, e)
            finally:
                t0 = now()
                t.teardown(ns)
                log("  %-7s teardown %.1fs" % (t.name, now() - t0))


def phase_sizes(ctx):
    for t in ctx.tools:
        b = t.binary()
        if t.name == "direct":
            continue
        if b and os.path.isfile(b):
            ctx.put("size", t, value=os.path.getsize(b) / MiB, note=b)
        else:
            ctx.put("size", t, err="n/a: %s" % (t.missing or "binary not found"))
    lt = ctx.tool("linger")
    if lt:
        sp = ctx.args.static
        if sp and os.path.isfile(sp):
            ctx.put("size_static", lt, value=os.path.getsize(sp) / MiB, note=sp)
        else:
            ctx.put("size_static", lt, err="n/a: no static build at %s (make static)" % sp)


# --------------------------------------------------------------------------
# reporting

METRICS = [
    # key, label, unit, better, fmt
    ("lat_p50", "echo latency p50", "µs", "lower", "%.1f"),
    ("lat_p99", "echo latency p99", "µs", "lower", "%.1f"),
    ("thr", "attached throughput", "MB/s", "higher", "%.1f"),
    ("thr_bytes", "output reaching the outer PTY during it", "MB", "info", "%.1f"),
    ("thr_cpu_srv", "server CPU time during it", "s", "info", "%.2f"),
    ("thr_cpu_cli", "attach client CPU time during it", "s", "info", "%.2f"),
    ("drain", "detached drain", "k lines/s", "higher", "%.0f"),
    ("rss_idle", "server RSS, idle", "MiB", "lower", "%.2f"),
    ("rss_1m", "server RSS after 1M lines", "MiB", "lower", "%.2f"),
    ("rss_per", "RSS per extra session (of 20)", "MiB", "lower", "%.3f"),
    ("pss_per", "PSS per extra session (of 20; shared pages split)", "MiB", "info", "%.3f"),
    ("start_first", "start-up, first session", "ms", "lower", "%.2f"),
    ("start_next", "start-up, next session", "ms", "lower", "%.2f"),
    ("ps_100", "ps/list, 100 sessions", "ms", "lower", "%.1f"),
    ("ps_1000", "ps/list, 1000 sessions", "ms", "lower", "%.1f"),
    ("size", "binary size", "MiB", "lower", "%.2f"),
    ("size_static", "static binary size", "MiB", "lower", "%.2f"),
]


def value_of(ctx, key, tool):
    r = ctx.res.get((key, tool))
    if not r:
        return None
    if r["value"] is not None:
        return r["value"]
    if r["samples"] and not (r["err"] and key.startswith("lat")):
        v = statistics.median(r["samples"])
        if key == "drain":
            v /= 1000.0
        return v
    return None


def finalize_values(ctx):
    for (key, tool), r in ctx.res.items():
        if r["value"] is None and r["samples"]:
            if r["err"] and not r["err"].startswith("n/a"):
                # partial data: still report what we have, mention the error
                pass
            v = statistics.median(r["samples"])
            if key == "drain":
                v /= 1000.0
            r["value"] = v
            if len(r["samples"]) > 1 and not r["note"]:
                r["note"] = "median of %d" % len(r["samples"])


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def fmt_ratio(x):
    if x is None:
        return "–"
    return "%.2f×" % x if x < 10 else "%.1f×" % x


def build_tables(ctx):
    """Returns (main_rows, vs_rows, footnotes) as lists of cell lists."""
    names = [t.name for t in ctx.tools]
    labels = {t.name: t.label for t in ctx.tools}
    foot = []
    footidx = {}

    def cell(key, tool, fmt):
        r = ctx.res.get((key, tool))
        if r is None:
            return "–"
        if r["value"] is None:
            err = r["err"] or "no data"
            word = "timeout" if "timeout" in err[:40].lower() else "n/a"
            if err not in footidx:
                foot.append(err)
                footidx[err] = len(foot)
            return "%s [%d]" % (word, footidx[err])
        s = fmt % r["value"]
        if r["err"]:
            err = "median of the repetitions that worked; a repetition failed: " + r["err"]
            if err not in footidx:
                foot.append(err)
                footidx[err] = len(foot)
            s += " [%d]" % footidx[err]
        return s

    head = ["metric"] + [labels[n] for n in names]
    main = [head]
    for key, label, unit, better, fmt in METRICS:
        if not any((key, n) in ctx.res for n in names):
            continue
        if better == "info":
            row = ["%s (%s)" % (label, unit)]
        else:
            row = ["%s (%s, %s is better)" % (label, unit, better)]
        dv = value_of(ctx, key, "direct")
        for n in names:
            c = cell(key, n, fmt)
            v = value_of(ctx, key, n)
            if n != "direct" and dv is not None and v is not None:
                c += " (%s)" % fmt_ratio(v / dv)
            row.append(c)
        main.append(row)
    vs = [["metric", "better"] + ["linger ÷ %s" % labels[p] for p in PEERS if p in names]]
    if "linger" in names:
        for key, label, unit, better, fmt in METRICS:
            lv = value_of(ctx, key, "linger")
            if better == "info" or not any((key, n) in ctx.res for n in names):
                continue
            row = [label, better]
            for p in PEERS:
                if p not in names:
                    continue
                row.append(fmt_ratio(ratio(lv, value_of(ctx, key, p))))
            vs.append(row)
    return main, vs, foot


def targets(ctx):
    L = lambda k: value_of(ctx, k, "linger")  # noqa: E731
    P = lambda k, p: value_of(ctx, k, p)       # noqa: E731
    budget = (ctx.args.scrollback_bytes if ctx.args.scrollback_bytes is not None
              else ctx.linger_budget or DEFAULT_SCROLLBACK_BYTES) / MiB
    out = []

    def add(name, ok, detail):
        if ok is None:
            out.append((name, "n/a", detail))
        else:
            out.append((name, "PASS" if ok else "FAIL", detail))

    def fmt(v, f):
        return "n/a" if v is None else f % v

    l, d, x = L("lat_p50"), P("lat_p50", "dtach"), P("lat_p50", "direct")
    ok = None if None in (l, d, x) else (l <= d and l <= 1.2 * x)
    add("echo latency p50 ≤ dtach and ≤ 1.2× direct PTY", ok,
        "linger %s µs, dtach %s µs, 1.2× direct %s µs" % (fmt(l, "%.1f"), fmt(d, "%.1f"),
                                                        fmt(None if x is None else 1.2 * x, "%.1f")))
    l, d, tm = L("thr"), P("thr", "dtach"), P("thr", "tmux")
    ok = None if None in (l, d, tm) else (l >= d and l >= 2 * tm)
    add("attached throughput ≥ dtach and ≥ 2× tmux", ok,
        "linger %s MB/s, dtach %s MB/s, 2× tmux %s MB/s" % (fmt(l, "%.1f"), fmt(d, "%.1f"),
                                                          fmt(None if tm is None else 2 * tm, "%.1f")))
    l, tm = L("drain"), P("drain", "tmux")
    add("detached drain ≥ tmux", None if None in (l, tm) else l >= tm,
        "linger %s k lines/s, tmux %s k lines/s" % (fmt(l, "%.0f"), fmt(tm, "%.0f")))
    l, tm = L("rss_idle"), P("rss_idle", "tmux")
    add("idle supervisor RSS < 2 MiB and < tmux server", None if None in (l, tm) else (l < 2 and l < tm),
        "linger %s MiB, tmux %s MiB" % (fmt(l, "%.2f"), fmt(tm, "%.2f")))
    l1, li = L("rss_1m"), L("rss_idle")
    add("RSS after %s lines ≤ idle + scrollback budget (%.0f MiB)" % (
        "{:,}".format(ctx.args.drain_lines), budget),
        None if None in (l1, li) else (l1 <= li + budget),
        "linger %s MiB after, %s MiB idle" % (fmt(l1, "%.2f"), fmt(li, "%.2f")))
    l1, l2 = L("start_first"), L("start_next")
    l = max(l1, l2) if None not in (l1, l2) else (l1 if l2 is None else l2)
    add("run -d ready < 20 ms (worse of first/next)", None if l is None else l < 20,
        "linger %s ms first, %s ms next" % (fmt(l1, "%.2f"), fmt(l2, "%.2f")))
    l = L("ps_1000")
    add("ps with 1,000 sessions < 200 ms", None if l is None else l < 200, "linger %s ms" % fmt(l, "%.1f"))
    # a target that could not be judged says why
    keys = {0: ("lat_p50", ("linger", "dtach", "direct")), 1: ("thr", ("linger", "dtach", "tmux")),
            2: ("drain", ("linger", "tmux")), 3: ("rss_idle", ("linger", "tmux")),
            4: ("rss_1m", ("linger",)), 5: ("start_first", ("linger",)), 6: ("ps_1000", ("linger",))}
    for i, (name, res, detail) in enumerate(out):
        if res != "n/a":
            continue
        why = []
        for tool in keys[i][1]:
            r = ctx.res.get((keys[i][0], tool))
            if r and r["value"] is None and r["err"]:
                why.append("%s: %s" % (tool, r["err"]))
        out[i] = (name, res, detail + " (" + ("; ".join(why)[:300] if why else "not measured in this run") + ")")
    return out, None


def text_table(rows):
    w = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for j, r in enumerate(rows):
        lines.append("  ".join(c.ljust(w[i]) if i == 0 else c.rjust(w[i]) for i, c in enumerate(r)))
        if j == 0:
            lines.append("  ".join("-" * x for x in w))
    return "\n".join(lines)


def md_table(rows):
    out = ["| " + " | ".join(rows[0]) + " |",
           "|" + "|".join(["---"] + ["---:"] * (len(rows[0]) - 1)) + "|"]
    for r in rows[1:]:
        out.append("| " + " | ".join(c.replace("|", "\\|") for c in r) + " |")
    return "\n".join(out)


def machine():
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = "unknown"
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    mem = "%.1f GiB" % (int(line.split()[1]) / 1024 / 1024)
    except OSError:
        pass
    try:
        with open("/proc/loadavg") as f:
            load = " ".join(f.read().split()[:3])
    except OSError:
        load = "unknown"
    return {"load": load, "nproc": os.cpu_count(), "cpu": cpu, "kernel": "%s %s %s" % (
        platform.system(), platform.release(), platform.machine()), "memory": mem,
        "python": platform.python_version()}


def busy_warning(m0, m1):
    try:
        worst = max(float(m0["load"].split()[0]), float(m1["load"].split()[0]))
    except (ValueError, IndexError):
        return None
    if worst > 0.5 * (m1["nproc"] or 1):
        return ("the machine was busy (1-minute load average up to %.1f on %d CPUs); expect noisy "
                "numbers, especially p99 latency and throughput" % (worst, m1["nproc"]))
    return None


def report(ctx, started, elapsed):
    finalize_values(ctx)
    m0 = ctx.machine0
    main, vs, foot = build_tables(ctx)
    tg, _ = targets(ctx)
    m = machine()
    versions = [(t.label, t.version() or ("n/a: %s" % t.missing if t.missing else "unknown"))
                for t in ctx.tools if t.name != "direct"]
    a = ctx.args
    cfg = ("mode %s; %d keystrokes; %.0f MB payload; %s lines drained; %d reps (throughput, drain), "
           "%d reps (20-session memory), %d reps (start-up), %d reps (ps); ps sizes %s"
           % ("quick" if a.quick else "full", a.keystrokes, a.throughput_mb,
              "{:,}".format(a.drain_lines), a.reps, a.mem_reps, a.start_reps, a.ps_reps,
              ",".join(map(str, a.ps_sessions))))

    # ---- console
    print()
    print("linger benchmark  %s  (%.0fs)" % (started, elapsed))
    print("machine: %d CPUs, %s, %s, %s RAM; load average %s at start, %s at end"
          % (m["nproc"], m["cpu"], m["kernel"], m["memory"], m0["load"], m["load"]))
    busy = busy_warning(m0, m)
    if busy:
        print("WARNING: " + busy)
    print("versions: " + "; ".join("%s: %s" % v for v in versions))
    print(cfg)
    print()
    print(text_table(main))
    print("\n(x) = ratio to the direct PTY")
    if len(vs) > 1:
        print()
        print(text_table(vs))
    print()
    print("targets (linger):")
    for name, res, detail in tg:
        print("  %-4s  %s  —  %s" % (res, name, detail))
    if foot:
        print()
        for i, f in enumerate(foot, 1):
            print("  [%d] %s" % (i, f))

    # ---- markdown
    md = []
    md.append("# linger benchmark results\n")
    md.append("Generated by `scripts/bench.py` (`make bench%s`) on %s; the run took %.0f s.\n"
              % ("-quick" if a.quick else "", started, elapsed))
    md.append("## Machine\n")
    md.append("- CPUs: %d × %s" % (m["nproc"], m["cpu"]))
    md.append("- Kernel: %s" % m["kernel"])
    md.append("- Memory: %s" % m["memory"])
    md.append("- Load average (1, 5, 15 min): %s at start, %s at end" % (m0["load"], m["load"]))
    md.append("- Python: %s\n" % m["python"])
    if busy:
        md.append("**Warning:** %s\n" % busy)
    md.append("## Tool versions\n")
    for v in versions:
        md.append("- %s: %s" % v)
    md.append("\nRun: %s.\n" % cfg)
    md.append("## Results (medians)\n")
    md.append(md_table(main))
    md.append("\n(x) after a value = ratio to the direct PTY.\n")
    if len(vs) > 1:
        md.append("## linger relative to each peer\n")
        md.append("Ratio linger ÷ peer; the `better` column says which direction is good.\n")
        md.append(md_table(vs))
        md.append("")
    md.append("## Targets\n")
    md.append(md_table([["target", "result", "measured"]] + [[n, r, d] for n, r, d in tg]))
    md.append("")
    if foot:
        md.append("## Notes on n/a and timeouts\n")
        for i, f in enumerate(foot, 1):
            md.append("%d. %s" % (i, f.replace("\n", " ")))
        md.append("")
    md.append("## Method\n")
    md.append(METHOD_MD % {"rows": ROWS, "cols": COLS, "sb": SCROLLBACK_LINES,
                           "budget": (a.scrollback_bytes if a.scrollback_bytes is not None
                                      else ctx.linger_budget or DEFAULT_SCROLLBACK_BYTES) / MiB})
    text = "\n".join(md) + "\n"
    if not a.no_write:
        os.makedirs(os.path.dirname(a.out) or ".", exist_ok=True)
        with open(a.out, "w") as f:
            f.write(text)
        jpath = os.path.join(os.path.dirname(a.out) or ".",
                             "results-quick.json" if a.quick else "results.json")
        with open(jpath, "w") as f:
            json.dump({"date": started, "machine": m, "versions": dict(versions), "config": cfg,
                       "results": {"%s/%s" % k: {kk: vv for kk, vv in v.items() if kk != "samples"}
                                   | {"n": len(v["samples"])} for k, v in ctx.res.items()},
                       "targets": [{"target": n, "result": r, "measured": d} for n, r, d in tg]},
                      f, indent=1, ensure_ascii=False)
        print("\nwrote %s and %s" % (a.out, jpath))


METHOD_MD = """\
- Every measured client runs in a PTY owned by the harness, %(rows)dx%(cols)d, `TERM=xterm-256color`,
  `LC_ALL=C.UTF-8`. Each tool runs in private state under one temporary directory (tmux `-S`
  socket, screen `SCREENDIR`, dtach socket path, linger `LINGER_DIR`); everything is killed by pid
  at the end. Repetitions visit the tools round-robin with a rotating order,
  reversed every other round (no tool always follows the same one).
- **direct PTY** is the floor: the program runs on the harness's own PTY with nothing in between
  (for the echo test the kernel's line discipline echoes the key; no process is woken).
- **Echo latency**: sessions run `cat` (inner tty cooked, echo on); all clients are open at once
  and each keystroke (one lowercase letter, one in flight at a time) visits every tool in turn.
  Time from writing the byte to the outer PTY master until that letter appears (escape sequences
  stripped) in what the client writes back. A carriage return every 40 keys keeps lines short.
  Includes the harness's poll/read overhead, the same for all tools.
- **Attached throughput**: the session runs `sh -c 'read x; cat FILE; printf MARKER'`; the clock
  starts when the harness sends the Enter that releases `read` and stops when the end marker
  reaches the outer PTY. FILE is the same deterministic mix of text, UTF-8 and SGR colour
  (16-colour, 256-colour, truecolour, bold/underline/reverse), MB = 10^6 bytes. tmux (and a
  little screen) skip output for a client that falls behind and redraw the final screen instead,
  so their figure is "time until the final screen is shown"; the "output reaching the outer PTY"
  row shows how much was actually sent. The kernel PTY itself is the ceiling (see direct PTY).
- **Reading the echo figures**: with the direct PTY no process is involved at all, so any
  client/server design pays several process wake-ups on top (dtach: client → master → pty →
  master → client). tmux and screen have no relay client in the data path (the server writes
  to the client's terminal itself), dtach and linger do.
- **Detached drain**: the session runs `read x < FIFO; seq N; touch DONE`, started detached with no
  client; the clock runs from writing the FIFO until DONE exists. For the direct PTY the harness
  itself reads and discards the output.
- **Memory**: VmRSS of the server process(es): tmux server (`display -p '#{pid}'`), screen's
  `SCREEN` backend (pid from its socket name), dtach's master, linger's `supervisor_pid`. Idle =
  one session 0.5 s after start, before any output; after = the same session once the drain
  finished (+0.3 s). tmux and screen are configured to keep %(sb)d lines of history, like
  linger's default (`history-limit`, `defscrollback`); tmux's status line is off. RSS per extra
  session = (total server RSS with 20 idle `cat` sessions − with 1) / 19: tmux runs 20 sessions
  in one server; screen, dtach and linger run one server process per session, so their figure
  is about one more process (shared library pages are counted in each process's RSS; the PSS
  row from `/proc/PID/smaps_rollup` splits shared pages between the processes that map them).
  Scrollback budget target: RSS after ≤ idle RSS + %(budget).0f MiB (`scrollback_bytes`).
- **Start-up**: the direct-PTY column is the harness's own cost of spawning `/bin/true` (the
  floor included in every other figure). Otherwise wall time of `linger run -d -q -- cat` / `tmux new-session -d` / `screen -dmS` /
  `dtach -n` plus polling until the session's socket accepts a connection (screen: until its
  socket file exists). "first" also starts the tmux server; "next" adds a session to it.
- **ps/list**: `linger ps`, `tmux ls`, `screen -ls` wall time with N live `sleep 100000`
  sessions (one tool at a time, since the kernel's PTY limit is 4096); dtach has no list command.
- **Binary size**: size of the file (`/usr/bin/tmux` etc. are dynamically linked; their shared
  libraries are not counted).
"""


# --------------------------------------------------------------------------

def parse_args(argv):
    ap = argparse.ArgumentParser(description="Benchmark linger against tmux, GNU screen, dtach "
                                             "and a direct PTY.")
    ap.add_argument("--linger", default="target/release/linger", help="linger binary (default %(default)s)")
    ap.add_argument("--static", default="target/x86_64-unknown-linux-gnu/static/linger",
                    help="static linger binary for the size row (default %(default)s)")
    ap.add_argument("--quick", action="store_true",
                    help="~1 minute smoke run: 200 keystrokes, 10 MB, 100k lines, 100 sessions")
    ap.add_argument("--keystrokes", type=int, help="echo latency samples per tool (full 1000)")
    ap.add_argument("--key-gap-ms", type=float, default=1.0,
                    help="pause after each round of keystrokes (default %(default)s ms)")
    ap.add_argument("--throughput-mb", type=float, help="payload size in MB (full 100)")
    ap.add_argument("--drain-lines", type=int, help="lines for the drain test (full 1000000)")
    ap.add_argument("--reps", type=int, help="repetitions of throughput and drain (full 5)")
    ap.add_argument("--mem-reps", type=int, help="repetitions of the 20-session memory test (full 2)")
    ap.add_argument("--start-reps", type=int, help="repetitions of the start-up test (full 20)")
    ap.add_argument("--ps-reps", type=int, help="repetitions of each ps/list timing (full 10)")
    ap.add_argument("--ps-sessions", help="comma-separated session counts for ps (full 100,1000)")
    ap.add_argument("--scrollback-bytes", type=int, default=None,
                    help="scrollback byte budget for the RSS target (default: the session record's "
                         "scrollback_bytes, else 4 MiB)")
    ap.add_argument("--throughput-timeout", type=float, default=240.0)
    ap.add_argument("--drain-timeout", type=float, default=120.0)
    ap.add_argument("--setup-timeout", type=float, default=180.0,
                    help="max seconds to start the sessions for one ps/list measurement")
    ap.add_argument("--tools", default=",".join(TOOLS), help="comma-separated subset of " + ",".join(TOOLS))
    ap.add_argument("--phases", default="latency,throughput,drain,memory,startup,ps,size",
                    help="comma-separated subset of phases")
    ap.add_argument("--out", help="markdown report (default bench/RESULTS.md, with --quick "
                                   "bench/RESULTS-quick.md); results.json goes next to it")
    ap.add_argument("--no-write", action="store_true", help="print only, do not write bench/")
    a = ap.parse_args(argv)
    q = a.quick
    defaults = dict(keystrokes=(200, 1000), throughput_mb=(10, 100), drain_lines=(100000, 1000000),
                    reps=(1, 5), mem_reps=(1, 2), start_reps=(5, 20), ps_reps=(3, 10),
                    ps_sessions=("100", "100,1000"))
    for k, (qv, fv) in defaults.items():
        if getattr(a, k) is None:
            setattr(a, k, qv if q else fv)
    if a.out is None:
        a.out = "bench/RESULTS-quick.md" if q else "bench/RESULTS.md"
    a.ps_sessions = [int(x) for x in str(a.ps_sessions).split(",") if x.strip()]
    a.tools = [x.strip() for x in a.tools.split(",") if x.strip()]
    bad = [x for x in a.tools if x not in TOOLS]
    if bad:
        ap.error("unknown tool(s): %s" % ",".join(bad))
    a.phases = [x.strip() for x in a.phases.split(",") if x.strip()]
    return a


PHASES = [("latency", phase_latency), ("throughput", phase_throughput), ("drain", phase_drain),
          ("memory", phase_sessions20), ("startup", phase_startup), ("ps", phase_ps),
          ("size", phase_sizes)]


def main(argv):
    args = parse_args(argv)
    atexit.register(REAPER.cleanup)
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, _on_signal)
    started = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    t_start = now()
    ctx = Ctx(args)
    ctx.machine0 = machine()
    try:
        for t in ctx.tools:
            if t.missing:
                log("  %-7s n/a: %s" % (t.name, t.missing))
        preflight(ctx)
        for name, fn in PHASES:
            if name not in args.phases:
                continue
            try:
                fn(ctx)
            except (BenchError, OSError) as e:
                # a phase-level failure must not end the run
                log("phase %s failed: %s" % (name, e))
                traceback.print_exc()
                ctx.notes.append("phase %s failed: %s" % (name, e))
    finally:
        REAPER.cleanup()
    report(ctx, started, now() - t_start)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
