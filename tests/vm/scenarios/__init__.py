# SPDX-License-Identifier: LGPL-2.1-or-later
"""The rig's scenarios: each module's run(ctx) returns a list of problems (empty: passed)."""
