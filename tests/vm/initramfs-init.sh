#!/bin/busybox sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# /init of the rig's initramfs (vm-run.py packs it with busybox-static and the
# 9p modules): mounts the host root, shared read-only over virtio-9p, with
# tmpfs on /tmp and /run, and hands over to guest.py there.
/bin/busybox mkdir -p /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev

if grep -q ioreg_vm_probe=1 /proc/cmdline; then
        echo IOREG-VM-PROBE-OK
        poweroff -f
fi

for m in $(cat /modules); do
        insmod "/lib/$m" || echo "initramfs: insmod $m failed"
done
# The 9p device may be probed after insmod returns.
for _ in $(seq 50); do
        mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=512000 root /newroot && break
        sleep 0.1
done
grep -q " /newroot " /proc/mounts || { echo "initramfs: cannot mount the host root"; poweroff -f; }
mount -t tmpfs -o mode=1777 tmpfs /newroot/tmp
mount -t tmpfs -o mode=755 tmpfs /newroot/run
# The source tree, then the build tree (often inside it), at the host's paths: under /tmp they
# would be hidden by the tmpfs above.
for share in src build; do
        eval "dir=\$ioreg_vm_$share"
        mkdir -p "/newroot$dir" 2>/dev/null
        mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=512000 "$share" "/newroot$dir" ||
                { echo "initramfs: cannot mount the $share tree at $dir"; poweroff -f; }
done
mount --move /dev /newroot/dev
mount --move /proc /newroot/proc
mount --move /sys /newroot/sys
# The kernel hands unknown name=value parameters (ours: ioreg_vm_*) to init as environment.
exec switch_root /newroot /bin/sh -c \
        'python3 "$ioreg_vm_src/tests/vm/guest.py"; sync; echo o > /proc/sysrq-trigger; sleep 30'
