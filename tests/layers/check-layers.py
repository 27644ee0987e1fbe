#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""check-layers.py SRCDIR: the layer rule, checked on every #include.

Each folder below is a layer; a file may include headers of its own folder
and of the folders its layer lists, nothing else. The pure core may not
include sd-bus, sd-event, libudev, libplist, or the file-system headers.
A header is found by its name (the build puts each layer's folder on the
include path of the layers above it, and no other).
"""
import os
import re
import sys

# folder -> folders whose headers it may include (besides its own)
COMMON = ['common/util']
RULES = {
    'common/util': [],
    'common/value': ['common/util'],
    'common/wire': ['common/util'],
    'daemon/core/registry': COMMON + ['common/value', 'common/wire:protocol.h'],
    'daemon/core/matching': COMMON + ['common/value', 'common/wire:protocol.h', 'daemon/core/registry'],
    'daemon/core/notify': COMMON + ['common/value', 'common/wire:protocol.h', 'daemon/core/registry',
                                    'daemon/core/matching'],
    'daemon/core/devices': COMMON + ['common/value', 'common/wire:protocol.h', 'daemon/core/registry'],
    'daemon/loaders': COMMON + ['common/value', 'common/wire:protocol.h', 'daemon/core/registry',
                                'daemon/core/matching', 'daemon/core/devices'],
    'daemon/sources': COMMON + ['common/value', 'common/wire:protocol.h', 'daemon/core/registry',
                                'daemon/core/devices'],
    # The driver host: the matcher's seam and the registry; of the loaders only the trust check.
    'daemon/drivers': COMMON + ['common/value', 'common/wire:protocol.h', 'daemon/core/registry',
                                'daemon/core/matching', 'daemon/loaders:trust.h'],
    'daemon/bus': COMMON + ['common/value', 'common/wire', 'daemon/core/registry', 'daemon/core/matching',
                            'daemon/core/notify', 'daemon/core/devices', 'daemon/loaders', 'daemon/drivers'],
    'daemon': COMMON + ['common/value', 'common/wire', 'daemon/core/registry', 'daemon/core/matching',
                        'daemon/core/notify', 'daemon/core/devices', 'daemon/loaders', 'daemon/sources',
                        'daemon/drivers', 'daemon/bus'],
    # The client library: the wire and the utilities, never daemon code, nor the daemon's
    # Value (its symbol table is process-wide and unlocked: libioreg decodes into json_t).
    'libioreg': COMMON + ['common/wire'],
    # The CLI: a libioreg client (its public <ioreg/*.h> only), plus the registry and the
    # snapshot loader for --from. It reads the JSON form, never the bus (no wire-json.h, no
    # bus-client.h); of the value model only what turns a saved registry's Values into that
    # form, and the MacRoman names ioreg prints.
    'cli': COMMON + ['common/wire:json-form.h', 'common/wire:protocol.h', 'common/value:value-json.h',
                     'common/value:macroman.h', 'daemon/core/registry', 'daemon/loaders:snapshot.h',
                     # ioreg --from --personalities --explain: the matcher's prediction in process.
                     'daemon/core/matching', 'daemon/loaders:personality-dirs.h',
                     'daemon/loaders:personality-file.h'],
}
# System headers the pure core must not see: it takes no I/O and no bus.
CORE_FORBIDDEN = re.compile(r'^(systemd/|libudev\.h|plist/|dirent\.h|fcntl\.h|sys/stat\.h|sys/socket\.h)')

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)


def layer_of(path):
    d = os.path.dirname(path)
    while d and d not in RULES:
        d = os.path.dirname(d)
    return d or None


def main():
    src = sys.argv[1]
    os.chdir(src)
    headers = {}  # name -> folder
    files = []
    for folder in RULES:
        for name in sorted(os.listdir(folder)):
            p = os.path.join(folder, name)
            if not os.path.isfile(p) or not name.endswith(('.c', '.h')):
                continue
            files.append(p)
            if name.endswith('.h'):
                if name in headers and headers[name] != folder:
                    print(f'{p}: header name also in {headers[name]}: names must be unique across layers')
                    return 1
                headers[name] = folder
    # libioreg's public headers live in libioreg/include/ioreg/.
    errors = []
    for p in files:
        layer = layer_of(p)
        allowed = {layer}
        only = {}
        for a in RULES[layer]:
            if ':' in a:
                folder, h = a.split(':')
                only.setdefault(folder, set()).add(h)
            else:
                allowed.add(a)
        text = open(p, encoding='utf-8').read()
        for m in INCLUDE.finditer(text):
            kind, name = m.groups()
            line = text.count('\n', 0, m.start()) + 1
            if kind == '<':
                if layer.startswith('daemon/core/') and CORE_FORBIDDEN.match(name):
                    errors.append(f'{p}:{line}: the pure core includes <{name}>')
                continue
            if name.startswith('ioreg/'):
                if layer not in ('libioreg', 'cli'):
                    errors.append(f'{p}:{line}: "{name}" is libioreg\'s; {layer} may not include it')
                continue
            folder = headers.get(os.path.basename(name))
            if folder is None:
                if not os.path.exists(os.path.join(os.path.dirname(p), name)):
                    errors.append(f'{p}:{line}: "{name}" is in no layer')
                continue
            if folder in allowed or os.path.basename(name) in only.get(folder, ()):
                continue
            errors.append(f'{p}:{line}: {layer} includes "{name}" of {folder}, which is not below it')
    for e in errors:
        print(e)
    print(f'{len(files)} files in {len(RULES)} layers checked, {len(errors)} crossing the rule')
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
