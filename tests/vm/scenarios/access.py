# SPDX-License-Identifier: LGPL-2.1-or-later
"""Scenario access (issue 17), device access on a real kernel: a daemon of its own with two
personalities that launch the tests' driver server (tests/drivers/test-driver-server.c), each as a
user of its own (driver-user.h).
- On the USB keyboard's IOUSBHostDevice: the fd ioregd hands over is the device's usbfs node (its
  read gives the device descriptor sysfs shows), and its privileges are dropped: detaching usbhid
  through it fails with EACCES.
- On the PS/2 keyboard's IOHIDDevice (an input device, no HID device above it): the fd is its evdev
  node; once the personality is removed (reload), the driver is stopped and ioregd revokes the node
  (EVIOCREVOKE): a read through the server's copy fails with ENODEV."""

import errno
import json
import os
import signal
import tempfile

from vmguest import devices, system

SERVER = "/tests/drivers/test-driver-server"


def personalities(build, stop_dir, with_ps2=True):
    env = {"TEST_STOP_DIR": stop_dir}
    common = {"IOClass": "IOUserService", "IOUserServerExecutable": build + SERVER,
              "IOUserServerEnvironment": env, "TestCopyFD": "", "TestReadFD": True}
    p = {"AccessUSB": dict(common, IOProviderClass="IOUSBHostDevice", idVendor=0x0627, idProduct=0x0001,
                           IOUserClass="TestAccessUSBDriver", IOUserServerName="org.ioreg.vm.access-usb",
                           TestTryDetach=True)}
    if with_ps2:
        p["AccessPS2"] = dict(common, IOProviderClass="IOHIDDevice", Transport="PS2",
                              IOPropertyMatch={"Product": "AT Translated Set 2 keyboard"},
                              IOUserClass="TestAccessDriver", IOUserServerName="org.ioreg.vm.access-ps2",
                              TestReadTimeoutMs=300000)
    return {"CFBundleIdentifier": "org.ioreg.test.vm-access", "IOKitPersonalities": p}


def write_json(path, doc):
    with open(path, "w") as f:
        json.dump(doc, f)


def driver(reg, cls):
    found = [e for e in reg.find(cls) if "TestFDResult" in reg.props(e)]
    return found[0] if len(found) == 1 else None


def started(daemon):
    """The registry once both drivers have started (their entries carry what Start found)."""
    reg = daemon.registry()
    return reg if driver(reg, "TestAccessUSBDriver") and driver(reg, "TestAccessDriver") else None


def read_file(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


def run(ctx):
    problems = []
    pdir, stop_dir = tempfile.mkdtemp(prefix="access-p-"), tempfile.mkdtemp(prefix="access-s-")
    os.chmod(stop_dir, 0o777)  # the servers run as users of their own
    os.chmod(pdir, 0o755)
    pfile = os.path.join(pdir, "access.json")
    write_json(pfile, personalities(ctx.build, stop_dir))
    daemon = ctx.start_daemon(name="ioregd-access", args=["--personalities=" + pdir])
    try:
        reg = system.wait_until(lambda: started(daemon), 90) or daemon.registry()
        usb, ps2 = driver(reg, "TestAccessUSBDriver"), driver(reg, "TestAccessDriver")
        if not usb:
            problems.append("no started driver on the USB keyboard's device")
        else:
            props = reg.props(usb)
            kbd = devices.usb_path("kbd")
            want = open(kbd + "/descriptors", "rb").read()[:18] if kbd else b"?"
            got = system.wait_until(lambda: read_file(f"{stop_dir}/read-{int(usb['id'], 16):x}"), 20)
            if props.get("TestFDResult") != "success":
                problems.append(f"USB device: CopyProviderFD gave {props.get('TestFDResult')}")
            if props.get("TestFDNode", "").split(":")[0] != "189":
                problems.append(f"USB device: the fd is {props.get('TestFDNode')}, not a usbfs node (189:N)")
            if not got or got[:18] != want:
                problems.append(f"USB device: read {got[:18].hex() if got else None}, sysfs has {want.hex()}")
            if props.get("TestDetachErrno") != errno.EACCES:
                problems.append(f"USB device: detaching usbhid through the fd gave errno "
                                f"{props.get('TestDetachErrno')}, want EACCES (privileges dropped)")
            uid = props.get("TestServerUID")
            if not isinstance(uid, int) or not 61184 <= uid <= 65519 or props.get("TestServerGroups") != 0:
                problems.append(f"the server runs as UID {uid} with {props.get('TestServerGroups')} supplementary "
                                f"groups (want a user of its own, 61184-65519, and none)")
        if not ps2:
            hid = [(reg.props(e).get("Transport"), reg.props(e).get("Product")) for e in reg.find("IOHIDDevice")]
            problems.append(f"no started driver on the PS/2 keyboard's IOHIDDevice (IOHIDDevices: {hid})")
        else:
            props = reg.props(ps2)
            if props.get("TestFDResult") != "success" or props.get("TestFDNode", "").split(":")[0] != "13":
                problems.append(f"PS/2 keyboard: CopyProviderFD gave {props.get('TestFDResult')}, "
                                f"node {props.get('TestFDNode')} (want an evdev node, 13:N)")
            # The personality goes: Stop, then the revoke reaches the server's copy of the fd.
            path = f"{stop_dir}/read-{int(ps2['id'], 16):x}"
            if read_file(path) is not None:
                problems.append(f"PS/2 keyboard: the read returned before the revoke: {read_file(path)!r}")
            write_json(pfile, personalities(ctx.build, stop_dir, with_ps2=False))
            daemon.proc.send_signal(signal.SIGHUP)
            system.wait_until(lambda: read_file(path) is not None, 30)
            got = read_file(path)
            if got != f"error {errno.ENODEV}\n".encode():
                problems.append(f"PS/2 keyboard: after the driver stopped, its read gave {got!r}, "
                                f"want a failure with ENODEV (EVIOCREVOKE)")
            if not os.path.exists(f"{stop_dir}/stop-{int(ps2['id'], 16):x}"):
                problems.append("PS/2 keyboard: the driver was not told to stop")
    finally:
        log = daemon.log_text()
        daemon.stop()
    if problems:
        problems.append("its ioregd's log:\n" + log[-3000:])
    return problems
