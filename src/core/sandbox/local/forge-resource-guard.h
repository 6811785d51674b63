/* forge-resource-guard.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "forge-process-tree.h"
#include "forge-sandbox-limits.h"

G_BEGIN_DECLS

#define FORGE_TYPE_RESOURCE_GUARD (forge_resource_guard_get_type ())

G_DECLARE_FINAL_TYPE (ForgeResourceGuard, forge_resource_guard, FORGE, RESOURCE_GUARD, GObject)

/* Called from the guard's thread when what runs in the sandbox must stop
 * (its workspace went past its cap, or it took more memory than it may
 * and no cgroup stopped it). */
typedef void (*ForgeResourceGuardStopFunc) (gpointer user_data);

/* Holds one sandbox to @limits: a cgroup of its own where one can be
 * made (memory, tasks), rlimits otherwise (tasks, open files), and a
 * thread that watches what neither can: the disk use of @watched_dirs
 * (no symlink followed), the memory of the watched process trees when
 * no cgroup counts it (the biggest process goes, as the kernel would
 * choose), and the cgroup's OOM kills and fork refusals, for reports.
 * /tmp's size is bwrap's (--size). */
ForgeResourceGuard *forge_resource_guard_new           (const char                 *name,
                                                        const ForgeSandboxLimits   *limits,
                                                        const char * const         *watched_dirs,
                                                        ForgeResourceGuardStopFunc  stop_func,
                                                        gpointer                    user_data,
                                                        GDestroyNotify              destroy);
const ForgeSandboxLimits *forge_resource_guard_get_limits (ForgeResourceGuard      *self);
/* What is in force and how, one line for the log. */
char               *forge_resource_guard_describe      (ForgeResourceGuard         *self);
/* What to put before each command for it to join the cgroup (see
 * forge_cgroup_get_wrapper_argv()); NULL for nothing. */
const char * const *forge_resource_guard_get_wrapper_argv (ForgeResourceGuard    *self);
/* Whether a cgroup holds the sandbox, and its kind ("cgroup v1"). */
const char         *forge_resource_guard_get_cgroup_kind (ForgeResourceGuard       *self);
/* What a spawned child must do to be held (join the cgroup, set the
 * rlimits), made afresh for each spawn: for GSubprocessLauncher, with
 * forge_child_limits_apply() as its GSpawnChildSetupFunc and
 * forge_child_limits_free() as its destroy notify. */
typedef struct _ForgeChildLimits ForgeChildLimits;

ForgeChildLimits   *forge_resource_guard_prepare_spawn (ForgeResourceGuard         *self);
void                forge_child_limits_apply           (gpointer                    child_limits);
void                forge_child_limits_free            (gpointer                    child_limits);
void                forge_resource_guard_watch_tree    (ForgeResourceGuard         *self,
                                                        const ForgeProcessTree     *tree);
void                forge_resource_guard_unwatch_tree  (ForgeResourceGuard         *self,
                                                        const ForgeProcessTree     *tree);
/* Checks at once what the thread checks now and then. */
void                forge_resource_guard_check         (ForgeResourceGuard         *self);
/* What limit stopped something since the last call, as the end of a
 * sentence ("ran out of memory (limit 4 GB)"), or NULL. */
char               *forge_resource_guard_take_report   (ForgeResourceGuard         *self);
/* Stops the watching thread; for the owner, once, when the sandbox goes.
 * What is left in the cgroup is killed when the guard itself goes: the
 * sandbox's commands keep a reference through their grace period. */
void                forge_resource_guard_shutdown      (ForgeResourceGuard         *self);
/* The most resident memory (bytes, sampled now and then) and tasks the
 * watched processes had together; 0 when unknown. */
guint64             forge_resource_guard_get_memory_peak (ForgeResourceGuard       *self);
guint64             forge_resource_guard_get_tasks_peak  (ForgeResourceGuard       *self);

G_END_DECLS
