# SPDX-License-Identifier: LGPL-2.1-or-later
"""devices.py: the rig's hot-pluggable devices (vm-run.py's QEMU command line has them at boot),
and how to unplug and plug each through the host."""

from . import system

# name → (QEMU driver and properties for device_add, or None for the FTDI adapter; USB IDs)
USB = {
    "kbd": (("usb-kbd", {"bus": "xhci.0"}), (0x0627, 0x0001)),
    "storage": (("usb-storage", {"bus": "xhci.0", "drive": "stick"}), (0x46f4, 0x0001)),
    "ftdi": (None, (0x0403, 0x6001)),  # QEMU's usb-serial: plugged while the host holds its chardev
    "usbnet": (("usb-net", {"bus": "xhci.0", "netdev": "usbnet0"}), (0x0525, 0xa4a2)),
}
NIC = ("e1000e", {"bus": "rp1", "netdev": "nic0"})  # on the pcie-root-port; not there at boot


def unplug(host, name):
    if name == "ftdi":
        return host.ftdi(False)
    return host.device_del(name)


def plug(host, name):
    if name == "ftdi":
        return host.ftdi(True)
    if name == "nic":
        return host.device_add(NIC[0], "nic", **NIC[1])
    (driver, props), _ = USB[name]
    return host.device_add(driver, name, **props)


def usb_path(name):
    """The USB device's syspath now, or None."""
    return system.find_usb(*USB[name][1])
