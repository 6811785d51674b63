/* forge-clone-and-preview.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "forge-project-store.h"
#include "forge-run-env.h"
#include "forge-sandbox-manager.h"
#include "forge-sandbox-providers.h"
#include "forge-workflow-engine.h"

G_BEGIN_DECLS

#define FORGE_CLONE_AND_PREVIEW_FUNCTION "clone-and-preview-repository"
#define FORGE_CLONE_AND_PREVIEW_EVENT    "github/clone-and-preview"
/* The sandbox manager's restarts: the same steps, reusing the clone. */
#define FORGE_RESTART_PREVIEW_FUNCTION   "restart-preview"
#define FORGE_RESTART_PREVIEW_EVENT      "sandbox/restart"
/* Sent when a project is removed: cancels its runs. */
#define FORGE_PROJECT_REMOVED_EVENT      "project/removed"

/* The steps of both functions, in the order they run. The ids name the
 * steps in run journals (a resumed run finds its finished steps by id) and
 * in the headless JSON output: they never change. */
#define FORGE_STEP_GET_GITHUB_INTEGRATION "get-github-integration"
#define FORGE_STEP_CLONE_REPOSITORY       "clone-repository"
#define FORGE_STEP_DETECT_FRAMEWORK       "detect-framework"
#define FORGE_STEP_START_SANDBOX          "start-sandbox"
#define FORGE_STEP_INSTALL_DEPENDENCIES   "install-dependencies"
#define FORGE_STEP_START_PREVIEW_SERVER   "start-preview-server"
#define FORGE_STEP_UPDATE_PROJECT         "update-project"

#define FORGE_TYPE_CLONE_AND_PREVIEW (forge_clone_and_preview_get_type ())

G_DECLARE_FINAL_TYPE (ForgeCloneAndPreview, forge_clone_and_preview, FORGE, CLONE_AND_PREVIEW, GObject)

/* The workflow that takes a repository URL to a running preview, through
 * the steps above. Event data: {"project_id": …, "repo_url": …,
 * "backend": …}; the sandbox comes from the provider called "backend" in
 * @providers (FORGE_PROJECT_DEFAULT_BACKEND when the event names none).
 * Output: {"preview_url", "framework", "package_manager", "sandbox_id",
 * "network"}. @providers: NULL for forge_sandbox_providers_new()'s. */
ForgeCloneAndPreview *forge_clone_and_preview_new                    (ForgeProjectStore    *store,
                                                                      ForgeSandboxManager  *manager,
                                                                      ForgeSandboxProviders *providers);
/* Registers both functions with engine and becomes the manager's
 * restarter. */
void                  forge_clone_and_preview_register               (ForgeCloneAndPreview *self,
                                                                      ForgeWorkflowEngine  *engine);
/* Seconds to wait for the dev server's first answer (default 1200). */
void                  forge_clone_and_preview_set_server_timeout     (ForgeCloneAndPreview *self,
                                                                      guint                 seconds);
/* Seconds a sandbox lives without a keepalive (default 600). */
void                  forge_clone_and_preview_set_sandbox_timeout    (ForgeCloneAndPreview *self,
                                                                      guint                 seconds);
/* What each run's sandbox may use on this computer, and how big its
 * clone may grow (default: forge_sandbox_limits_init_default()). Taken
 * by runs that start from now on. */
void                  forge_clone_and_preview_set_sandbox_limits     (ForgeCloneAndPreview     *self,
                                                                      const ForgeSandboxLimits *limits);
void                  forge_clone_and_preview_get_sandbox_limits     (ForgeCloneAndPreview     *self,
                                                                      ForgeSandboxLimits       *limits);

/* The FORGE_STEP_* ids in order, NULL-terminated. */
const char * const   *forge_clone_and_preview_get_step_ids           (void);
/* What people read for a step: its translated title. A repeated step
 * ("start-preview-server:1") has the title of the step it repeats; an
 * unknown id is its own title. */
const char           *forge_clone_and_preview_step_title             (const char           *step_id);
/* The heading while the step runs ("Installing Dependencies…"); the same
 * rules. */
const char           *forge_clone_and_preview_step_progress_title    (const char           *step_id);

/* Tokens for this process only (headless takes one from GH_TOKEN):
 * host → token, consulted by the get-github-integration and
 * clone-repository steps before the keyring. Never written anywhere:
 * journals say only has_token. @origin names where it came from for
 * messages ("GH_TOKEN"), may be NULL. A NULL @token forgets the host's.
 * Wiped from memory when replaced, forgotten or disposed. */
void                  forge_clone_and_preview_set_host_token         (ForgeCloneAndPreview *self,
                                                                      const char           *host,
                                                                      const char           *token,
                                                                      const char           *origin);

/* Variables and command overrides for this process only (headless
 * --env, --install-command …), over the project's own, for every run of
 * @project_id from now on, restarts included. Kept in memory only,
 * never stored, journaled or sent in an event. NULL forgets them. */
void                  forge_clone_and_preview_set_run_overrides      (ForgeCloneAndPreview *self,
                                                                      const char           *project_id,
                                                                      ForgeRunEnv          *overrides);

typedef enum
{
  FORGE_CLONE_AND_PREVIEW_START_NONE        = 0,
  /* The clone on disk is used as it is (no fetch, no token): the run
   * after a pull, a reset or a switch of ref, a warm restart whose
   * install step only runs when the lockfile changed. */
  FORGE_CLONE_AND_PREVIEW_START_REUSE_CLONE = 1 << 0,
} ForgeCloneAndPreviewStartFlags;

/* Normalizes repo_url, creates the project (or finds it by URL), marks it
 * generating and sends the event. @backend: a sandbox backend for the
 * project from now on, or NULL to keep its own (a new project gets the
 * store's default backend). Unknown names fail the run, not this call.
 * Returns the run id; fails only on a malformed URL. */
char                 *forge_clone_and_preview_start                  (ForgeWorkflowEngine  *engine,
                                                                      ForgeProjectStore    *store,
                                                                      const char           *repo_url,
                                                                      const char           *backend,
                                                                      char                **project_id,
                                                                      GError              **error);
/* The same with @flags. The event carries the project's ref
 * ("git_ref"). */
char                 *forge_clone_and_preview_start_full             (ForgeWorkflowEngine  *engine,
                                                                      ForgeProjectStore    *store,
                                                                      const char           *repo_url,
                                                                      const char           *backend,
                                                                      ForgeCloneAndPreviewStartFlags flags,
                                                                      char                **project_id,
                                                                      GError              **error);

G_END_DECLS
