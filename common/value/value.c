/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* value.c: see value.h. */

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "hashmap.h"
#include "symbol.h"
#include "utf8.h"
#include "value.h"

/*
 * Dictionaries up to this size are scanned; bigger ones get a hash index.
 * Keys are interned, so a scan compares pointers, and the keys lie apart
 * from the values (see dict_values()): 32 keys are four cache lines.
 * Property tables hold 10 to 40 keys; an index for 20 costs 80 bytes.
 */
#define DICT_SCAN_MAX 32

/*
 * Slots hold item index + 1 (0 = empty): one byte each while n_slots is at
 * most DICT_INDEX_SMALL (the index is at most half full, so item + 1 <= 128
 * fits), four bytes beyond. A 40-key table then needs 128 bytes of index,
 * not 512.
 */
#define DICT_INDEX_SMALL 256u

typedef struct DictIndex {
        uint32_t n_slots; /* power of two */
        uint32_t slots[]; /* read and written through index_get() and index_set() */
} DictIndex;

struct Value {
        uint32_t n_ref;
        uint8_t type;
        uint8_t bits;      /* numbers: 8, 16, 32, 64 */
        uint8_t is_signed; /* numbers */
        uint8_t utf8;      /* strings: UTF-8 without an inner NUL (value_string_is_utf8()) */
        union {
                uint64_t u; /* numbers too wide to be immediate: the value, sign-extended when signed */
                struct {
                        uint32_t len;
                        char bytes[]; /* strings (NUL-terminated) and data */
                } buf;
                struct {
                        Value **items; /* owned references */
                        uint32_t n, cap;
                } array;
                struct {
                        Symbol **keys; /* owned block: cap keys (owned references), then cap values */
                        uint32_t n, cap;
                } dict; /* the index follows the Value: see DictValue */
        };
};

/*
 * A dictionary is allocated as a DictValue: its index pointer lives after
 * the Value rather than in the union, so that sizeof(Value) is 24 bytes
 * and a number or boolean fits malloc's 32-byte chunk (48 otherwise).
 */
typedef struct DictValue {
        Value value;
        DictIndex *index; /* owned, NULL while small */
} DictValue;

/* The values (owned references), in the keys' block after its cap keys. */
static Value **dict_values(const Value *d) {
        return (Value **) (d->dict.keys + d->dict.cap);
}

static DictIndex *dict_index(const Value *d) {
        return ((const DictValue *) d)->index;
}

static void dict_set_index(Value *d, DictIndex *ix) {
        ((DictValue *) d)->index = ix;
}

/*
 * Immediate scalars: every boolean, and every number whose value fits in the
 * pointer's upper bits, lives in the Value pointer itself, as CoreFoundation
 * keeps small NSNumbers in tagged pointers. Bit 0 is set (malloc's pointers
 * are aligned, so no object has it); bit 1: boolean, else number; bits 2-3:
 * the width (8 << n bits); bit 4: signed; bits 5 up: the value, sign-extended
 * when signed (a boolean's in bit 5). Nothing is allocated and nothing is
 * counted: value_ref() and value_unref() leave them alone, and only this file
 * ever looks inside a Value. Most of an entry's properties are numbers and
 * booleans: a 32-byte malloc chunk each otherwise.
 */
#define IMM_TAG ((uintptr_t) 0x1)
#define IMM_BOOLEAN ((uintptr_t) 0x2)
#define IMM_WIDTH_SHIFT 2
#define IMM_SIGNED ((uintptr_t) 0x10)
#define IMM_SHIFT 5
#define IMM_PAYLOAD_BITS (sizeof(uintptr_t) * 8 - IMM_SHIFT)

static bool is_imm(const Value *v) {
        return ((uintptr_t) v & IMM_TAG) != 0;
}

static uintptr_t imm_word(const Value *v) {
        return (uintptr_t) v;
}

static Value *imm_value(uintptr_t w) {
        return (Value *) w;
}

static unsigned width_code(unsigned bits) {
        return bits == 8 ? 0 : bits == 16 ? 1 : bits == 32 ? 2 : 3;
}

/* The immediate for a number of these (normalized) bits, or NULL when it does not fit. */
static Value *imm_number(uint64_t u, unsigned bits, bool is_signed) {
        uintptr_t w = IMM_TAG | (uintptr_t) width_code(bits) << IMM_WIDTH_SHIFT | (is_signed ? IMM_SIGNED : 0);

        if (is_signed) {
                int64_t i = (int64_t) u, lo = -(INT64_C(1) << (IMM_PAYLOAD_BITS - 1));

                if (i < lo || i > -(lo + 1))
                        return NULL;
        } else if (u >> IMM_PAYLOAD_BITS != 0)
                return NULL;
        return imm_value(w | (uintptr_t) u << IMM_SHIFT);
}

static uint64_t imm_number_value(const Value *v) {
        if (imm_word(v) & IMM_SIGNED)
                return (uint64_t) (int64_t) ((intptr_t) imm_word(v) >> IMM_SHIFT); /* arithmetic: sign-extends */
        return imm_word(v) >> IMM_SHIFT;
}

static unsigned imm_bits(const Value *v) {
        return 8u << ((imm_word(v) >> IMM_WIDTH_SHIFT) & 0x3);
}

/*
 * Strings and data: the bytes start inside the union, so they need
 * sizeof(Value) only while short, and 12 bytes less than sizeof(Value) +
 * len + 1 beyond. Never less than a whole Value.
 */
static size_t value_buf_size(size_t len) {
        size_t n = offsetof(Value, buf.bytes) + len + 1;

        return n > sizeof(Value) ? n : sizeof(Value);
}

static Value *value_alloc(ValueType type, size_t size) {
        Value *v = calloc(1, size);

        if (!v)
                return NULL;
        v->n_ref = 1;
        v->type = type;
        return v;
}

_hot_ Value *value_new_string_len(const char *s, size_t len) {
        Value *v;

        if (len > UINT32_MAX - 1)
                return NULL;
        v = value_alloc(VALUE_STRING, value_buf_size(len));
        if (!v)
                return NULL;
        v->buf.len = len;
        memcpy(v->buf.bytes, s, len);
        v->buf.bytes[len] = '\0';
        v->utf8 = !memchr(s, 0, len) && utf8_is_valid(s, len);
        return v;
}

_hot_ Value *value_new_string(const char *s) {
        return s ? value_new_string_len(s, strlen(s)) : NULL;
}

static unsigned normalize_bits(unsigned bits) {
        return bits <= 8 ? 8 : bits <= 16 ? 16 : bits <= 32 ? 32 : 64;
}

/* A number already cut to its width (bits normalised): an immediate when it fits, else allocated. */
static Value *number_new(uint64_t u, unsigned bits, bool is_signed) {
        Value *v = imm_number(u, bits, is_signed);

        if (v)
                return v;
        v = value_alloc(VALUE_NUMBER, sizeof(Value));
        if (!v)
                return NULL;
        v->bits = bits;
        v->is_signed = is_signed;
        v->u = u;
        return v;
}

Value *value_new_unsigned(uint64_t u, unsigned bits) {
        bits = normalize_bits(bits);
        if (bits < 64)
                u &= (UINT64_C(1) << bits) - 1;
        return number_new(u, bits, false);
}

Value *value_new_signed(int64_t i, unsigned bits) {
        bits = normalize_bits(bits);
        if (bits < 64) {
                /* Keep the value in range for its width, sign-extended. */
                unsigned shift = 64 - bits;
                i = (int64_t) ((uint64_t) i << shift) >> shift;
        }
        return number_new((uint64_t) i, bits, true);
}

Value *value_new_boolean(bool b) {
        return imm_value(IMM_TAG | IMM_BOOLEAN | (b ? (uintptr_t) 1 << IMM_SHIFT : 0));
}

Value *value_new_data(const void *p, size_t len) {
        Value *v;

        if (len > UINT32_MAX - 1)
                return NULL;
        v = value_alloc(VALUE_DATA, value_buf_size(len));
        if (!v)
                return NULL;
        v->buf.len = len;
        if (len)
                memcpy(v->buf.bytes, p, len);
        return v;
}

Value *value_new_array(void) {
        return value_alloc(VALUE_ARRAY, sizeof(Value));
}

_hot_ Value *value_new_dictionary(void) {
        return value_alloc(VALUE_DICTIONARY, sizeof(DictValue));
}

Value *value_ref(Value *v) {
        if (v && !is_imm(v)) {
                assert(v->n_ref > 0);
                v->n_ref++;
        }
        return v;
}

_hot_ Value *value_unref(Value *v) {
        if (!v || is_imm(v))
                return NULL;
        assert(v->n_ref > 0);
        if (--v->n_ref > 0)
                return NULL;
        switch (v->type) {
        case VALUE_ARRAY:
                for (uint32_t i = 0; i < v->array.n; i++)
                        value_unref(v->array.items[i]);
                free(v->array.items);
                break;
        case VALUE_DICTIONARY:
                for (uint32_t i = 0; i < v->dict.n; i++) {
                        symbol_unref(v->dict.keys[i]);
                        value_unref(dict_values(v)[i]);
                }
                free(v->dict.keys);
                free(dict_index(v));
                break;
        default:
                break;
        }
        free(v);
        return NULL;
}

_hot_ ValueType value_type(const Value *v) {
        if (!v)
                return _VALUE_TYPE_INVALID;
        if (is_imm(v))
                return imm_word(v) & IMM_BOOLEAN ? VALUE_BOOLEAN : VALUE_NUMBER;
        return (ValueType) v->type;
}

const char *value_type_to_string(ValueType t) {
        static const char *const names[_VALUE_TYPE_MAX] = {
                [VALUE_STRING] = "string",   [VALUE_NUMBER] = "number", [VALUE_BOOLEAN] = "boolean",
                [VALUE_DATA] = "data",       [VALUE_ARRAY] = "array",   [VALUE_DICTIONARY] = "dictionary",
        };

        return t >= 0 && t < _VALUE_TYPE_MAX ? names[t] : NULL;
}

_hot_ const char *value_string(const Value *v, size_t *ret_len) {
        if (value_type(v) != VALUE_STRING)
                return NULL;
        if (ret_len)
                *ret_len = v->buf.len;
        return v->buf.bytes;
}

bool value_string_is_utf8(const Value *v) {
        return value_type(v) == VALUE_STRING && v->utf8;
}

bool value_number_is_signed(const Value *v) {
        if (value_type(v) != VALUE_NUMBER)
                return false;
        return is_imm(v) ? (imm_word(v) & IMM_SIGNED) != 0 : v->is_signed;
}

unsigned value_number_bits(const Value *v) {
        if (value_type(v) != VALUE_NUMBER)
                return 0;
        return is_imm(v) ? imm_bits(v) : v->bits;
}

uint64_t value_unsigned(const Value *v) {
        if (value_type(v) != VALUE_NUMBER)
                return 0;
        return is_imm(v) ? imm_number_value(v) : v->u;
}

int64_t value_signed(const Value *v) {
        return (int64_t) value_unsigned(v);
}

bool value_boolean(const Value *v) {
        return value_type(v) == VALUE_BOOLEAN && (imm_word(v) >> IMM_SHIFT) != 0;
}

const uint8_t *value_data(const Value *v, size_t *ret_len) {
        if (value_type(v) != VALUE_DATA)
                return NULL;
        if (ret_len)
                *ret_len = v->buf.len;
        return (const uint8_t *) v->buf.bytes;
}

size_t value_array_size(const Value *a) {
        return value_type(a) == VALUE_ARRAY ? a->array.n : 0;
}

Value *value_array_get(const Value *a, size_t i) {
        if (value_type(a) != VALUE_ARRAY || i >= a->array.n)
                return NULL;
        return a->array.items[i];
}

int value_array_append_take(Value *a, Value *item) {
        int r;

        if (!item)
                return -ENOMEM;
        if (value_type(a) != VALUE_ARRAY || a == item) {
                value_unref(item);
                return -EINVAL;
        }
        r = GROW(a->array.items, a->array.cap, a->array.n + 1);
        if (r < 0) {
                value_unref(item);
                return r;
        }
        a->array.items[a->array.n++] = item;
        return 0;
}

int value_array_append(Value *a, Value *item) {
        return value_array_append_take(a, value_ref(item));
}

/* --- dictionaries --- */

static uint32_t symbol_slot(const Symbol *s, uint32_t mask) {
        return (uint32_t) hash_bytes(&s, sizeof(s)) & mask;
}

static size_t index_size(uint32_t n_slots) {
        size_t slot = n_slots <= DICT_INDEX_SMALL ? sizeof(uint8_t) : sizeof(uint32_t);

        return sizeof(DictIndex) + n_slots * slot;
}

static uint32_t index_get(const DictIndex *ix, uint32_t i) {
        if (ix->n_slots <= DICT_INDEX_SMALL)
                return ((const uint8_t *) ix->slots)[i];
        return ix->slots[i];
}

static void index_set(DictIndex *ix, uint32_t i, uint32_t item_plus_one) {
        if (ix->n_slots <= DICT_INDEX_SMALL)
                ((uint8_t *) ix->slots)[i] = (uint8_t) item_plus_one;
        else
                ix->slots[i] = item_plus_one;
}

static void dict_index_insert(DictIndex *ix, Symbol *const *keys, uint32_t item) {
        uint32_t mask = ix->n_slots - 1;

        for (uint32_t i = symbol_slot(keys[item], mask);; i = (i + 1) & mask)
                if (index_get(ix, i) == 0) {
                        index_set(ix, i, item + 1);
                        return;
                }
}

/* (Re)builds the index for n items; drops it while the dictionary is small. */
static int dict_reindex(Value *d) {
        uint32_t n_slots = 16;
        DictIndex *ix;

        free(dict_index(d));
        dict_set_index(d, NULL);
        if (d->dict.n <= DICT_SCAN_MAX)
                return 0;
        while (n_slots < d->dict.n * 2)
                n_slots *= 2;
        ix = calloc(1, index_size(n_slots));
        if (!ix)
                return -ENOMEM;
        ix->n_slots = n_slots;
        for (uint32_t i = 0; i < d->dict.n; i++)
                dict_index_insert(ix, d->dict.keys, i);
        dict_set_index(d, ix);
        return 0;
}

_hot_ static int64_t dict_find(const Value *d, const Symbol *key) {
        if (!key)
                return -1; /* never interned, so in no dictionary */
        if (dict_index(d)) {
                const DictIndex *ix = dict_index(d);
                uint32_t mask = ix->n_slots - 1;

                for (uint32_t i = symbol_slot(key, mask), s; (s = index_get(ix, i)); i = (i + 1) & mask)
                        if (d->dict.keys[s - 1] == key)
                                return s - 1;
                return -1;
        }
        for (uint32_t i = 0; i < d->dict.n; i++)
                if (d->dict.keys[i] == key)
                        return i;
        return -1;
}

/*
 * Room for one more item: 4, 8, then four more at a time up to 32, then by
 * half. Property tables hold 10 to 40 keys and are built one key at a time:
 * this leaves at most three slots (48 bytes) unused below 32 keys, where
 * growing by half would leave a fifth (a 20-key table in 24 slots).
 */
static int dict_grow(Value *d) {
        uint32_t cap = d->dict.cap, old_cap = cap;
        Symbol **t;

        if (d->dict.n < cap)
                return 0;
        cap = cap < 4 ? 4 : cap < 8 ? 8 : cap < 32 ? cap + 4 : cap + cap / 2;
        t = realloc(d->dict.keys, (size_t) cap * (sizeof(Symbol *) + sizeof(Value *)));
        if (!t)
                return -ENOMEM;
        /* The values move up to their new place after cap keys. */
        memmove(t + cap, t + old_cap, d->dict.n * sizeof(Value *));
        d->dict.keys = t;
        d->dict.cap = cap;
        return 0;
}

_hot_ size_t value_dict_size(const Value *d) {
        return value_type(d) == VALUE_DICTIONARY ? d->dict.n : 0;
}

_hot_ Value *value_dict_get(const Value *d, const char *key) {
        int64_t i;

        if (value_type(d) != VALUE_DICTIONARY || !key)
                return NULL;
        i = dict_find(d, symbol_lookup(key));
        return i < 0 ? NULL : dict_values(d)[i];
}

_hot_ const char *value_dict_key_at(const Value *d, size_t i) {
        if (value_type(d) != VALUE_DICTIONARY || i >= d->dict.n)
                return NULL;
        return d->dict.keys[i]->str;
}

const char *value_dict_key_at_len(const Value *d, size_t i, size_t *ret_len, bool *ret_utf8) {
        const Symbol *k;

        if (value_type(d) != VALUE_DICTIONARY || i >= d->dict.n)
                return NULL;
        k = d->dict.keys[i];
        *ret_len = k->len;
        *ret_utf8 = k->utf8;
        return k->str;
}

_hot_ Value *value_dict_value_at(const Value *d, size_t i) {
        if (value_type(d) != VALUE_DICTIONARY || i >= d->dict.n)
                return NULL;
        return dict_values(d)[i];
}

_hot_ int value_dict_set_take(Value *d, const char *key, Value *v) {
        Symbol *sym;
        int64_t i;
        int r;

        if (!v)
                return -ENOMEM;
        if (value_type(d) != VALUE_DICTIONARY || !key || d == v) {
                value_unref(v);
                return -EINVAL;
        }
        i = dict_find(d, symbol_lookup(key));
        if (i >= 0) {
                value_unref(dict_values(d)[i]);
                dict_values(d)[i] = v;
                return 0;
        }
        r = dict_grow(d);
        if (r < 0)
                goto fail;
        sym = symbol_intern(key);
        if (!sym) {
                r = -ENOMEM;
                goto fail;
        }
        d->dict.keys[d->dict.n] = sym;
        dict_values(d)[d->dict.n++] = v;
        if (d->dict.n > DICT_SCAN_MAX) {
                if (!dict_index(d) || dict_index(d)->n_slots < d->dict.n * 2) {
                        r = dict_reindex(d);
                        if (r < 0) {
                                /* Undo, so a failed set leaves the dictionary as it was. */
                                d->dict.n--;
                                symbol_unref(sym);
                                (void) dict_reindex(d);
                                goto fail;
                        }
                } else
                        dict_index_insert(dict_index(d), d->dict.keys, d->dict.n - 1);
        }
        return 0;
fail:
        value_unref(v);
        return r;
}

int value_dict_set(Value *d, const char *key, Value *v) {
        return value_dict_set_take(d, key, value_ref(v));
}

int value_dict_remove(Value *d, const char *key) {
        int64_t i;

        if (value_type(d) != VALUE_DICTIONARY || !key)
                return -EINVAL;
        i = dict_find(d, symbol_lookup(key));
        if (i < 0)
                return 0;
        symbol_unref(d->dict.keys[i]);
        value_unref(dict_values(d)[i]);
        memmove(&d->dict.keys[i], &d->dict.keys[i + 1], (d->dict.n - i - 1) * sizeof(Symbol *));
        memmove(&dict_values(d)[i], &dict_values(d)[i + 1], (d->dict.n - i - 1) * sizeof(Value *));
        d->dict.n--;
        /* Indices shifted: rebuild. If that fails the scan path still works. */
        if (dict_reindex(d) < 0)
                dict_set_index(d, NULL);
        return 1;
}

unsigned value_nesting(const Value *v, unsigned limit) {
        unsigned deepest = 0;
        size_t n;

        if (!v || (value_type(v) != VALUE_ARRAY && value_type(v) != VALUE_DICTIONARY))
                return 0;
        if (limit == 0)
                return 1; /* deeper than allowed already: no need to look further */
        n = value_type(v) == VALUE_ARRAY ? value_array_size(v) : value_dict_size(v);
        for (size_t i = 0; i < n && deepest < limit; i++) {
                const Value *item = value_type(v) == VALUE_ARRAY ? value_array_get(v, i) : value_dict_value_at(v, i);
                unsigned d = value_nesting(item, limit - 1);

                if (d > deepest)
                        deepest = d;
        }
        return deepest + 1;
}

Value *value_copy(Value *v) {
        _cleanup_value_ Value *c = NULL;

        switch (value_type(v)) {
        case VALUE_ARRAY:
                c = value_new_array();
                if (!c)
                        return NULL;
                for (uint32_t i = 0; i < v->array.n; i++)
                        if (value_array_append_take(c, value_copy(v->array.items[i])) < 0)
                                return NULL;
                return TAKE_PTR(c);
        case VALUE_DICTIONARY:
                c = value_new_dictionary();
                if (!c)
                        return NULL;
                for (uint32_t i = 0; i < v->dict.n; i++)
                        if (value_dict_set_take(c, v->dict.keys[i]->str, value_copy(dict_values(v)[i])) < 0)
                                return NULL;
                return TAKE_PTR(c);
        case _VALUE_TYPE_INVALID:
                return NULL;
        default:
                return value_ref(v);
        }
}

/* --- equality --- */

static bool number_equal(const Value *a, const Value *b) {
        bool a_neg = value_number_is_signed(a) && value_signed(a) < 0;
        bool b_neg = value_number_is_signed(b) && value_signed(b) < 0;

        /* By value: -1 (signed) is not 0xffffffffffffffff (unsigned). */
        return a_neg == b_neg && value_unsigned(a) == value_unsigned(b);
}

static bool bytes_equal(const Value *a, const Value *b) {
        return a->buf.len == b->buf.len && memcmp(a->buf.bytes, b->buf.bytes, a->buf.len) == 0;
}

bool value_dict_is_subset(const Value *sub, const Value *super) {
        if (value_type(sub) != VALUE_DICTIONARY || value_type(super) != VALUE_DICTIONARY)
                return false;
        for (uint32_t i = 0; i < sub->dict.n; i++) {
                int64_t j = dict_find(super, sub->dict.keys[i]);

                if (j < 0 || !value_equal(dict_values(sub)[i], dict_values(super)[j]))
                        return false;
        }
        return true;
}

bool value_equal(const Value *a, const Value *b) {
        if (a == b)
                return true;
        if (!a || !b)
                return false;
        if (value_type(a) != value_type(b)) {
                /* Apple: OSString::isEqualTo(OSData) compares the bytes. */
                if ((value_type(a) == VALUE_STRING && value_type(b) == VALUE_DATA) ||
                    (value_type(a) == VALUE_DATA && value_type(b) == VALUE_STRING))
                        return bytes_equal(a, b);
                return false;
        }
        switch (value_type(a)) {
        case VALUE_STRING:
        case VALUE_DATA:
                return bytes_equal(a, b);
        case VALUE_NUMBER:
                return number_equal(a, b);
        case VALUE_BOOLEAN:
                return value_boolean(a) == value_boolean(b);
        case VALUE_ARRAY:
                if (a->array.n != b->array.n)
                        return false;
                for (uint32_t i = 0; i < a->array.n; i++)
                        if (!value_equal(a->array.items[i], b->array.items[i]))
                                return false;
                return true;
        case VALUE_DICTIONARY:
                return a->dict.n == b->dict.n && value_dict_is_subset(a, b);
        default:
                return false;
        }
}

size_t value_memory_size(const Value *v) {
        size_t n;

        if (!v || is_imm(v))
                return 0; /* immediate: no heap */
        n = sizeof(Value);
        switch (v->type) {
        case VALUE_STRING:
        case VALUE_DATA:
                return value_buf_size(v->buf.len);
        case VALUE_ARRAY:
                n += v->array.cap * sizeof(Value *);
                for (uint32_t i = 0; i < v->array.n; i++)
                        n += value_memory_size(v->array.items[i]);
                return n;
        case VALUE_DICTIONARY:
                n = sizeof(DictValue) + v->dict.cap * (sizeof(Symbol *) + sizeof(Value *));
                if (dict_index(v))
                        n += index_size(dict_index(v)->n_slots);
                for (uint32_t i = 0; i < v->dict.n; i++)
                        n += value_memory_size(dict_values(v)[i]);
                return n;
        default:
                return n;
        }
}

uint64_t value_hash(const Value *v) {
        const void *p;
        uint64_t h = 0, n;
        size_t len;

        switch (value_type(v)) {
        case VALUE_STRING:
        case VALUE_DATA: /* the same bytes hash the same: a string equals data with its bytes */
                p = value_type(v) == VALUE_STRING ? (const void *) value_string(v, &len) : value_data(v, &len);
                return hash_bytes(p, len);
        case VALUE_NUMBER: /* by value, whatever the width */
                n = value_unsigned(v);
                if (value_number_is_signed(v) && value_signed(v) < 0)
                        n = (uint64_t) value_signed(v);
                return hash_bytes(&n, sizeof(n)) ^ UINT64_C(0x9e3779b97f4a7c15);
        case VALUE_BOOLEAN:
                return value_boolean(v) ? 0x51 : 0x50;
        case VALUE_ARRAY:
                for (size_t i = 0; i < value_array_size(v); i++)
                        h = h * 31 + value_hash(value_array_get(v, i));
                return h ^ 0xa5;
        case VALUE_DICTIONARY: /* order does not count: combine commutatively */
                for (size_t i = 0; i < value_dict_size(v); i++) {
                        const char *k = value_dict_key_at(v, i);

                        h += hash_bytes(k, strlen(k)) * 0x100000001b3 ^ value_hash(value_dict_value_at(v, i));
                }
                return h ^ 0xd1;
        default:
                return 0;
        }
}
