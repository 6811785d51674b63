/* forge-resource-guard-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "forge-cgroup.h"
#include "forge-resource-guard.h"

G_BEGIN_DECLS

/* forge_resource_guard_new() in @cgroup rather than one it finds: for
 * tests, with a stand-in service manager. */
ForgeResourceGuard *_forge_resource_guard_new_in_cgroup (const char                 *name,
                                                         const ForgeSandboxLimits   *limits,
                                                         const char * const         *watched_dirs,
                                                         ForgeCgroup                *cgroup,
                                                         ForgeResourceGuardStopFunc  stop_func,
                                                         gpointer                    user_data,
                                                         GDestroyNotify              destroy);

G_END_DECLS
