# SPDX-License-Identifier: LGPL-2.1-or-later
"""host.py: the guest's channel to vm-run.py on the second serial port, one JSON object a line."""

import base64
import json
import os
import tty


class HostError(Exception):
    pass


class Host:
    def __init__(self, path="/dev/ttyS1"):
        self.fd = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_CLOEXEC)
        tty.setraw(self.fd)  # no echo, no line editing, no flow control
        self.buf = b""

    def send(self, obj):
        data = json.dumps(obj).encode() + b"\n"
        while data:
            data = data[os.write(self.fd, data):]

    def _readline(self):
        while b"\n" not in self.buf:
            chunk = os.read(self.fd, 4096)
            if not chunk:
                raise HostError("host channel closed")
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        return json.loads(line)

    def request(self, obj):
        self.send(obj)
        return self.reply(obj)

    def reply(self, obj):
        """The answer to obj, sent before with send() (so that the guest works while the host does)."""
        reply = self._readline()
        if "error" in reply:
            raise HostError(f"{obj}: {reply['error'].get('desc', reply['error'])}")
        return reply.get("return")

    def qmp(self, execute, **arguments):
        return self.request({"cmd": "qmp", "execute": execute, "arguments": arguments})

    def device_add(self, driver, id, **props):
        return self.qmp("device_add", driver=driver, id=id, **props)

    def device_del(self, id):
        """Returns once QEMU has deleted the device (DEVICE_DELETED)."""
        return self.qmp("device_del", id=id)

    def ftdi(self, plug):
        """QEMU's FTDI adapter is attached while the host holds its chardev open."""
        return self.request({"cmd": "ftdi", "plug": plug})

    def ftdi_write(self, data):
        """Bytes into the adapter's chardev: the guest reads them from the adapter's bulk IN."""
        return self.request({"cmd": "ftdi-write", "data64": base64.b64encode(data).decode()})

    def ftdi_read(self, size, timeout=10):
        """Up to size bytes the guest sent to the adapter (bulk OUT), waiting at most timeout seconds."""
        return base64.b64decode(self.request({"cmd": "ftdi-read", "size": size, "timeout": timeout})["data64"])

    def ftdi_drain(self, quiet=0.3):
        """Throws away what the chardev holds (until quiet seconds pass without a byte); returns how much."""
        return self.request({"cmd": "ftdi-drain", "quiet": quiet})["size"]

    def log(self, text):
        self.send({"cmd": "log", "text": text})

    def result(self, name, ok, detail, seconds):
        self.send({"cmd": "result", "name": name, "ok": ok, "detail": detail, "seconds": seconds})

    def done(self):
        self.send({"cmd": "done"})
