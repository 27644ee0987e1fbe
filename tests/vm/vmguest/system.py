# SPDX-License-Identifier: LGPL-2.1-or-later
"""system.py: the guest system: drivers loaded by modalias as udev would, waiting, sysfs as udev lists it."""

import glob
import os
import socket
import subprocess
import threading
import time

NETLINK_KOBJECT_UEVENT = 15


def wait_until(predicate, timeout, step=0.1):
    """Polls predicate until it returns something true; returns that, or None after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        v = predicate()
        if v:
            return v
        if time.monotonic() >= deadline:
            return None
        time.sleep(step)


def read(path, default=None):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return default


def modprobe(aliases):
    if aliases:
        subprocess.run(["modprobe", "-a", "-b", "-q"] + sorted(aliases), check=False)


class ModaliasLoader:
    """Without udevd nothing loads drivers: load each added device's MODALIAS, as udev's rules do."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, NETLINK_KOBJECT_UEVENT)
        self.sock.bind((0, 1))  # the kernel's multicast group
        self.busy = 0
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while True:
            try:
                msg = self.sock.recv(65536)
            except OSError:
                continue  # ENOBUFS in a burst: coldplug_modules() at settle catches up
            fields = dict(f.split("=", 1) for f in msg.decode(errors="replace").split("\0")[1:] if "=" in f)
            if fields.get("ACTION") == "add" and fields.get("MODALIAS"):
                self.busy += 1
                modprobe([fields["MODALIAS"]])
                self.busy -= 1


def coldplug_modules():
    """What udevadm trigger does for drivers: every modalias in sysfs, loaded at once."""
    aliases = set()
    for top, dirs, files in os.walk("/sys/devices"):  # does not follow sysfs's symlinks
        if "modalias" in files:
            aliases.add(read(top + "/modalias"))
    modprobe({a for a in aliases if a})


def settle(quiet=0.7, timeout=20, loader=None):
    """Until the kernel sent no uevent for `quiet` seconds (and the loader has nothing under way)."""
    deadline = time.monotonic() + timeout
    last, since = read("/sys/kernel/uevent_seqnum"), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.1)
        now = read("/sys/kernel/uevent_seqnum")
        if now != last or (loader and loader.busy):
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return True
    return False


def sysfs_devices():
    """The devices libudev's enumeration lists (every bus and class member), device links
    excluded (they are IOPower edges, not entries). Net queues (queues/rx-0), modules and drivers
    send uevents too but are no devices. A set of syspaths."""
    found = set()
    dirs = [f"/sys/bus/{b}/devices" for b in os.listdir("/sys/bus")]
    dirs += [f"/sys/class/{c}" for c in os.listdir("/sys/class") if c != "devlink"]
    for d in dirs:
        try:
            entries = list(os.scandir(d))
        except OSError:
            continue
        for e in entries:
            if e.is_symlink():
                # Resolved by text: device folders below /sys/devices contain no symlinks (and
                # realpath's lstat of every component costs seconds under TCG).
                found.add(os.path.normpath(os.path.join(d, os.readlink(e.path))))
    return found


def usb_devices():
    """syspath → (idVendor, idProduct) of every USB device (not interfaces), root hubs included."""
    out = {}
    for link in glob.glob("/sys/bus/usb/devices/*"):
        path = os.path.realpath(link)
        if os.path.exists(path + "/idVendor"):
            out[path] = (int(read(path + "/idVendor"), 16), int(read(path + "/idProduct"), 16))
    return out


def find_usb(vendor, product):
    for path, ids in usb_devices().items():
        if ids == (vendor, product):
            return path
    return None
