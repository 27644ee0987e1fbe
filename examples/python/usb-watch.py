#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# usb-watch.py [COUNT]: the USB devices there now, then each one plugged in or
# out, with its IDs and node, as pyudev's watcher does (python/ioreg).
import sys

import ioreg

count = int(sys.argv[1]) if len(sys.argv) > 1 else 0
context = ioreg.Context()
monitor = ioreg.Monitor(context, class_name="IOUSBHostDevice")
for device in monitor.existing:
    print("present", device.ids, device.name, device.devnode, flush=True)
print("ready", flush=True)
for n, (action, device) in enumerate(monitor, 1):
    print(action, device.ids, device.name, device.devnode, flush=True)
    if n == count:
        break
