/* forge-cgroup.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define FORGE_TYPE_CGROUP (forge_cgroup_get_type ())

G_DECLARE_FINAL_TYPE (ForgeCgroup, forge_cgroup, FORGE, CGROUP, GObject)

/* A control group of one sandbox's own, capping its memory (swap
 * included) and its tasks, made where this process may make one without
 * going behind a manager's back: where systemd runs the computer, a
 * transient slice of the user's service manager that commands join as
 * scopes; elsewhere in a delegated cgroup v2 subtree, or in the cgroup
 * v1 memory and pids hierarchies when they are writable (as root in a VM
 * or a container). G_IO_ERROR_NOT_SUPPORTED with the reason
 * when there is no such place; then rlimits are what is left. Limits of
 * 0 are not set. */
ForgeCgroup *forge_cgroup_new                (const char   *name,
                                              guint64       memory_bytes,
                                              guint         max_tasks,
                                              GError      **error);
/* "systemd slice", "cgroup v2" or "cgroup v1", for the log. */
const char  *forge_cgroup_get_kind           (ForgeCgroup  *self);
/* Whether the group caps memory and tasks: on v1 each needs a writable
 * hierarchy of its own. */
gboolean     forge_cgroup_limits_memory      (ForgeCgroup  *self);
gboolean     forge_cgroup_limits_tasks       (ForgeCgroup  *self);
/* The words to put before a command so that it runs in the group (under
 * systemd: `systemd-run --user --scope --slice=…`), or NULL when
 * forge_cgroup_enter_from_child() does it. */
const char * const *forge_cgroup_get_wrapper_argv (ForgeCgroup *self);
/* Moves the calling process into the group. Only open(), write() and
 * close() on paths made beforehand: safe between fork() and exec(). */
gboolean     forge_cgroup_enter_from_child   (ForgeCgroup  *self);
/* Processes the kernel killed for want of memory in the group so far. */
guint64      forge_cgroup_get_oom_kills      (ForgeCgroup  *self);
/* fork()s and clone()s refused at the task limit so far. */
guint64      forge_cgroup_get_refused_tasks  (ForgeCgroup  *self);
/* The most tasks the group has had; 0 when the kernel does not say. */
guint64      forge_cgroup_get_tasks_peak     (ForgeCgroup  *self);
guint        forge_cgroup_count_tasks        (ForgeCgroup  *self);
/* SIGKILLs everything in the group. */
void         forge_cgroup_kill               (ForgeCgroup  *self);

G_END_DECLS
