/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib-internal.h: what libioreg's files share and do not export. Only
 * symbols named ioreg_* leave the library (libioreg.sym), so internal
 * functions are named lib_* and public ones nothing but ioreg_*.
 */
#pragma once

#include <systemd/sd-bus.h>

#include "ioreg/ioreg.h"
#include "shared/macro.h"

/* The errno of a libc or sd-bus call as a return code. */
ioreg_return_t lib_return_from_errno(int r);
/* A failed method call: e's name when it is one we know, else r's errno. */
ioreg_return_t lib_return_from_bus_error(const sd_bus_error *e, int r);
