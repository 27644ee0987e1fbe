# SPDX-License-Identifier: LGPL-2.1-or-later
# build-aux/deps.sh: the Debian 12 packages the build, the tests and ./run need,
# and how to get them. Sourced by ./run, ./test and ./bench. The QEMU rig
# (tests/vm) boots linux-image-amd64 under qemu-system-x86 with a busybox-static
# initramfs, and runs systemd-udevd (udev), ip (iproute2) and modprobe (kmod) in the guest.
# libusb-1.0-0-dev: the FTDI example driver (examples/driver-ftdi, skipped without it).

IOREG_PACKAGES=(
        build-essential pkg-config meson ninja-build python3 usbutils
        libsystemd-dev libudev-dev libjansson-dev libcmocka-dev libplist-dev
        dbus-daemon dbus-broker umockdev libumockdev-dev scdoc libusb-1.0-0-dev
        usb.ids pci.ids
        qemu-system-x86 linux-image-amd64 busybox-static udev iproute2 kmod
        libusb-1.0-0-dev
)

# What only ./bench uses, and can do without: udevadm (Debian package udev, which the
# QEMU rig needs anyway), the peer of bench-ioreg and bench-registry; without it their
# udevadm rows say n/a or SKIP.
IOREG_BENCH_PACKAGES=(udev)

# Installs what is missing: with apt-get when root, else prints the exact command and fails.
ioreg_ensure_packages() {
        local missing=() p
        for p in "${IOREG_PACKAGES[@]}"; do
                dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
        done
        [ ${#missing[@]} -eq 0 ] && return 0
        if [ "$(id -u)" -eq 0 ]; then
                echo "Installing: ${missing[*]}" >&2
                export DEBIAN_FRONTEND=noninteractive
                apt-get update -qq >&2 && apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
                return
        fi
        echo "Missing packages. Install them with:" >&2
        echo "  sudo apt-get install -y ${missing[*]}" >&2
        return 1
}

# Configures (or reconfigures) a meson build directory: ioreg_setup DIR [meson options...]
ioreg_setup() {
        local dir=$1
        shift
        if [ -f "$dir/build.ninja" ]; then
                meson configure "$dir" "$@" >/dev/null
        else
                meson setup "$dir" "$@" >/dev/null
        fi
}

# Installs the optional packages that are missing (ioreg_offer_packages PKG...): with
# apt-get when root, else prints the exact command and carries on. udev's maintainer
# scripts start nothing in a container or a chroot.
ioreg_offer_packages() {
        local missing=() p
        for p in "$@"; do
                dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
        done
        [ ${#missing[@]} -eq 0 ] && return 0
        if [ "$(id -u)" -eq 0 ]; then
                echo "Installing (optional): ${missing[*]}" >&2
                export DEBIAN_FRONTEND=noninteractive
                apt-get update -qq >&2 && apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 && return 0
                echo "Could not install ${missing[*]}; the rows that need it are skipped." >&2
                return 0
        fi
        echo "Optional packages missing (the rows that need them are skipped). Install them with:" >&2
        echo "  sudo apt-get install -y ${missing[*]}" >&2
}

# Driver servers run as nobody when the daemon is root, and exec their programs from build/:
# a checkout in a private folder (mktemp -d makes 0700) is opened for search only (o+x, not
# read). An ancestor that still blocks them is named, since the driver tests would fail.
ioreg_open_for_drivers() {
        local dir
        [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null || return 0
        nobody_can_reach() { setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$1" 2>/dev/null; }
        nobody_can_reach "$PWD" && return 0
        chmod o+x "$PWD"
        echo "Note: opened $PWD for search by others (chmod o+x): driver servers run as nobody." >&2
        nobody_can_reach "$PWD" && return 0
        dir=$PWD
        while [ "$dir" != / ]; do
                dir=$(dirname "$dir")
                nobody_can_reach "$dir" || { echo "Warning: $dir is closed to others; driver servers (run as nobody) cannot reach build/ and the driver tests will fail." >&2; return 0; }
        done
}
