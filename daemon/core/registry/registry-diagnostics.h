/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * registry-diagnostics.h: Root's IOKitDiagnostics property, which Apple's
 * ioclasscount reads (reference §4.3). Only the Classes dictionary is
 * kept: class name → live instances of exactly that class, plus one per
 * direct subclass whose own count is at least 1 (the kernel's OSMetaClass
 * rule that keeps a superclass's kext loaded).
 */
#pragma once

#include "registry.h"

/* The Classes dictionary for the registry's class table, in definition order. NULL on ENOMEM. */
Value *registry_class_counts(const Registry *reg);

/*
 * Sets Root's IOKitDiagnostics to the current counts, unless Root carries
 * one that did not come from here (a saved Mac registry keeps its own).
 * Cheap enough to call before every read of Root: one pass over the classes.
 */
int registry_update_diagnostics(Registry *reg);
