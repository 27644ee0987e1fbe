# SPDX-License-Identifier: LGPL-2.1-or-later
"""The guest side of the QEMU rig: the host channel, the guest system, the daemon under test."""
