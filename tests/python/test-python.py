#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The Python binding (python/ioreg, issue 20 point 8) against the real
ioregd on a umockdev testbed of a real recording (a USB keyboard behind
hubs), on the private bus of with-private-bus.sh; this process adds and
removes a USB mouse through umockdev's own Python binding (python3-gi):

- Context().list_devices(class_name=...): the recording's USB devices with
  hex IDs and nodes; PCI IDs decoded from data ({"$data"} → bytes);
- examples/python/usb-watch.py (the pyudev-shaped watcher, under 20 lines):
  the devices present, then "ready", then publish and terminated of the mouse;
- MonitorObserver: the callback on its own thread;
- the IOKit names: IOServiceGetMatchingServices(IOServiceMatching(...)).

usage: with-private-bus.sh SRC /usr/bin/python3 test-python.py BUILD_DIR SOURCE_DIR
"""
import os
import subprocess
import sys
import time

build, src = sys.argv[1], sys.argv[2]
try:
    import gi
    gi.require_version("UMockdev", "1.0")
    from gi.repository import UMockdev
except (ImportError, ValueError) as e:
    print(f"SKIP: umockdev's Python binding is missing ({e})")
    sys.exit(77)

os.environ["IOREG_LIBRARY"] = f"{build}/libioreg/libioreg.so.0"
sys.path.insert(0, f"{src}/python")
import ioreg  # noqa: E402

HUB1 = "/sys/devices/pci0000:00/0000:00:1a.0/usb1/1-1"


def fail(message):
    print("FAIL: " + message, file=sys.stderr)
    sys.exit(1)


def wait_for(predicate, what, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    fail("timed out waiting for " + what)


testbed = UMockdev.Testbed.new()
if not testbed.add_from_file(f"{src}/tests/data/umockdev/umockdev-input-usbkbd.umockdev"):
    fail("cannot load the recording")
env = dict(os.environ, LD_PRELOAD="libumockdev-preload.so.0", IOREG_UDEV_MODE="kernel",
           UMOCKDEV_DIR=testbed.get_root_dir())
daemon = subprocess.Popen([f"{build}/daemon/ioregd", "--bus-address=" + os.environ["IOREG_BUS_ADDRESS"],
                           f"--sysfs-root={src}/tests/data/sysfs-empty"], env=env, stderr=subprocess.DEVNULL)
try:
    subprocess.run([f"{build}/cli/ioreg", "--wait-quiet=20"], stdout=subprocess.DEVNULL, check=True)
    context = ioreg.Context()
    wait_for(lambda: len(context.list_devices(class_name="IOUSBHostDevice")) == 5, "the recording's 5 USB devices")

    usb = {d.ids: d for d in context.list_devices(class_name="IOUSBHostDevice")}
    kbd = usb.get("05f3:0007") or fail(f"no keyboard among {sorted(usb)}")
    if kbd.devnode != "/dev/bus/usb/001/009" or kbd["idVendor"] != 0x05F3 or kbd.class_name != "IOUSBHostDevice":
        fail(f"keyboard: {kbd!r} {kbd.devnode} {kbd.properties.get('idVendor')}")
    if not kbd.path or not kbd.path.startswith("IOService:/"):
        fail(f"keyboard path {kbd.path}")
    pci = ioreg.IOServiceGetMatchingServices(ioreg.IOServiceMatching("IOPCIDevice"))
    if [d.ids for d in pci] != ["8086:3b3c"] or not isinstance(pci[0]["vendor-id"], bytes):
        fail(f"PCI: {[(d.ids, d.properties.get('vendor-id')) for d in pci]}")

    # The watcher of the docs, as a program.
    watcher = subprocess.Popen([sys.executable, f"{src}/examples/python/usb-watch.py", "2"],
                               env=dict(os.environ, PYTHONPATH=f"{src}/python"), stdout=subprocess.PIPE, text=True)
    lines = []
    while True:
        line = watcher.stdout.readline()
        if not line:
            fail(f"the watcher ended early: {lines}")
        if line.strip() == "ready":
            break
        lines.append(line.split()[0])
    if lines != ["present"] * 5:
        fail(f"the watcher's replay: {lines}")

    # An observer as well, on its own thread.
    seen = []
    observer = ioreg.MonitorObserver(ioreg.Monitor(context, class_name="IOUSBHostDevice"),
                                     lambda action, device: seen.append((action, device.ids, device.name)))
    observer.start()

    mouse = testbed.add_device("usb", "1-1.7", HUB1,
                               ["idVendor", "046d", "idProduct", "c077", "bcdDevice", "7200", "product",
                                "USB Optical Mouse", "manufacturer", "Logitech", "busnum", "1", "devnum", "27",
                                "speed", "1.5"],
                               ["DEVTYPE", "usb_device", "DEVNAME", "bus/usb/001/027"])
    wait_for(lambda: len(context.list_devices(class_name="IOUSBHostDevice")) == 6, "the mouse")
    testbed.uevent(mouse, "remove")
    testbed.remove_device(mouse)
    out, _ = watcher.communicate(timeout=20)
    events = [line.split(None, 2) for line in out.splitlines()]
    want = [["publish", "046d:c077", "USB Optical Mouse /dev/bus/usb/001/027"],
            ["terminated", "046d:c077", "USB Optical Mouse /dev/bus/usb/001/027"]]
    if events != want:
        fail(f"the watcher printed {events}")
    wait_for(lambda: len(seen) == 2, f"the observer's two events (has {seen})")
    observer.stop()
    if seen != [("publish", "046d:c077", "USB Optical Mouse"), ("terminated", "046d:c077", "USB Optical Mouse")]:
        fail(f"the observer saw {seen}")
    print("ok: python binding")
finally:
    daemon.terminate()
    daemon.wait()
