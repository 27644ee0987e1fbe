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

/* The registers IOPCIDevice::matchPropertyTable compares (match-pci.c); the catalogue's index reads them too. */
typedef enum PciRegister {
        PCI_REG_PRIMARY,   /* device-id << 16 | vendor-id */
        PCI_REG_SECONDARY, /* subsystem-id << 16 | subsystem-vendor-id */
        PCI_REG_CLASS,     /* class-code << 8 (the revision byte is not compared) */
        _PCI_REG_MAX,
} PciRegister;
#define PCI_CLASS_MASK UINT32_C(0xffffff00) /* IOPCIClassMatch's implicit mask */

/* e's registers; has[i] is false when the nub lacks one. */
void match_pci_registers(const Entry *e, uint32_t regs[_PCI_REG_MAX], bool has[_PCI_REG_MAX]);
/*
 * The next "value[&mask]" of a PCI ID list (space-separated hex numbers); *mask is all ones without
 * "&". False at the end or at a malformed entry: the hook matches nothing past it.
 */
bool match_pci_list_next(const char **cursor, uint32_t *want, uint32_t *mask);

/* The score of a table's IOProbeScore (signed 32-bit; 0 when absent or not a number). */
int32_t match_table_probe_score(const Value *table);
