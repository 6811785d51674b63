/* forge-cgroup-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "forge-cgroup.h"

G_BEGIN_DECLS

/* What forge_cgroup_new() does where systemd runs the computer, with the
 * service manager on @bus, @systemd_run as the program that makes
 * scopes, and the cgroup v2 tree mounted at @cgroup_root: for tests,
 * against a stand-in. */
ForgeCgroup *_forge_cgroup_new_systemd (const char       *name,
                                        guint64           memory_bytes,
                                        guint             max_tasks,
                                        GDBusConnection  *bus,
                                        const char       *systemd_run,
                                        const char       *cgroup_root,
                                        GError          **error);
const char  *_forge_cgroup_get_slice   (ForgeCgroup      *self);

G_END_DECLS
