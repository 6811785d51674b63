/* forge-preview-run-private.h
 *
 * What the clone-and-preview workflow's steps share: the workflow object
 * and the state of one run. Each step lives in a file of its own
 * (forge-preview-clone.c, -detect.c, -install.c, -start.c, -update.c);
 * forge-clone-and-preview.c runs them in order.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "forge-clone-and-preview.h"
#include "forge-command-output.h"
#include "forge-framework.h"
#include "forge-run-env.h"
#include "forge-workspace.h"

G_BEGIN_DECLS

struct _ForgeCloneAndPreview
{
  GObject              parent_instance;
  ForgeProjectStore   *store;
  ForgeSandboxManager *manager;
  ForgeWorkflowEngine *engine;     /* weak */
  gboolean             registered; /* the manager's restarter */
  GHashTable          *restarts;   /* run id → project id */
  guint                server_timeout;
  guint                sandbox_timeout;
  GMutex               limits_mutex;
  ForgeSandboxLimits   limits;       /* under limits_mutex */
  /* The only way to sandboxes: never a backend's own type. */
  ForgeSandboxProviders *providers;
  GMutex               tokens_mutex;
  /* host → RunToken, see forge_clone_and_preview_set_host_token() */
  GHashTable          *tokens;       /* under tokens_mutex */
  /* project id → ForgeRunEnv, see
   * forge_clone_and_preview_set_run_overrides() */
  GHashTable          *overrides;    /* under tokens_mutex */
  /* project id → forge_run_env_dup_signature() of the run that started
   * its server: a resume must not hand back a server started with what
   * the user has changed since. In memory only. */
  GHashTable          *signatures;   /* under tokens_mutex */
};

/* A copy of the host's token for this process, or NULL; *origin (may
 * be NULL) where it came from, or NULL. Free with forge_secrets_free_token(). */
char           *_forge_clone_and_preview_dup_host_token (ForgeCloneAndPreview *self,
                                                         const char           *host,
                                                         char                **origin);

/* A reference to the project's overrides for this process, or NULL. */
ForgeRunEnv    *_forge_clone_and_preview_dup_run_overrides (ForgeCloneAndPreview *self,
                                                            const char           *project_id);

/* What the run that started the project's server ran it with: set when
 * a server is handed to the manager; NULL when unknown. */
void            _forge_clone_and_preview_set_server_signature (ForgeCloneAndPreview *self,
                                                               const char           *project_id,
                                                               const char           *signature);
char           *_forge_clone_and_preview_dup_server_signature (ForgeCloneAndPreview *self,
                                                               const char           *project_id);

/* What one run carries between its steps, beside the journaled outputs.
 * Live objects (the sandbox, the workspace) are never step outputs: they
 * do not survive the process, so a step that needs one makes it. */
typedef struct
{
  ForgeCloneAndPreview *self;
  ForgeStepContext     *ctx;
  char                 *project_id;
  char                 *repo_url;
  char                 *workspace_dir;
  char                 *repo_dir;
  char                 *git_dir;
  JsonNode             *integration;
  JsonNode             *clone;
  ForgeFramework       *framework;
  /* The project's sandbox backend, a name in self->providers. */
  char                 *backend;
  ForgeSandbox         *sandbox;
  /* The host port the manager keeps for the project's previews, asked
   * of the backend with run->sandbox; 0 when none could be kept. */
  guint                 preview_port;
  /* The repository as the backend's sandboxes see it: the only way the
   * steps after the clone read it. */
  ForgeWorkspace       *workspace;
  /* The limits when the run began, for its sandboxes and its clone. */
  ForgeSandboxLimits    limits;
  /* A restart by the sandbox manager: the clone on disk is reused as it
   * is, no fetch, no token. */
  gboolean              restart;
  /* The same for a run started with FORGE_CLONE_AND_PREVIEW_START_REUSE_CLONE. */
  gboolean              reuse_clone;
  /* The event's ref (NULL: the default branch). */
  char                 *git_ref;
  /* The folder to preview (the project's package_dir, or the one the
   * address named once the clone resolved it), NULL for detection to
   * find it. */
  char                 *package_dir;
  /* A restart that resumed the project's last sandbox (paused at its
   * timeout) with its dev server still running: nothing to upload,
   * install or start; the server is handed back to the manager as it
   * is. */
  gboolean              resumed;
  ForgeSandboxProcess  *resumed_server;
  /* Where the resumed server's output goes: the manager's log once the
   * server is handed back. */
  ForgeCommandOutput   *resumed_output;
  char                 *resumed_url;
  /* The project's variables and overrides (and this process's), loaded
   * when the run starts: in memory only, never a step output. */
  ForgeRunEnv          *env;
} ForgePreviewRun;

void            _forge_preview_run_free             (ForgePreviewRun  *run);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ForgePreviewRun, _forge_preview_run_free)

JsonNode       *_forge_preview_object_node          (JsonObject       *object);
/* Turns *error into FORGE_WORKFLOW_ERROR_NON_RETRIABLE: trying again
 * cannot help. */
void            _forge_preview_make_non_retriable   (GError          **error);
/* The run's sandbox, made by the project's provider on demand (a
 * resumed run finds none), its life extended for the step at hand. */
ForgeSandbox   *_forge_preview_run_ensure_sandbox   (ForgePreviewRun  *run,
                                                     GError          **error);
/* For a restart: the project's last sandbox, reconnected (E2B resumes
 * a paused one) when its dev server still answers at the old preview
 * URL. TRUE when run->sandbox is now that sandbox and run->resumed is
 * set; FALSE (and the log says why) when a new sandbox is needed. */
gboolean        _forge_preview_run_try_resume       (ForgePreviewRun  *run);
/* Why a command of the run failed when a limit of its sandbox is the
 * cause, as the end of a sentence whose subject is the command ("ran
 * out of memory (limit 4 GB)"); NULL when no limit is to blame. */
char           *_forge_preview_run_dup_limit_cause  (ForgePreviewRun    *run,
                                                     ForgeCommandOutput *output);
/* Whether @output failed for lack of disk space (ENOSPC) on the disk that
 * holds the work tree, which is then (nearly) full: not a sandbox limit,
 * and /tmp's cap is not the cause. */
gboolean        _forge_preview_run_disk_is_full     (ForgePreviewRun    *run,
                                                     ForgeCommandOutput *output);
/* Loads run->env: the project's variables (secret values from the
 * keyring; one missing there is left out, and the log says so), its
 * overrides, and this process's over them. */
void            _forge_preview_run_load_env         (ForgePreviewRun  *run);
/* The command output of the run's @stream, with its secret values
 * masked. */
ForgeCommandOutput *_forge_preview_run_new_output   (ForgePreviewRun  *run,
                                                     const char       *stream);
/* The run's workspace, opened by the project's provider on demand. */
ForgeWorkspace *_forge_preview_run_ensure_workspace (ForgePreviewRun  *run,
                                                     GError          **error);

/* A project's disk cap over a git operation (a run's clone, a session's
 * pull, reset or switch): the operation gets a cancellable of its own,
 * cancelled with parent (may be NULL) and by _forge_git_cap_check() once
 * the bytes it reports (the pack, then what its checkout would write,
 * before writing any) pass cap_bytes (0: no cap). */
typedef struct
{
  GCancellable *cancellable;
  GCancellable *parent;
  gulong        handler;
  guint64       cap_bytes;
  gboolean      too_big;
} ForgeGitCap;

void            _forge_git_cap_init                 (ForgeGitCap      *cap,
                                                     GCancellable     *parent,
                                                     guint64           cap_bytes);
void            _forge_git_cap_check                (ForgeGitCap      *cap,
                                                     guint64           bytes);
/* TRUE when the cap, not parent, stopped the operation. */
gboolean        _forge_git_cap_clear                (ForgeGitCap      *cap);

/* The steps, as ForgeStepFuncs; user_data is the ForgePreviewRun but for
 * update-project. */
JsonNode       *_forge_preview_get_github_integration (ForgeStepContext  *ctx,
                                                       gpointer           user_data,
                                                       GError           **error);
JsonNode       *_forge_preview_clone_repository       (ForgeStepContext  *ctx,
                                                       gpointer           user_data,
                                                       GError           **error);
JsonNode       *_forge_preview_detect_framework       (ForgeStepContext  *ctx,
                                                       gpointer           user_data,
                                                       GError           **error);
JsonNode       *_forge_preview_start_sandbox          (ForgeStepContext  *ctx,
                                                       gpointer           user_data,
                                                       GError           **error);
JsonNode       *_forge_preview_install_dependencies   (ForgeStepContext  *ctx,
                                                       gpointer           user_data,
                                                       GError           **error);
JsonNode       *_forge_preview_start_preview_server   (ForgeStepContext  *ctx,
                                                       gpointer           user_data,
                                                       GError           **error);
/* Whether the server a start-preview-server output names still runs:
 * a resumed run gets the output of one that died with its process. */
gboolean        _forge_preview_server_is_live         (ForgePreviewRun   *run,
                                                       JsonNode          *server);

typedef struct
{
  ForgePreviewRun *run;
  JsonNode        *server;   /* start-preview-server's output */
} ForgePreviewUpdateData;

/* user_data: a ForgePreviewUpdateData. */
JsonNode       *_forge_preview_update_project         (ForgeStepContext  *ctx,
                                                       gpointer           user_data,
                                                       GError           **error);

G_END_DECLS
