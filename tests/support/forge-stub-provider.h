/* forge-stub-provider.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "forge-sandbox-provider.h"

G_BEGIN_DECLS

/* A backend that only has a name and says whether it works, for tests of
 * the choosers: it makes no sandbox (never run a workflow on it). */
ForgeSandboxProvider *forge_test_stub_provider_new (const char *name,
                                                    const char *unavailable_reason);

G_END_DECLS
