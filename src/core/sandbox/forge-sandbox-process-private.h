/* forge-sandbox-process-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "forge-sandbox-process.h"

G_BEGIN_DECLS

/* For sandbox backends only. */

/* Called (from any thread, possibly several times) to stop the process
 * tree. It must not block: a backend sends SIGTERM (or its remote
 * equivalent) and escalates later by itself. */
typedef void (*ForgeSandboxProcessKillFunc) (ForgeSandboxProcess *process,
                                             gpointer             user_data);

/* @main_context: where "exited" is emitted (NULL = the global default).
 * @kill_func is not called once the process has exited. */
ForgeSandboxProcess *forge_sandbox_process_new    (GMainContext                *main_context,
                                                   ForgeSandboxProcessKillFunc  kill_func,
                                                   gpointer                     kill_data,
                                                   GDestroyNotify               kill_data_destroy);
void                 forge_sandbox_process_set_pid (ForgeSandboxProcess        *self,
                                                    GPid                        pid);
void                 forge_sandbox_process_set_inner_pid (ForgeSandboxProcess  *self,
                                                          guint64               inner_pid);
/* Call exactly once, from any thread, when the process has exited and its
 * output has been delivered. Wakes forge_sandbox_process_wait() and emits
 * "exited" from an idle source on the main context. */
void                 forge_sandbox_process_exited (ForgeSandboxProcess         *self,
                                                   int                          wait_status);

G_END_DECLS
