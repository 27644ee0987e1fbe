/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bus-catalogue.h: org.ioreg.Catalogue1 on /org/ioreg/Registry1: the
 * catalogue's size and generation, and Explain, the matcher's verdict on
 * each candidate personality of an entry (ioreg --explain).
 */
#pragma once

#include "bus-errors.h"
#include "bus-context.h"
#include "protocol.h"


/* The record Explain returns per candidate; see the interface XML. */
#define EXPLAIN_RECORD_SIGNATURE "sssssiits"

int bus_catalogue_register(BusContext *m);
