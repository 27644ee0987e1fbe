/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * platform-expert.h: the entries every registry starts with below Root: the
 * platform expert device (IOPlatformExpertDevice, the service-plane root,
 * named after the machine's model) and IOResources below it, as on a Mac.
 *
 * registry_publish_platform() is pure: the identity comes from
 * platform_info_read() (loaders/platform-info.h) or a test.
 */
#pragma once

#include "registry.h"

typedef struct PlatformInfo {
        char *model;        /* owned or NULL: DMI product_name, DT model */
        char *manufacturer; /* owned or NULL: DMI sys_vendor, DT compatible's vendor */
        char *serial;       /* owned or NULL: DMI product_serial, DT serial-number */
        char *uuid;         /* owned or NULL: DMI product_uuid */
        char *board_id;     /* owned or NULL: DMI board_name */
        char *version;      /* owned or NULL: DMI product_version */
        char *compatible;   /* owned or NULL: DT compatible (NUL-separated list) */
        size_t compatible_len;
        const char *source; /* static: "dmi", "device-tree" or NULL */
} PlatformInfo;

void platform_info_done(PlatformInfo *info);


/*
 * Defines IOPlatformExpertDevice and IOResources, creates both, attaches
 * the platform expert under Root (IOService and IODeviceTree planes) and
 * IOResources under it, registered and matched; then the power root domain
 * (registry_publish_root_domain()). *ret_platform and *ret_resources are
 * borrowed (either may be NULL).
 */
int registry_publish_platform(Registry *reg, const PlatformInfo *info, Entry **ret_platform,
                              Entry **ret_resources);

/*
 * IOPMrootDomain, the root of the power plane: where Apple has it, below the
 * platform expert in IOService (real dumps: a child of the platform expert
 * driver, which this registry does not have, so of the device) and directly
 * below Root in IOPower. Apple's IORootParent and IOPowerConnection entries
 * are not made (DESIGN.md, "Where this repository departs"). Idempotent: an
 * existing root domain is returned. *ret is borrowed and may be NULL.
 */
int registry_publish_root_domain(Registry *reg, Entry *platform, Entry **ret);
/* The root domain (borrowed), or NULL before it is published. */
Entry *registry_find_root_domain(const Registry *reg);
