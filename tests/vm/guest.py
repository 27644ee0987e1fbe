# SPDX-License-Identifier: LGPL-2.1-or-later
"""guest.py: what the rig's guest runs after the initramfs (as PID 1's child): loads drivers as
udev would (or starts systemd-udevd in udev mode), starts ioregd on a private bus and runs the
scenarios named on the kernel command line, reporting each to vm-run.py on the host."""

import importlib
import os
import subprocess
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True

from vmguest import system  # noqa: E402
from vmguest.daemon import Daemon  # noqa: E402
from vmguest.host import Host  # noqa: E402


class Context:
    """What every scenario gets: the host channel, the build, the running daemon."""

    def __init__(self, host):
        self.host = host
        self.build = os.environ["ioreg_vm_build"]
        self.src = os.environ["ioreg_vm_src"]
        self.mode = os.environ.get("ioreg_vm_mode", "kernel")
        self.cycles = int(os.environ.get("ioreg_vm_cycles", "20"))
        self.loader = None
        self.daemon = None

    def settle(self, quiet=0.5):
        if self.mode == "udev":
            subprocess.run(["udevadm", "settle", "--timeout=30"], check=False)
        return system.settle(quiet=quiet, loader=self.loader)

    def start_daemon(self, extra_env=None, name="ioregd", args=()):
        env = {"IOREG_UDEV_MODE": self.mode}
        env.update(extra_env or {})
        return Daemon(self.build, self.src, env, name, args)


def start_udevd():
    subprocess.run(["/lib/systemd/systemd-udevd", "--daemon"], check=True)
    subprocess.run(["udevadm", "trigger", "--type=subsystems", "--action=add"], check=False)
    subprocess.run(["udevadm", "trigger", "--type=devices", "--action=add"], check=False)
    subprocess.run(["udevadm", "settle", "--timeout=60"], check=False)


def main():
    host = Host()
    ctx = Context(host)
    os.environ["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    os.environ["PYTHONDONTWRITEBYTECODE"] = "1"
    subprocess.run(["ip", "link", "set", "lo", "up"], check=False)
    # Pseudo-terminals (the FTDI driver's port): devtmpfs has /dev/ptmx, not the devpts behind it.
    os.makedirs("/dev/pts", exist_ok=True)
    subprocess.run(["mount", "-t", "devpts", "-o", "gid=5,mode=620,ptmxmode=666", "devpts", "/dev/pts"], check=False)
    if ctx.mode == "udev":
        start_udevd()
    else:
        ctx.loader = system.ModaliasLoader()
        system.coldplug_modules()
        # Hot-added PCIe NICs bind at once; USB and its class drivers are there from coldplug.
        system.modprobe({"e1000e", "dummy"})
    ctx.settle()
    host.log(f"guest ready at {system.read('/proc/uptime').split()[0]} s uptime")
    ctx.daemon = ctx.start_daemon()
    for name in os.environ.get("ioreg_vm_scenarios", "").split(","):
        started = time.monotonic()
        try:
            mod = importlib.import_module("scenarios." + name)
            problems = mod.run(ctx)
        except Exception:
            problems = ["exception:\n" + traceback.format_exc()]
        if not ctx.daemon.alive():
            problems.append("ioregd died; its log:\n" + ctx.daemon.log_text()[-4000:])
            ctx.daemon = ctx.start_daemon()
        if problems:
            print(f"--- {name} failed; ioregd log tail:\n{ctx.daemon.log_text()[-6000:]}", flush=True)
        host.result(name, not problems, "\n".join(problems)[:6000], time.monotonic() - started)
    ctx.daemon.stop()
    host.done()


if __name__ == "__main__":
    main()
