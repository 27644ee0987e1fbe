/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* personality-check.c: see personality-check.h. */

#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "personality-check.h"

typedef enum Want {
        WANT_STRING,
        WANT_INTEGER,
        WANT_SCORE,       /* an integer that fits IOProbeScore's signed 32 bits */
        WANT_DICTIONARY,
        WANT_STRINGS,     /* a string, or an array of strings (any one of them) */
        WANT_DICTIONARIES, /* a dictionary, or an array of dictionaries (any one of them) */
        WANT_STRING_OR_DICTIONARY,
        WANT_BOOLEAN,
} Want;

/* The keys xnu's matchInternal/matchPassive and the catalogue read, and their types. */
static const struct {
        const char *key;
        Want want;
} rules[] = {
        { "IOProviderClass", WANT_STRING },
        { "IOClass", WANT_STRING },
        { "IOMatchCategory", WANT_STRING },
        { "IOProbeScore", WANT_SCORE },
        { "IONameMatch", WANT_STRINGS },
        { "IOPropertyMatch", WANT_DICTIONARIES },
        { "IOPropertyExistsMatch", WANT_STRINGS },
        { "IOResourceMatch", WANT_STRINGS },
        { "IOParentMatch", WANT_DICTIONARY },
        { "IOLocationMatch", WANT_STRING_OR_DICTIONARY },
        { "IOPathMatch", WANT_STRING },
        { "IORegistryEntryID", WANT_INTEGER },
        { "IOMatchedServiceCountMatch", WANT_INTEGER },
        { "IOProviderMergeProperties", WANT_DICTIONARY },
        { "IOUserClientClass", WANT_STRING },
        { "IOUserClass", WANT_STRING },
        { "IOUserServerName", WANT_STRING },
        { "IOUserServerReplacesKernelDriver", WANT_BOOLEAN }, /* ioregd's (matcher.h, kernel drivers) */
        { "IOKitDebug", WANT_INTEGER },
        { "IOPCIMatch", WANT_STRING },
        { "IOPCIPrimaryMatch", WANT_STRING },
        { "IOPCISecondaryMatch", WANT_STRING },
        { "IOPCIClassMatch", WANT_STRING },
        { "CFBundleIdentifier", WANT_STRING },
};

const char *personality_type_phrase(ValueType t) {
        switch (t) {
        case VALUE_STRING:
                return "a string";
        case VALUE_NUMBER:
                return "an integer";
        case VALUE_BOOLEAN:
                return "a boolean";
        case VALUE_DATA:
                return "data";
        case VALUE_ARRAY:
                return "an array";
        case VALUE_DICTIONARY:
                return "a dictionary";
        default:
                return "an unknown type";
        }
}

static int fail(char **ret_message, const char *format, ...) _printf_(2, 3);
static int fail(char **ret_message, const char *format, ...) {
        va_list ap;
        int r;

        va_start(ap, format);
        r = vasprintf(ret_message, format, ap);
        va_end(ap);
        if (r < 0) {
                *ret_message = NULL;
                return -ENOMEM;
        }
        return -EINVAL;
}

/* An array whose items all have type t, or the first one that has not. */
static int check_array_of(const Value *a, ValueType t, const char *expected, char **ret_message) {
        for (size_t i = 0; i < value_array_size(a); i++) {
                ValueType it = value_type(value_array_get(a, i));

                if (it != t)
                        return fail(ret_message, "expected %s, got an array holding %s at [%zu]",
                                    expected, personality_type_phrase(it), i);
        }
        return 0;
}

static int check_one(const Value *v, Want want, char **ret_message) {
        ValueType t = value_type(v);
        const char *got = personality_type_phrase(t);
        const char *expected;

        switch (want) {
        case WANT_STRING:
                return t == VALUE_STRING ? 0 : fail(ret_message, "expected a string, got %s", got);
        case WANT_INTEGER:
                return t == VALUE_NUMBER ? 0 : fail(ret_message, "expected an integer, got %s", got);
        case WANT_SCORE:
                if (t != VALUE_NUMBER)
                        return fail(ret_message, "expected an integer, got %s", got);
                if (value_number_is_signed(v) ? value_signed(v) < INT32_MIN || value_signed(v) > INT32_MAX
                                              : value_unsigned(v) > INT32_MAX) {
                        if (value_number_is_signed(v))
                                return fail(ret_message, "%" PRIi64 " is out of range (a signed 32-bit score)",
                                            value_signed(v));
                        return fail(ret_message, "%" PRIu64 " is out of range (a signed 32-bit score)",
                                    value_unsigned(v));
                }
                return 0;
        case WANT_DICTIONARY:
                return t == VALUE_DICTIONARY ? 0 : fail(ret_message, "expected a dictionary, got %s", got);
        case WANT_STRINGS:
                expected = "a string or an array of strings";
                if (t == VALUE_STRING)
                        return 0;
                if (t == VALUE_ARRAY)
                        return check_array_of(v, VALUE_STRING, expected, ret_message);
                return fail(ret_message, "expected %s, got %s", expected, got);
        case WANT_DICTIONARIES:
                expected = "a dictionary or an array of dictionaries";
                if (t == VALUE_DICTIONARY)
                        return 0;
                if (t == VALUE_ARRAY)
                        return check_array_of(v, VALUE_DICTIONARY, expected, ret_message);
                return fail(ret_message, "expected %s, got %s", expected, got);
        case WANT_STRING_OR_DICTIONARY:
                if (t == VALUE_STRING || t == VALUE_DICTIONARY)
                        return 0;
                return fail(ret_message, "expected a string or a dictionary, got %s", got);
        case WANT_BOOLEAN:
                return t == VALUE_BOOLEAN ? 0 : fail(ret_message, "expected a boolean, got %s", got);
        }
        assert(!"unreachable");
        return -EINVAL;
}

int personality_check(const Value *dict, const char **ret_key, char **ret_message) {
        int r;

        assert(dict && ret_key && ret_message);
        assert(value_type(dict) == VALUE_DICTIONARY);

        /* A started driver's entry copies it: it must stay what the bus can carry (value.h). */
        if (value_nesting(dict, VALUE_MAX_NESTING + 1) > VALUE_MAX_NESTING + 1) {
                *ret_key = NULL;
                return fail(ret_message, "nested deeper than %u levels (more than D-Bus carries)",
                            VALUE_MAX_NESTING + 1);
        }
        /* Without a provider class the catalogue has nowhere to file it, and nothing matches it. */
        if (!value_dict_get(dict, "IOProviderClass")) {
                *ret_key = "IOProviderClass";
                return fail(ret_message, "missing");
        }
        for (size_t i = 0; i < ELEMENTSOF(rules); i++) {
                const Value *v = value_dict_get(dict, rules[i].key);

                if (!v)
                        continue;
                r = check_one(v, rules[i].want, ret_message);
                if (r < 0) {
                        *ret_key = rules[i].key;
                        return r;
                }
        }
        return 0;
}
