/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* value.c: ioreg/value.h — data bytes, width-checked numbers and release for the JSON form (json-form.h). */

#include <errno.h>
#include <ioreg/value.h>

#include "json-form.h"
#include "lib-internal.h"

ioreg_return_t ioreg_json_copy_data(const json_t *v, uint8_t **ret, size_t *ret_len) {
        uint8_t *bytes;
        size_t len;
        int r;

        if (!ret || !ret_len || json_form_type((json_t *) v) != JSON_FORM_DATA)
                return IOREG_RETURN_BAD_ARGUMENT;
        r = json_form_get_data((json_t *) v, &bytes, &len);
        if (r < 0)
                return lib_return_from_errno(r);
        *ret = bytes; /* the caller's */
        *ret_len = len;
        return IOREG_RETURN_SUCCESS;
}

json_t *ioreg_json_data_new(const void *bytes, size_t len) {
        json_t *v;

        if (!bytes && len > 0) {
                errno = EINVAL;
                return NULL;
        }
        v = json_form_data(bytes, len);
        if (!v)
                errno = ENOMEM;
        return v;
}

/* The value of a number as unsigned (false for a negative one or a non-number). */
static bool get_unsigned(const json_t *v, uint64_t *ret) {
        return json_form_get_unsigned((json_t *) v, ret) >= 0;
}

static ioreg_return_t get_unsigned_max(const json_t *v, uint64_t max, uint64_t *ret) {
        uint64_t u;

        if (!get_unsigned(v, &u) || u > max)
                return IOREG_RETURN_BAD_ARGUMENT;
        *ret = u;
        return IOREG_RETURN_SUCCESS;
}

#define DEFINE_GET_UNSIGNED(name, type, max)                                    \
        ioreg_return_t name(const json_t *v, type *ret) {                       \
                uint64_t u;                                                     \
                ioreg_return_t r;                                               \
                                                                                \
                if (!ret)                                                       \
                        return IOREG_RETURN_BAD_ARGUMENT;                       \
                r = get_unsigned_max(v, (max), &u);                             \
                if (r == IOREG_RETURN_SUCCESS)                                  \
                        *ret = (type) u;                                        \
                return r;                                                       \
        }

DEFINE_GET_UNSIGNED(ioreg_json_get_u8, uint8_t, UINT8_MAX)
DEFINE_GET_UNSIGNED(ioreg_json_get_u16, uint16_t, UINT16_MAX)
DEFINE_GET_UNSIGNED(ioreg_json_get_u32, uint32_t, UINT32_MAX)
DEFINE_GET_UNSIGNED(ioreg_json_get_u64, uint64_t, UINT64_MAX)

ioreg_return_t ioreg_json_get_i64(const json_t *v, int64_t *ret) {
        uint64_t u;

        if (!ret)
                return IOREG_RETURN_BAD_ARGUMENT;
        if (json_is_integer(v)) {
                *ret = json_integer_value(v);
                return IOREG_RETURN_SUCCESS;
        }
        /* {"$unsigned"} is above INT64_MAX by the form's rule; a hand-written small one still fits. */
        if (get_unsigned_max(v, INT64_MAX, &u) != IOREG_RETURN_SUCCESS)
                return IOREG_RETURN_BAD_ARGUMENT;
        *ret = (int64_t) u;
        return IOREG_RETURN_SUCCESS;
}

void ioreg_json_release(json_t *v) {
        json_decref(v);
}
