/* forge-sandbox-manager.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "forge-sandbox.h"
#include "forge-sandbox-state.h"

G_BEGIN_DECLS

#define FORGE_TYPE_SANDBOX_MANAGER (forge_sandbox_manager_get_type ())

G_DECLARE_FINAL_TYPE (ForgeSandboxManager, forge_sandbox_manager, FORGE, SANDBOX_MANAGER, GObject)

/* Starts a restart of project_id's preview (a workflow run) and, when it
 * ends, reports with forge_sandbox_manager_restart_finished(). */
typedef void (*ForgeSandboxRestartFunc) (ForgeSandboxManager *manager,
                                         const char          *project_id,
                                         gpointer             user_data);

/* Owns the sandbox of every project with a running preview, so that
 * nothing outlives the app, and keeps the watched ones alive: a heartbeat
 * per project every keepalive interval (is_running + an HTTP probe, then
 * the timeout extended to twice the interval), an immediate check when the
 * server exits or the sandbox dies, and a transparent restart when the
 * check fails. Lives on the main context it was created on.
 *
 * Signals, on that context:
 *   server-exited (project_id, exit_code): a dev server stopped (128+N
 *     when signal N ended it).
 *   server-log (project_id, stream, line): what a running server prints.
 *   sandbox-state (project_id, ForgeSandboxState state, url, restart_ms):
 *     for FORGE_SANDBOX_STATE_RESTORED url is the new one and restart_ms
 *     how long it took; FORGE_SANDBOX_STATE_GAVE_UP comes after three
 *     failed starts within two minutes, and automatic restarts stop. */
ForgeSandboxManager *forge_sandbox_manager_new                   (void);

void                 forge_sandbox_manager_set_keepalive_interval (ForgeSandboxManager   *self,
                                                                   guint                  seconds);
guint                forge_sandbox_manager_get_keepalive_interval (ForgeSandboxManager   *self);
/* How long a hidden preview is kept alive before it may expire. */
void                 forge_sandbox_manager_set_sandbox_timeout    (ForgeSandboxManager   *self,
                                                                   guint                  seconds);
/* First delay between two failed restarts; doubles each time. */
void                 forge_sandbox_manager_set_retry_delay_ms     (ForgeSandboxManager   *self,
                                                                   guint                  milliseconds);
void                 forge_sandbox_manager_set_restarter          (ForgeSandboxManager   *self,
                                                                   ForgeSandboxRestartFunc func,
                                                                   gpointer               user_data,
                                                                   GDestroyNotify         destroy);

/* Thread-safe. Takes over sandbox and its server process for project_id,
 * stopping whatever the project ran before. */
void                 forge_sandbox_manager_adopt                  (ForgeSandboxManager   *self,
                                                                   const char            *project_id,
                                                                   ForgeSandbox          *sandbox,
                                                                   ForgeSandboxProcess   *server,
                                                                   const char            *preview_url);
/* Thread-safe (workflow worker threads ask). The host port on 127.0.0.1
 * that project_id's previews are served on: reserved at the first call
 * and kept, also across restarts and new runs, until
 * forge_sandbox_manager_stop() (the preview was stopped or removed) or
 * the manager goes away. 0 and @error when no port could be reserved. */
guint                forge_sandbox_manager_ensure_preview_port    (ForgeSandboxManager   *self,
                                                                   const char            *project_id,
                                                                   GError               **error);
/* Thread-safe. Returns a new reference, or NULL. */
ForgeSandbox        *forge_sandbox_manager_dup_sandbox            (ForgeSandboxManager   *self,
                                                                   const char            *project_id);
ForgeSandboxProcess *forge_sandbox_manager_dup_server             (ForgeSandboxManager   *self,
                                                                   const char            *project_id);
char                *forge_sandbox_manager_dup_preview_url        (ForgeSandboxManager   *self,
                                                                   const char            *project_id);

/* A preview is open: keep its sandbox alive and restore it when it dies. */
void                 forge_sandbox_manager_watch                  (ForgeSandboxManager   *self,
                                                                   const char            *project_id);
void                 forge_sandbox_manager_unwatch                (ForgeSandboxManager   *self,
                                                                   const char            *project_id);
gboolean             forge_sandbox_manager_is_watched             (ForgeSandboxManager   *self,
                                                                   const char            *project_id);
/* A preview not visible for longer than the sandbox timeout stops being
 * kept alive; showing it again restores it if it expired meanwhile. */
void                 forge_sandbox_manager_set_visible            (ForgeSandboxManager   *self,
                                                                   const char            *project_id,
                                                                   gboolean               visible);
/* Checks now instead of at the next heartbeat. */
void                 forge_sandbox_manager_check                  (ForgeSandboxManager   *self,
                                                                   const char            *project_id);
void                 forge_sandbox_manager_check_all              (ForgeSandboxManager   *self);
/* Restarts by hand, also after giving up. */
void                 forge_sandbox_manager_restart                (ForgeSandboxManager   *self,
                                                                   const char            *project_id);
/* For the restarter: how the restart run ended. */
void                 forge_sandbox_manager_restart_finished       (ForgeSandboxManager   *self,
                                                                   const char            *project_id,
                                                                   gboolean               success,
                                                                   const char            *error_message);
/* For the restarter: the restart run was cancelled (superseded or
 * stopped): neither a failure nor a success. */
void                 forge_sandbox_manager_restart_cancelled      (ForgeSandboxManager   *self,
                                                                   const char            *project_id);
/* Thread-safe: whether a restart of project_id is awaited; a restart run
 * resumed from an earlier process is not. */
gboolean             forge_sandbox_manager_expects_restart        (ForgeSandboxManager   *self,
                                                                   const char            *project_id);
/* "alive", "restarting", "gave-up", "idle", "stopped" or NULL when the
 * project is unknown. */
const char          *forge_sandbox_manager_get_state              (ForgeSandboxManager   *self,
                                                                   const char            *project_id);

gboolean             forge_sandbox_manager_stop                   (ForgeSandboxManager   *self,
                                                                   const char            *project_id);
void                 forge_sandbox_manager_stop_all               (ForgeSandboxManager   *self);
guint                forge_sandbox_manager_get_n_sandboxes        (ForgeSandboxManager   *self);
/* Thread-safe: emits server-log on the manager's main context. */
void                 forge_sandbox_manager_log                    (ForgeSandboxManager   *self,
                                                                   const char            *project_id,
                                                                   const char            *stream,
                                                                   const char            *line);

G_END_DECLS
