/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * match-family.h: the families' matchPropertyTable hooks. Each reads the
 * keys its family understands, may reject the table or rewrite the score,
 * and names the key that failed. Chosen by the entry's class.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "registry.h"

typedef bool (*MatchFamilyHook)(Registry *reg, Entry *e, const Value *table, int32_t *score,
                                const char **failed_key);

/* The hook for e's class, or NULL when its family reads no keys of its own. */
MatchFamilyHook match_family_hook(const Entry *e);

bool match_usb_device(Registry *reg, Entry *e, const Value *table, int32_t *score, const char **failed_key);
bool match_usb_interface(Registry *reg, Entry *e, const Value *table, int32_t *score, const char **failed_key);
bool match_pci(Registry *reg, Entry *e, const Value *table, int32_t *score, const char **failed_key);
bool match_hid(Registry *reg, Entry *e, const Value *table, int32_t *score, const char **failed_key);
bool match_resources(Registry *reg, Entry *e, const Value *table, int32_t *score, const char **failed_key);
bool match_serial(Registry *reg, Entry *e, const Value *table, int32_t *score, const char **failed_key);

/* The score of a table's IOProbeScore (signed 32-bit; 0 when absent or not a number). */
int32_t match_table_probe_score(const Value *table);
