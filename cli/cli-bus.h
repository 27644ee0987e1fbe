/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cli-bus.h: which bus the programs of cli/ ask, and what to tell the user
 * when ioregd cannot be reached there.
 */
#pragma once

/*
 * -H [user@]host[:port]: ask ioregd on another machine, through ssh and
 * systemd-stdio-bridge there, as `busctl -H` does (the same unixexec:
 * address sd_bus_open_system_remote() makes), by setting IOREG_BUS_ADDRESS
 * for libioreg. @return -EINVAL for an empty host or a bad port.
 */
int cli_set_remote_host(const char *host);

/*
 * After a failed call: says on stderr, prefixed with program, why ioregd
 * could not be asked (no bus, or no ioregd on it) and what to do about it.
 * @return 1 when it printed a reason, 0 when ioregd is there after all
 * (the failure was something else, for the caller to report).
 */
int cli_explain_unreachable(const char *program);
