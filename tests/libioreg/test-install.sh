#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# `meson install --destdir` puts the library, its headers and libioreg.pc in
# place; an example builds out of the tree with `pkg-config --cflags --libs
# libioreg` alone and links against the installed library. The public
# headers also compile as C99 with -pedantic and as C++.
set -eu
build=$1
src=$2
dest=$(mktemp -d /tmp/libioreg-install-XXXXXX)
trap 'rm -rf "$dest"' EXIT
meson install -C "$build" --destdir "$dest" --no-rebuild --quiet >/dev/null
pc=$(find "$dest" -name libioreg.pc | head -n1)
[ -n "$pc" ] || { echo "no libioreg.pc installed"; exit 1; }
prefix=$(sed -n 's/^prefix=//p' "$pc")
export PKG_CONFIG_PATH=$(dirname "$pc")
export PKG_CONFIG_SYSROOT_DIR=$dest
flags=$(pkg-config --cflags --libs libioreg)
echo "pkg-config: $flags"
[ -f "$dest$prefix/include/ioreg/ioreg.h" ] || { echo "headers not installed"; exit 1; }
cc -o "$dest/list-usb-devices" "$src/examples/list-usb-devices.c" $flags
libdir=$(pkg-config --libs-only-L libioreg | tr ' ' '\n' | sed -n 's/^-L//p' | head -n1)
LD_LIBRARY_PATH=$libdir ldd "$dest/list-usb-devices" | grep -q "$dest.*libioreg.so.0" ||
        { echo "the example does not link the installed library"; ldd "$dest/list-usb-devices"; exit 1; }
# ioreg.h and the header it leaves out (iokit-compat.h), each used once.
printf '%s\n' '#include <ioreg/ioreg.h>' '#include <ioreg/iokit-compat.h>' \
        'int main(void) { uint8_t b = 0; json_t *v = ioreg_json_data_new(&b, 1); ioreg_json_release(v);' \
        '  return ioreg_return_to_iokit(IOREG_RETURN_SUCCESS) != kIOReturnSuccess || kUSBVendorID[0] != 0x69; }' \
        > "$dest/c99.c"
cc -std=c99 -pedantic -Werror -c -o "$dest/c99.o" "$dest/c99.c" $(pkg-config --cflags libioreg)
if command -v c++ >/dev/null; then
        cp "$dest/c99.c" "$dest/cxx.cc"
        c++ -Werror -c -o "$dest/cxx.o" "$dest/cxx.cc" $(pkg-config --cflags libioreg)
fi
echo "installed tree builds"
