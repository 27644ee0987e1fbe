/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * platform-info.h: reads the machine's identity for the platform expert from
 * DMI (/sys/class/dmi/id) or, where there is no DMI, the device tree
 * (/sys/firmware/devicetree/base).
 */
#pragma once

#include "platform-expert.h"

/* Reads what there is below sysfs_root; missing files are not an error. */
int platform_info_read(PlatformInfo *info, const char *sysfs_root);
