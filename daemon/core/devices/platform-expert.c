/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* platform-expert.c: see platform-expert.h. */

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "platform-expert.h"

void platform_info_done(PlatformInfo *info) {
        free(info->model);
        free(info->manufacturer);
        free(info->serial);
        free(info->uuid);
        free(info->board_id);
        free(info->version);
        free(info->compatible);
        *info = (PlatformInfo) {};
}

/* Apple stores the device-tree identity as data with a trailing NUL: `<"Macmini8,1">`. */
static Value *dt_string(const char *s) {
        return value_new_data(s, strlen(s) + 1);
}

/* The `Linux` dictionary: what kernel this is and where the identity came from. */
static Value *linux_identity(const PlatformInfo *info) {
        _cleanup_value_ Value *d = value_new_dictionary();
        struct utsname u;

        if (!d || uname(&u) < 0)
                return NULL;
        if (value_dict_set_take(d, "SYSNAME", value_new_string(u.sysname)) < 0 ||
            value_dict_set_take(d, "RELEASE", value_new_string(u.release)) < 0 ||
            value_dict_set_take(d, "MACHINE", value_new_string(u.machine)) < 0)
                return NULL;
        if (info->source && value_dict_set_take(d, "IDENTITY SOURCE", value_new_string(info->source)) < 0)
                return NULL;
        return TAKE_PTR(d);
}

static int publish_platform_properties(Entry *pe, const PlatformInfo *info) {
        int r;

        r = entry_set_property_take(pe, "name", dt_string("/"));
        if (r >= 0 && info->model)
                r = entry_set_property_take(pe, "model", dt_string(info->model));
        if (r >= 0 && info->model)
                r = entry_set_property_take(pe, "product-name", dt_string(info->model));
        if (r >= 0 && info->manufacturer)
                r = entry_set_property_take(pe, "manufacturer", dt_string(info->manufacturer));
        if (r >= 0 && info->version)
                r = entry_set_property_take(pe, "version", dt_string(info->version));
        if (r >= 0 && info->board_id)
                r = entry_set_property_take(pe, "board-id", dt_string(info->board_id));
        if (r >= 0 && info->compatible) {
                /* A device-tree list ends with its own NUL: add one only if the file lacked it. */
                size_t len = info->compatible_len + (info->compatible[info->compatible_len - 1] != '\0');

                r = entry_set_property_take(pe, "compatible", value_new_data(info->compatible, len));
        } else if (r >= 0 && info->model)
                r = entry_set_property_take(pe, "compatible", dt_string(info->model));
        if (r >= 0 && info->serial) {
                r = entry_set_property_take(pe, "IOPlatformSerialNumber", value_new_string(info->serial));
                if (r >= 0)
                        r = entry_set_property_take(pe, "serial-number", dt_string(info->serial));
        }
        if (r >= 0 && info->uuid)
                r = entry_set_property_take(pe, "IOPlatformUUID", value_new_string(info->uuid));
        if (r >= 0)
                r = entry_set_property_take(pe, "Linux", linux_identity(info));
        return r;
}

#define PUBLISHED_STATE \
        (ENTRY_STATE_REGISTERED | ENTRY_STATE_MATCHED | ENTRY_STATE_FIRST_PUBLISH | ENTRY_STATE_FIRST_MATCH)

int registry_publish_platform(Registry *reg, const PlatformInfo *info, Entry **ret_platform,
                              Entry **ret_resources) {
        Entry *pe = NULL, *res = NULL;
        int r;

        assert(reg && info);
        r = class_table_define(reg->classes, "IOPlatformExpertDevice", "IOService", NULL);
        if (r < 0)
                return r;
        r = class_table_define(reg->classes, "IOResources", "IOService", NULL);
        if (r < 0)
                return r;

        r = registry_create_entry(reg, "IOPlatformExpertDevice", &pe);
        if (r < 0)
                return r;
        if (info->model)
                r = entry_set_name(pe, NULL, info->model);
        if (r >= 0)
                r = entry_set_name(pe, reg->device_tree_plane, "device-tree");
        if (r >= 0)
                r = publish_platform_properties(pe, info);
        if (r >= 0)
                r = entry_attach(pe, reg->root, reg->service_plane);
        if (r >= 0)
                r = entry_attach(pe, reg->root, reg->device_tree_plane);
        if (r < 0)
                goto fail;
        entry_set_state(pe, PUBLISHED_STATE, 0);

        r = registry_create_entry(reg, "IOResources", &res);
        if (r < 0)
                goto fail;
        /* "IOKit" is the resource every IOResourceMatch on IOKit itself waits for. */
        r = entry_set_property_take(res, "IOKit", value_new_string("IOService"));
        if (r >= 0)
                r = entry_attach(res, pe, reg->service_plane);
        if (r < 0)
                goto fail;
        entry_set_state(res, PUBLISHED_STATE, 0);

        r = registry_publish_root_domain(reg, pe, NULL);
        if (r < 0)
                goto fail;

        if (ret_platform)
                *ret_platform = pe;
        if (ret_resources)
                *ret_resources = res;
        return 0;
fail:
        if (res) {
                Entry *const *children;
                unsigned n;

                /* The root domain, if it was made, is IOResources' sibling. */
                while ((children = entry_get_children(pe, reg->service_plane, &n)) && n > 0)
                        registry_remove_entry(reg, children[n - 1]);
        }
        if (pe)
                registry_remove_entry(reg, pe);
        return r;
}

Entry *registry_find_root_domain(const Registry *reg) {
        Entry *const *children;
        unsigned n;

        assert(reg);
        children = entry_get_children(reg->root, reg->power_plane, &n);
        for (unsigned i = 0; i < n; i++)
                if (entry_conforms_to(children[i], "IOPMrootDomain"))
                        return children[i];
        return NULL;
}

int registry_publish_root_domain(Registry *reg, Entry *platform, Entry **ret) {
        Entry *rd;
        int r;

        assert(reg && platform);
        rd = registry_find_root_domain(reg);
        if (rd) {
                if (ret)
                        *ret = rd;
                return 0;
        }
        r = class_table_define(reg->classes, "IOPMrootDomain", "IOService", NULL);
        if (r < 0)
                return r;
        r = registry_create_entry(reg, "IOPMrootDomain", &rd);
        if (r < 0)
                return r;
        /* Apple: below the platform expert in IOService, the top of the IOPower plane. */
        r = entry_attach(rd, platform, reg->service_plane);
        if (r >= 0)
                r = entry_attach(rd, reg->root, reg->power_plane);
        if (r < 0) {
                registry_remove_entry(reg, rd);
                return r;
        }
        entry_set_state(rd, PUBLISHED_STATE, 0);
        if (ret)
                *ret = rd;
        return 0;
}
