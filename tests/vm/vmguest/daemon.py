# SPDX-License-Identifier: LGPL-2.1-or-later
"""daemon.py: the daemon under test on a private bus, its registry as ioreg -j shows it, and a
libioreg client (vm-watch) that records the notifications it gets."""

import json
import os
import signal
import subprocess
import tempfile
import threading

from .system import wait_until


class Daemon:
    """A private dbus-daemon and the build's ioregd on it."""

    def __init__(self, build, src, extra_env=None, name="ioregd", args=()):
        self.build, self.src = build, src
        self.dir = tempfile.mkdtemp(prefix=name + "-")
        os.chmod(self.dir, 0o755)  # the bus socket's folder: driver servers run as nobody
        self.log_path = os.path.join(self.dir, "ioregd.log")
        with open(os.path.join(src, "tests/data/private-bus.conf.in")) as f:
            conf = f.read().replace("@DIR@", self.dir)
        with open(os.path.join(self.dir, "bus.conf"), "w") as f:
            f.write(conf)
        r, w = os.pipe()
        self.bus = subprocess.Popen(["dbus-daemon", "--config-file=" + self.dir + "/bus.conf", "--nofork",
                                     "--print-address=%d" % w], pass_fds=(w,))
        os.close(w)
        with os.fdopen(r) as f:
            self.address = f.readline().strip()
        self.env = dict(os.environ, IOREG_BUS_ADDRESS=self.address)
        self.env.update(extra_env or {})
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen([build + "/daemon/ioregd", "--bus-address=" + self.address,
                                      "--power-poll=0", *args], env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        self.ioreg(["--wait-quiet=60", "-d", "1"])

    def ioreg(self, args, check=True):
        p = subprocess.run([self.build + "/cli/ioreg"] + args, env=self.env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=120)
        if check and p.returncode != 0:
            raise RuntimeError(f"ioreg {' '.join(args)}: {p.stderr.strip()}")
        return p.stdout

    def wait_quiet(self):
        self.ioreg(["--wait-quiet=60", "-d", "1"])

    def registry(self, plane="IOService", props=True):
        """The plane once the registry is quiet (one ioreg: each costs a second under TCG);
        props=False: without properties, a quarter of the time."""
        return Registry(json.loads(self.ioreg(["--wait-quiet=60", "-j", "-p", plane] + (["-l"] if props else []))))

    def log_text(self):
        self.log.flush()
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def rss_kib(self):
        for line in open(f"/proc/{self.proc.pid}/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def n_fds(self):
        return len(os.listdir(f"/proc/{self.proc.pid}/fd"))

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        for p in (self.proc, self.bus):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        self.log.close()


class Registry:
    """One ioreg -j -l answer, flattened: each entry once (by ID), with its parents' IDs."""

    def __init__(self, doc):
        self.entries, self.parents, self.roots = {}, {}, []
        for top in doc["entries"]:
            self.roots.append(top["id"])
            self._walk(top, None)

    def _walk(self, e, parent):
        self.entries.setdefault(e["id"], e)
        if parent:
            self.parents.setdefault(e["id"], []).append(parent)
        for c in e.get("children", []):
            self._walk(c, e["id"])

    def props(self, e):
        return e.get("properties", {})

    def syspath(self, e):
        return self.props(e).get("Linux", {}).get("SYSPATH")

    def by_syspath(self):
        """syspath → [entries] (a list: duplicates are a finding)."""
        out = {}
        for e in self.entries.values():
            p = self.syspath(e)
            if p:
                out.setdefault(p, []).append(e)
        return out

    def find(self, cls=None, **props):
        return [e for e in self.entries.values() if (cls is None or e["class"] == cls) and
                all(self.props(e).get(k) == v for k, v in props.items())]

    def children(self, e):
        return e.get("children", [])

    def parent(self, e):
        ps = self.parents.get(e["id"])
        return self.entries[ps[0]] if ps else None


def compare_with_sysfs(reg, sysfs):
    """Problems (a list of strings) between the registry's nubs and sysfs's devices."""
    have = reg.by_syspath()
    problems = [f"missing: {p}" for p in sorted(sysfs - set(have))]
    problems += [f"extra: {p} ({have[p][0]['class']} {have[p][0]['name']})" for p in sorted(set(have) - sysfs)]
    problems += [f"{len(v)} entries for {p}" for p, v in sorted(have.items()) if len(v) > 1]
    return problems


class Watch:
    """vm-watch with its subscriptions; events() is what it printed so far (replays left out).
    light: no properties on terminated events (the syspath only)."""

    def __init__(self, daemon, subs, light=False):
        args = [daemon.build + "/tests/vm/vm-watch"]
        for label, kind, matching in subs:
            args += [label, kind, json.dumps(matching)]
        env = dict(daemon.env, VM_WATCH_LIGHT="1") if light else daemon.env
        self.proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, text=True)
        self.lines, self.replayed, self.ready = [], [], False
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()
        if not wait_until(lambda: self.ready, 60):
            raise RuntimeError("vm-watch did not get ready")

    def _read(self):
        for line in self.proc.stdout:
            ev = json.loads(line)
            with self.lock:
                if ev.get("ready"):
                    self.ready = True
                elif ev.get("replay"):
                    self.replayed.append(ev)
                else:
                    self.lines.append(ev)

    def events(self, sub=None):
        with self.lock:
            return [e for e in self.lines if sub is None or e.get("sub") == sub]

    def take(self):
        with self.lock:
            out, self.lines = self.lines, []
        return out

    def wait_for(self, predicate, timeout=30):
        """Until predicate(events so far) is true; returns the events."""
        return wait_until(lambda: predicate(self.events()) and self.events(), timeout)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        return self.proc.returncode
