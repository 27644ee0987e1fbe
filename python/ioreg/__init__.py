# SPDX-License-Identifier: LGPL-2.1-or-later
"""ioreg: the I/O Registry of ioregd from Python, shaped after pyudev.

    import ioreg
    context = ioreg.Context()
    for device in context.list_devices(class_name="IOUSBHostDevice"):
        print(device.name, device.ids, device.devnode)
    monitor = ioreg.Monitor(context, class_name="IOUSBHostDevice")
    for action, device in monitor:      # "publish", "matched", "terminated"
        print(action, device.name)

A ctypes binding over libioreg (libioreg.so.0), not a second client of the
D-Bus API: libioreg already acknowledges events, ends the replay of what
exists (the iterator a subscription comes back with: Monitor.existing),
resynchronizes after an overflow and follows daemon restarts, and property
values arrive in its one JSON form (data as {"$data": base64}, which this
module turns into bytes). The IOKit names (IOServiceMatching,
IOServiceGetMatchingServices, ...) are at the end of this module.
"""

import base64
import ctypes
import ctypes.util
import json
import os
import select

__all__ = ["Context", "Device", "Monitor", "MonitorObserver", "IoregError"]

_lib_path = os.environ.get("IOREG_LIBRARY") or ctypes.util.find_library("ioreg") or "libioreg.so.0"
_lib = ctypes.CDLL(_lib_path)
_jansson = ctypes.CDLL(ctypes.util.find_library("jansson") or "libjansson.so.4")
_libc = ctypes.CDLL(None)

_p = ctypes.c_void_p
_u64 = ctypes.c_uint64


def _fn(name, restype, *argtypes, lib=None):
    f = getattr(lib or _lib, name)
    f.restype, f.argtypes = restype, list(argtypes)
    return f


_json_dumps = _fn("json_dumps", _p, _p, ctypes.c_size_t, lib=_jansson)
_json_loads = _fn("json_loads", _p, ctypes.c_char_p, ctypes.c_size_t, _p, lib=_jansson)
_free = _fn("free", None, _p, lib=_libc)
_release_json = _fn("ioreg_json_release", None, _p)
_return_string = _fn("ioreg_return_string", ctypes.c_char_p, ctypes.c_int)
_release = _fn("ioreg_object_release", ctypes.c_int, _p)
_iterator_next = _fn("ioreg_iterator_next", _p, _p)
_iterator_is_valid = _fn("ioreg_iterator_is_valid", ctypes.c_int, _p)
_iterator_reset = _fn("ioreg_iterator_reset", None, _p)
_get_matching = _fn("ioreg_service_get_matching_services", ctypes.c_int, _p, ctypes.POINTER(_p))
_get_id = _fn("ioreg_registry_entry_get_registry_entry_id", ctypes.c_int, _p, ctypes.POINTER(_u64))
_get_name = _fn("ioreg_registry_entry_get_name", ctypes.c_int, _p, ctypes.c_char_p)
_get_class = _fn("ioreg_object_get_class", ctypes.c_int, _p, ctypes.c_char_p)
_get_path = _fn("ioreg_registry_entry_get_path", ctypes.c_int, _p, ctypes.c_char_p, ctypes.c_char_p)
_create_properties = _fn("ioreg_registry_entry_create_properties", ctypes.c_int, _p, ctypes.POINTER(_p),
                         ctypes.c_uint32)
_notified_properties = _fn("ioreg_registry_entry_copy_notification_properties", _p, _p)
_check_daemon = _fn("ioreg_kit_check_daemon", ctypes.c_int)
_port_create = _fn("ioreg_notification_port_create", _p)
_port_destroy = _fn("ioreg_notification_port_destroy", None, _p)
_port_fd = _fn("ioreg_notification_port_get_fd", ctypes.c_int, _p)
_port_dispatch = _fn("ioreg_notification_port_dispatch", ctypes.c_int, _p)
_MatchingCallback = ctypes.CFUNCTYPE(None, _p, _p)
_add_matching = _fn("ioreg_service_add_matching_notification", ctypes.c_int, _p, ctypes.c_char_p, _p,
                    _MatchingCallback, _p, ctypes.POINTER(_p))

_NAME_MAX, _STRING_MAX = 128, 512
NOTIFICATIONS = {"publish": "IOServicePublish", "matched": "IOServiceMatched",
                 "terminated": "IOServiceTerminate"}


class IoregError(OSError):
    """A libioreg call failed: .code is its ioreg_return_t."""

    def __init__(self, code, what):
        self.code = code
        super().__init__(f"{what}: {_return_string(code).decode()}")


def _check(code, what):
    if code != 0:
        raise IoregError(code, what)


def _to_python(v):
    """The JSON form into Python: {"$data"} → bytes, {"$unsigned"} → int."""
    if isinstance(v, dict):
        if set(v) == {"$data"}:
            return base64.b64decode(v["$data"])
        if set(v) == {"$unsigned"}:
            return int(v["$unsigned"])
        return {k: _to_python(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_to_python(x) for x in v]
    return v


def _from_python(v):
    if isinstance(v, (bytes, bytearray)):
        return {"$data": base64.b64encode(v).decode()}
    if isinstance(v, int) and not isinstance(v, bool) and v > 2**63 - 1:
        return {"$unsigned": str(v)}
    if isinstance(v, dict):
        return {k: _from_python(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_from_python(x) for x in v]
    return v


def _json_take(j):
    """A json_t * (ours to release) as Python, or None."""
    if not j:
        return None
    s = _json_dumps(j, 0x200)  # JSON_ENCODE_ANY
    try:
        return _to_python(json.loads(ctypes.string_at(s).decode())) if s else None
    finally:
        _free(s)
        _release_json(j)


def _json_new(value):
    j = _json_loads(json.dumps(_from_python(value)).encode(), 0, None)
    if not j:
        raise MemoryError("json_loads")
    return j


def matching(class_name=None, name=None, properties=None):
    """A matching dictionary: IOProviderClass, IONameMatch, IOPropertyMatch."""
    d = {}
    if class_name:
        d["IOProviderClass"] = class_name
    if name:
        d["IONameMatch"] = name
    if properties:
        d["IOPropertyMatch"] = dict(properties)
    return d


class Device:
    """One registry entry (pyudev's Device): id, name, class_name, properties, ids, devnode, driver."""

    def __init__(self, obj, properties=None):
        self.id = _u64()
        _check(_get_id(obj, ctypes.byref(self.id)), "ioreg_registry_entry_get_registry_entry_id")
        self.id = self.id.value
        buf = ctypes.create_string_buffer(_NAME_MAX)
        self.name = buf.value.decode() if _get_name(obj, buf) == 0 else None
        self.class_name = buf.value.decode() if _get_class(obj, buf) == 0 else None
        path = ctypes.create_string_buffer(_STRING_MAX)
        self.path = path.value.decode() if _get_path(obj, b"IOService", path) == 0 else None
        if properties is None:
            properties = _json_take(_notified_properties(obj))
        if properties is None:
            out = _p()
            if _create_properties(obj, ctypes.byref(out), 0) == 0:
                properties = _json_take(out.value)
        self.properties = properties or {}

    def get(self, key, default=None):
        return self.properties.get(key, default)

    def __getitem__(self, key):
        return self.properties[key]

    @property
    def linux(self):
        return self.properties.get("Linux", {})

    @property
    def sys_path(self):
        return self.linux.get("SYSPATH")

    @property
    def subsystem(self):
        return self.linux.get("SUBSYSTEM")

    @property
    def driver(self):
        return self.linux.get("DRIVER")

    @property
    def devnode(self):
        node = self.linux.get("DEVNAME") or self.properties.get("IOCalloutDevice")
        return node if not node or node.startswith("/") else "/dev/" + node

    @property
    def ids(self):
        """"vendor:product" in hex (USB idVendor/idProduct, PCI vendor-id/device-id), or None."""
        v, p = self.properties.get("idVendor"), self.properties.get("idProduct")
        if v is None:
            v, p = self.properties.get("vendor-id"), self.properties.get("device-id")
            v = int.from_bytes(v[:2], "little") if isinstance(v, bytes) else None
            p = int.from_bytes(p[:2], "little") if isinstance(p, bytes) else None
        return f"{v:04x}:{p:04x}" if v is not None and p is not None else None

    def __repr__(self):
        return f"Device(0x{self.id:x}, {self.class_name} {self.name!r})"

    def __eq__(self, other):
        return isinstance(other, Device) and other.id == self.id

    def __hash__(self):
        return hash(self.id)


def _drain(iterator):
    devices = []
    while True:
        obj = _iterator_next(iterator)
        if not obj:
            return devices
        try:
            devices.append(Device(obj))
        finally:
            _release(obj)


class Context:
    """The daemon (pyudev's Context): IOREG_BUS_ADDRESS, else the system bus; host= asks over ssh."""

    def __init__(self, host=None):
        if host:  # as `ioreg -H`: sd-bus's ssh transport, the address escaped as sd-bus does
            safe = "".join(c if c.isalnum() or c in "_-/." else "%%%02x" % ord(c) for c in host)
            os.environ["IOREG_BUS_ADDRESS"] = ("unixexec:path=ssh,argv1=-xT,argv2=--,argv3=" + safe +
                                               ",argv4=systemd-stdio-bridge")
        code = _check_daemon()
        if code != 0:
            raise IoregError(code, "ioregd is not reachable")

    def list_devices(self, class_name=None, name=None, **properties):
        """The matched services (IOServiceGetMatchingServices), by ascending ID."""
        it = _p()
        _check(_get_matching(_json_new(matching(class_name, name, properties)), ctypes.byref(it)),
               "ioreg_service_get_matching_services")
        if not it.value:
            return []
        try:
            return _drain(it.value)
        finally:
            _release(it.value)


class Monitor:
    """Live events (pyudev's Monitor), for services matching class_name/name/properties.

    existing: the devices there when it started (the replay, ended by libioreg).
    poll(timeout) → (action, Device) or None; iterating yields events forever;
    fileno() for a select() or a main loop of one's own."""

    def __init__(self, context, class_name=None, name=None, actions=("publish", "terminated"), **properties):
        self._port = _port_create()
        if not self._port:
            raise IoregError(13, "ioreg_notification_port_create")
        self._queue, self._iterators, self._callbacks = [], [], []
        self.existing = []
        for action in actions:
            cb = _MatchingCallback(lambda refcon, it, action=action: self._arrived(action, it))
            it = _p()
            _check(_add_matching(self._port, NOTIFICATIONS[action].encode(),
                                 _json_new(matching(class_name, name, properties)), cb, None, ctypes.byref(it)),
                   "ioreg_service_add_matching_notification")
            self._callbacks.append(cb)  # kept alive as long as libioreg may call it
            self._iterators.append(it.value)
            replay = _drain(it.value)  # arms it
            if action != "terminated":
                self.existing += [d for d in replay if d not in self.existing]

    def _arrived(self, action, iterator):
        if not _iterator_is_valid(iterator):
            _iterator_reset(iterator)  # overflow: the daemon queues the matches again
        self._queue += [(action, d) for d in _drain(iterator)]

    def fileno(self):
        return _port_fd(self._port)

    def poll(self, timeout=None):
        """The next event, waiting up to timeout seconds (None: for ever); None when none came."""
        while not self._queue:
            if not select.select([self], [], [], timeout)[0]:
                return None
            _check(_port_dispatch(self._port), "ioreg_notification_port_dispatch")
        return self._queue.pop(0)

    def __iter__(self):
        return iter(self.poll, None)

    def close(self):
        for it in self._iterators:
            _release(it)
        self._iterators = []
        if self._port:
            _port_destroy(self._port)
            self._port = None

    def __del__(self):
        self.close()


class MonitorObserver:
    """pyudev's MonitorObserver: callback(action, device) on a thread of its own, until stop()."""

    def __init__(self, monitor, callback):
        import threading
        self._monitor, self._callback, self._stop = monitor, callback, False
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop:
            event = self._monitor.poll(0.1)
            if event:
                self._callback(*event)

    def start(self):
        self._thread.start()

    def stop(self):
        self._stop = True
        self._thread.join()


# IOKit names, for code ported from macOS (dictionaries are Python dicts, entries Devices).
def IOServiceMatching(class_name):
    return matching(class_name=class_name)


def IOServiceNameMatching(name):
    return matching(name=name)


def IOServiceGetMatchingServices(matching_dict):
    it = _p()
    _check(_get_matching(_json_new(matching_dict), ctypes.byref(it)), "IOServiceGetMatchingServices")
    if not it.value:
        return []
    try:
        return _drain(it.value)
    finally:
        _release(it.value)


def IORegistryEntryCreateCFProperties(device):
    return dict(device.properties)
