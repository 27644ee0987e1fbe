# SPDX-License-Identifier: LGPL-2.1-or-later
"""Scenario: arbitration with a kernel driver (issue 17) on the FTDI adapter's interface, which
ftdi_sio holds. A second ioregd with a personality folder of the scenario's own, run by the test
driver server (tests/drivers/test-driver-server):
- without IOUserServerReplacesKernelDriver (and the best score there is) the personality never
  starts and ftdi_sio stays bound;
- with the key (a reload), ioregd detaches ftdi_sio through usbfs before Start: the interface loses
  its driver, /dev/ttyUSB0 goes, the driver entry is below the interface and `ioreg --explain`
  shows ftdi_sio lost to it;
- with the personality removed (a reload), ftdi_sio is bound again (USBDEVFS_CONNECT):
  /dev/ttyUSB0 is back, and so are its entries; the driver entry is gone."""

import glob
import json
import os
import signal
import tempfile
import time

from vmguest import checks, devices
from vmguest.system import wait_until

SERVER = "tests/drivers/test-driver-server"


def write_personalities(pdir, build, extra):
    """One personality on the FT232's interface 0 (or none when extra is None)."""
    items = {}
    if extra is not None:
        items["FTDI in user space"] = dict({
            "IOProviderClass": "IOUSBHostInterface", "idVendor": 0x0403, "idProduct": 0x6001,
            "bConfigurationValue": 1, "bInterfaceNumber": 0,
            "IOClass": "IOUserService", "IOUserClass": "TestDriver",
            "IOUserServerName": "org.ioreg.test.replace", "IOUserServerExecutable": os.path.join(build, SERVER),
        }, **extra)
    with open(os.path.join(pdir, "replace.json"), "w") as f:
        json.dump({"CFBundleIdentifier": "org.ioreg.test.replace", "IOKitPersonalities": items}, f)


def driver_of(intf):
    link = os.path.join(intf, "driver")
    return os.path.basename(os.readlink(link)) if os.path.islink(link) else None


def below(reg, intf, cls):
    """Entries of class cls right below the interface's nub."""
    nubs = reg.find("IOUSBHostInterface")
    nub = next((n for n in nubs if reg.syspath(n) == intf), None)
    return [c for c in reg.children(nub) if c["class"] == cls] if nub else None


def reload(ctx, d):
    d.proc.send_signal(signal.SIGHUP)
    time.sleep(0.5)
    d.wait_quiet()


def run(ctx):
    problems = []
    intfs = glob.glob((devices.usb_path("ftdi") or "-") + "/*:1.0")
    if not intfs:
        return ["the FTDI adapter's interface is not in sysfs"]
    intf = intfs[0]
    if driver_of(intf) != "ftdi_sio" or not os.path.exists("/dev/ttyUSB0"):
        return [f"before: the interface's driver is {driver_of(intf)}, not ftdi_sio, or no /dev/ttyUSB0"]
    pdir = tempfile.mkdtemp(prefix="replace-p-")
    os.chmod(pdir, 0o755)
    write_personalities(pdir, ctx.build, {"IOProbeScore": 9000})
    d = ctx.start_daemon(name="ioregd-replace", args=["--personalities=" + pdir])
    os.chmod(d.dir, 0o755)  # the server runs as nobody: it must reach the bus socket in there
    try:
        # Without the key: nothing probed, nothing detached.
        reg, p = checks.registry_settled(ctx, d)
        problems += [f"without the key: {x}" for x in p]
        if driver_of(intf) != "ftdi_sio" or below(reg, intf, "TestDriver"):
            problems.append(f"without the key: driver {driver_of(intf)}, "
                            f"{len(below(reg, intf, 'TestDriver') or [])} TestDriver entries")
        if "Detached kernel driver" in d.log_text():
            problems.append("without the key: the daemon detached a kernel driver")

        # With the key: ftdi_sio detached before Start, the driver below the interface.
        write_personalities(pdir, ctx.build, {"IOUserServerReplacesKernelDriver": True})
        reload(ctx, d)
        if not wait_until(lambda: driver_of(intf) != "ftdi_sio" and not os.path.exists("/dev/ttyUSB0"), 20):
            problems.append(f"with the key: the interface's driver is still {driver_of(intf)}")
        reg, p = checks.registry_settled(ctx, d)
        problems += [f"with the key: {x}" for x in p]
        drivers = below(reg, intf, "TestDriver") or []
        kernel = [e["name"] for e in below(reg, intf, "IOLinuxKernelDriver") or []]
        if len(drivers) != 1 or "ftdi_sio" in kernel:
            problems.append(f"with the key: {len(drivers)} TestDriver entries, kernel drivers {kernel}")
        explained = d.ioreg(["--explain", "-c", "IOUSBHostInterface"], check=False)
        line = next((x for x in explained.splitlines() if '"ftdi_sio" (IOLinuxKernelDriver)' in x), "")
        if not line.split() or line.split()[0] != "lost":
            problems.append(f"with the key: --explain says {line.strip()!r} for ftdi_sio")

        # Its personality removed: ftdi_sio bound again, the tty back, the driver gone.
        write_personalities(pdir, ctx.build, None)
        reload(ctx, d)
        if not wait_until(lambda: driver_of(intf) == "ftdi_sio" and os.path.exists("/dev/ttyUSB0"), 20):
            problems.append(f"removed: the interface's driver is {driver_of(intf)}, "
                            f"/dev/ttyUSB0 {'is' if os.path.exists('/dev/ttyUSB0') else 'is not'} there")
        reg, p = checks.registry_settled(ctx, d)
        problems += [f"removed: {x}" for x in p]
        kernel = [e["name"] for e in below(reg, intf, "IOLinuxKernelDriver") or []]
        if below(reg, intf, "TestDriver") or kernel != ["ftdi_sio"]:
            problems.append(f"removed: TestDriver entries left, or kernel drivers {kernel}")
        if not reg.find("IOSerialBSDClient", IOCalloutDevice="/dev/ttyUSB0"):
            problems.append("removed: no IOSerialBSDClient for /dev/ttyUSB0")
        if problems:
            print("--- replace: the second daemon's log:\n" + d.log_text()[-4000:], flush=True)
    finally:
        d.stop()
    return problems
