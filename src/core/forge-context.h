/* forge-context.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "forge-clone-and-preview.h"
#include "forge-preview-session.h"
#include "forge-project-store.h"
#include "forge-sandbox-manager.h"
#include "forge-sandbox-providers.h"
#include "forge-workflow-engine.h"

G_BEGIN_DECLS

#define FORGE_TYPE_CONTEXT (forge_context_get_type ())

G_DECLARE_FINAL_TYPE (ForgeContext, forge_context, FORGE, CONTEXT, GObject)

/* The core's object graph, wired once: the project store, the sandbox
 * provider registry, the sandbox manager, the workflow engine and the
 * clone-and-preview workflow, registered with the engine and the
 * manager's restarter. Settings stay with the callers: they use the
 * objects' own setters through the getters.
 *
 * It keeps one ForgePreviewSession per project that was opened or had a
 * run in this process (runs resumed at start-up and the manager's
 * restarts included), and forgets it when the project is removed.
 * Signals, on the main context:
 *   session-added (ForgePreviewSession *session): a new session, e.g.
 *     for a run resumed at start-up.
 *
 * Dropping the last reference stops restarts, cancels the engine's runs
 * and releases the graph; a run still winding down keeps the engine, the
 * workflow and what the workflow uses (the manager, the store) until it
 * ends, and the manager stops its sandboxes when it goes.
 *
 * @projects_path: the projects file, or NULL for the default one.
 * @runs_directory: where the engine journals runs, or NULL for the
 * default. The store is not loaded: see forge_context_load(). */
ForgeContext          *forge_context_new           (const char    *projects_path,
                                                    const char    *runs_directory);
/* Loads the projects file into the store. On failure (a damaged file)
 * the store is empty but usable, and @error says what was wrong. */
gboolean               forge_context_load          (ForgeContext  *self,
                                                    GError       **error);

ForgeProjectStore     *forge_context_get_store     (ForgeContext  *self);
ForgeWorkflowEngine   *forge_context_get_engine    (ForgeContext  *self);
ForgeSandboxManager   *forge_context_get_manager   (ForgeContext  *self);
ForgeSandboxProviders *forge_context_get_providers (ForgeContext  *self);
ForgeCloneAndPreview  *forge_context_get_workflow  (ForgeContext  *self);
/* Inside Flatpak, whether new local sandboxes run on the host (the
 * "flatpak-host-sandbox" setting) rather than in the portal's
 * sub-sandbox. */
void                   forge_context_set_flatpak_host (ForgeContext *self,
                                                       gboolean      host);

/* The session of the repository at @url (anything
 * forge_git_normalize_url() takes; this is where it is normalized), its
 * project made if there is none. NULL with @error for a malformed URL. */
ForgePreviewSession   *forge_context_open_session   (ForgeContext  *self,
                                                     const char    *url,
                                                     GError       **error);
/* The session of a project of the store, made if there is none. */
ForgePreviewSession   *forge_context_ensure_session (ForgeContext  *self,
                                                     ForgeProject  *project);
/* The project's session, or NULL when it has none. */
ForgePreviewSession   *forge_context_lookup_session (ForgeContext  *self,
                                                     const char    *project_id);

G_END_DECLS
