/* forge-sandbox-manager.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "forge-sandbox.h"

G_BEGIN_DECLS

#define FORGE_TYPE_SANDBOX_MANAGER (forge_sandbox_manager_get_type ())

G_DECLARE_FINAL_TYPE (ForgeSandboxManager, forge_sandbox_manager, FORGE, SANDBOX_MANAGER, GObject)

/* Owns the sandbox of every project with a running preview, so that
 * nothing outlives the app. Signals, on the main context it was created on:
 *   server-exited (project_id, wait_status): the dev server stopped.
 *   server-log (project_id, stream, line): what a running server prints. */
ForgeSandboxManager *forge_sandbox_manager_new             (void);
/* Thread-safe. Takes over sandbox and its server process for project_id,
 * stopping whatever the project had before. */
void                 forge_sandbox_manager_adopt           (ForgeSandboxManager *self,
                                                            const char          *project_id,
                                                            ForgeSandbox        *sandbox,
                                                            ForgeSandboxProcess *server,
                                                            const char          *preview_url);
/* Thread-safe. Returns a new reference, or NULL. */
ForgeSandbox        *forge_sandbox_manager_dup_sandbox     (ForgeSandboxManager *self,
                                                            const char          *project_id);
char                *forge_sandbox_manager_dup_preview_url (ForgeSandboxManager *self,
                                                            const char          *project_id);
gboolean             forge_sandbox_manager_stop            (ForgeSandboxManager *self,
                                                            const char          *project_id);
void                 forge_sandbox_manager_stop_all        (ForgeSandboxManager *self);
guint                forge_sandbox_manager_get_n_sandboxes (ForgeSandboxManager *self);
/* Thread-safe: emits server-log on the manager's main context. */
void                 forge_sandbox_manager_log             (ForgeSandboxManager *self,
                                                            const char          *project_id,
                                                            const char          *stream,
                                                            const char          *line);

G_END_DECLS
