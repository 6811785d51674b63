/* forge-preview-session.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "forge-project.h"
#include "forge-run-info.h"
#include "forge-run-status.h"
#include "forge-sandbox-state.h"
#include "forge-step-state.h"

G_BEGIN_DECLS

/* Where one project's preview stands, as the window and --headless show
 * it. */
typedef enum
{
  /* Nothing started for it in this process yet. */
  FORGE_PREVIEW_SESSION_STATE_IDLE,
  /* A run of the clone-and-preview workflow is on its way. */
  FORGE_PREVIEW_SESSION_STATE_STARTING,
  /* The preview is live at the preview URL. */
  FORGE_PREVIEW_SESSION_STATE_RUNNING,
  /* The sandbox manager is bringing the preview back. */
  FORGE_PREVIEW_SESSION_STATE_RESTORING,
  /* Automatic restarts stopped: only a restart by hand brings it back. */
  FORGE_PREVIEW_SESSION_STATE_GAVE_UP,
  /* The last run failed: the error message says why. */
  FORGE_PREVIEW_SESSION_STATE_FAILED,
  /* Stopped by hand, or its server stopped while nothing watched it. */
  FORGE_PREVIEW_SESSION_STATE_STOPPED,
  /* The project is gone; the session does nothing any more. */
  FORGE_PREVIEW_SESSION_STATE_REMOVED,
} ForgePreviewSessionState;

#define FORGE_PREVIEW_SESSION_ERROR (forge_preview_session_error_quark ())

typedef enum
{
  /* The project was removed: the session does nothing any more. */
  FORGE_PREVIEW_SESSION_ERROR_REMOVED,
  /* A run of the project, or a pull, a reset or a switch, is under way. */
  FORGE_PREVIEW_SESSION_ERROR_BUSY,
} ForgePreviewSessionError;

GQuark forge_preview_session_error_quark (void);

#define FORGE_TYPE_PREVIEW_SESSION (forge_preview_session_get_type ())

G_DECLARE_FINAL_TYPE (ForgePreviewSession, forge_preview_session, FORGE, PREVIEW_SESSION, GObject)

/* One project's preview lifecycle: its runs of the clone-and-preview
 * workflow (and the sandbox manager's restart runs), the manager's
 * watch and visibility, restart, stop and removal. ForgeContext makes
 * one per project (forge_context_open_session()); the window and
 * --headless only show it and call it. Lives on the main context.
 *
 * Signals, for the session's own runs only:
 *   step         (run_id, step_id, ForgeStepState state, attempt,
 *                duration_ms, error_message)
 *   progress     (run_id, step_id, fraction, text)
 *   log          (run_id, stream, line): what a run prints
 *   run-status   (run_id, ForgeRunStatus status): a journaled change
 *   run-finished (run_id, ForgeRunStatus status, error_message): the
 *                current clone-and-preview run ended; on success the
 *                preview's properties are set and the state is RUNNING
 *                before it is emitted. Not emitted for restart runs,
 *                whose end "sandbox-state" reports.
 *   server-log   (stream, line): what the running server prints
 *   sandbox-state (ForgeSandboxState state, url, restart_ms): the
 *                sandbox manager's news of the project's sandbox */

ForgeProject             *forge_preview_session_get_project         (ForgePreviewSession  *self);
const char               *forge_preview_session_get_project_id      (ForgePreviewSession  *self);
ForgePreviewSessionState  forge_preview_session_get_state           (ForgePreviewSession  *self);
/* The live preview's address (also after a restore), or NULL. */
const char               *forge_preview_session_get_preview_url     (ForgePreviewSession  *self);
/* The last clone-and-preview run this session started or resumed (it
 * stays set once the run ended), or NULL. */
const char               *forge_preview_session_get_run_id          (ForgePreviewSession  *self);
/* Why the last run failed or the preview stopped, or NULL. */
const char               *forge_preview_session_get_error_message   (ForgePreviewSession  *self);
/* What the last successful run found: NULL before one. network is
 * "isolated" or "shared" (the host's network). */
const char               *forge_preview_session_get_framework       (ForgePreviewSession  *self);
const char               *forge_preview_session_get_package_manager (ForgePreviewSession  *self);
/* The folder of the app it runs (a monorepo's package), or NULL for the
 * repository's root. */
const char               *forge_preview_session_get_package_dir     (ForgePreviewSession  *self);
const char               *forge_preview_session_get_sandbox_id      (ForgePreviewSession  *self);
const char               *forge_preview_session_get_network         (ForgePreviewSession  *self);
/* Whether a run of the project (its own or a restart) is under way; the
 * "has-active-run" property notifies when that changes (a cancelled run
 * counts until it has wound down). */
gboolean                  forge_preview_session_has_active_run      (ForgePreviewSession  *self);
/* Whether the sandbox manager holds a running server for the project. */
gboolean                  forge_preview_session_is_live             (ForgePreviewSession  *self);

/* Whether the preview is on screen (default TRUE): a hidden one is kept
 * alive only for the sandbox timeout. */
gboolean                  forge_preview_session_get_visible         (ForgePreviewSession  *self);
void                      forge_preview_session_set_visible         (ForgePreviewSession  *self,
                                                                     gboolean              visible);

/* Starts a run of the clone-and-preview workflow (or resumes one a crash
 * interrupted). @backend: a sandbox backend for the project from now on,
 * or NULL to keep its own. With a run already under way it does nothing
 * and returns TRUE. */
gboolean                  forge_preview_session_run                 (ForgePreviewSession  *self,
                                                                     const char           *backend,
                                                                     GError              **error);
/* Restarts the server by hand (also after the manager gave up); with no
 * watched sandbox, starts a run instead. Nothing while a run is under
 * way. */
void                      forge_preview_session_restart             (ForgePreviewSession  *self);
/* Cancels its runs and stops its sandbox: STOPPED. */
void                      forge_preview_session_stop                (ForgePreviewSession  *self);
/* Starts a new attempt of one of the project's failed or cancelled runs
 * (see forge_workflow_engine_retry_run()); it becomes the current run. */
gboolean                  forge_preview_session_retry_run           (ForgePreviewSession  *self,
                                                                     const char           *run_id,
                                                                     GError              **error);
/* The project's runs (ForgeRunInfo), newest first; a live list. */
GListModel               *forge_preview_session_list_runs           (ForgePreviewSession  *self);
/* A snapshot of one run (its steps, its error and the log behind it). */
ForgeRunInfo             *forge_preview_session_dup_run_info        (ForgePreviewSession  *self,
                                                                     const char           *run_id);

/* Whether a pull, a reset or a switch of ref is under way (the
 * "updating" property notifies). Runs and other updates wait for it:
 * they fail with FORGE_PREVIEW_SESSION_ERROR_BUSY meanwhile. */
gboolean                  forge_preview_session_is_updating         (ForgePreviewSession  *self);

/* Pull, reset and switch work on the project's clone on a worker thread
 * (the preview keeps running meanwhile), with the token of this process
 * (forge_clone_and_preview_set_host_token()) or the keyring's, then start
 * a warm run: the clone as it now is, a new sandbox, an install only when
 * the lockfile changed. Their errors are FORGE_GIT_ERROR's, one line
 * each; FORGE_GIT_ERROR_DIRTY and FORGE_GIT_ERROR_DIVERGED are the ones
 * to offer "Reset to Remote" for. Once finished, the new run (if any) is
 * forge_preview_session_get_run_id()'s, and the project's "head-commit"
 * and "git-ref" say where it stands. */

/* Fetches the project's ref and fast-forwards (forge_git_pull()). When
 * nothing was new and the preview is live, no run starts (*updated
 * FALSE). Without a clone yet it clones. */
void                      forge_preview_session_pull_async          (ForgePreviewSession  *self,
                                                                     GCancellable         *cancellable,
                                                                     GAsyncReadyCallback   callback,
                                                                     gpointer              user_data);
gboolean                  forge_preview_session_pull_finish         (ForgePreviewSession  *self,
                                                                     GAsyncResult         *result,
                                                                     gboolean             *updated,
                                                                     GError              **error);
/* Drops local changes and a rewritten history: the work tree becomes
 * the remote's ref (forge_git_clone_or_update_ref()); node_modules stays. */
void                      forge_preview_session_reset_to_remote_async  (ForgePreviewSession  *self,
                                                                        GCancellable         *cancellable,
                                                                        GAsyncReadyCallback   callback,
                                                                        gpointer              user_data);
gboolean                  forge_preview_session_reset_to_remote_finish (ForgePreviewSession  *self,
                                                                        GAsyncResult         *result,
                                                                        GError              **error);
/* Checks out @ref (see forge-repo-spec.h: "refs/heads/NAME",
 * "refs/tags/NAME", "refs/pull/N/head", or NULL for the remote's default
 * branch; forge_git_ref_for_branch() makes the first) and makes it the
 * project's. Local changes make it fail with FORGE_GIT_ERROR_DIRTY
 * unless @discard_changes. An invalid @ref fails with
 * FORGE_GIT_ERROR_INVALID_URL, a missing one with
 * FORGE_GIT_ERROR_REF_NOT_FOUND; the project keeps its ref then. */
void                      forge_preview_session_switch_ref_async    (ForgePreviewSession  *self,
                                                                     const char           *ref,
                                                                     gboolean              discard_changes,
                                                                     GCancellable         *cancellable,
                                                                     GAsyncReadyCallback   callback,
                                                                     gpointer              user_data);
gboolean                  forge_preview_session_switch_ref_finish   (ForgePreviewSession  *self,
                                                                     GAsyncResult         *result,
                                                                     GError              **error);

/* A monorepo's apps (ForgeMonorepoPackage items, see forge-monorepo.h),
 * as the project's clone holds them now, read on a worker thread: an
 * empty list before a clone, or for a repository without workspaces. */
void                      forge_preview_session_list_apps_async     (ForgePreviewSession  *self,
                                                                     GCancellable         *cancellable,
                                                                     GAsyncReadyCallback   callback,
                                                                     gpointer              user_data);
GListModel               *forge_preview_session_list_apps_finish    (ForgePreviewSession  *self,
                                                                     GAsyncResult         *result,
                                                                     GError              **error);
/* Makes @package_dir (relative to the repository's root) the project's
 * app ("package_dir" in projects.json) and starts a run of it, which
 * replaces a live preview. With a run under way only the choice is
 * made: the next run uses it. */
gboolean                  forge_preview_session_choose_app          (ForgePreviewSession  *self,
                                                                     const char           *package_dir,
                                                                     GError              **error);

/* Cancels its runs, stops its sandbox and forgets the project (REMOVED
 * at once), then deletes its workspace on a worker thread, never
 * following a symlink. @cancellable only stops waiting for the
 * deletion: it always runs to the end, as half a workspace is worse. */
void                      forge_preview_session_remove_async        (ForgePreviewSession  *self,
                                                                     GCancellable         *cancellable,
                                                                     GAsyncReadyCallback   callback,
                                                                     gpointer              user_data);
gboolean                  forge_preview_session_remove_finish       (ForgePreviewSession  *self,
                                                                     GAsyncResult         *result,
                                                                     GError              **error);

G_END_DECLS

#include "forge-enum-types.h"
