/* forge-clone-and-preview.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-preview-workflow"

#include "config.h"

#include <glib/gi18n.h>

#include "forge-clone-and-preview.h"
#include "forge-git.h"
#include "forge-preview-run-private.h"
#include "forge-secrets.h"

G_DEFINE_FINAL_TYPE (ForgeCloneAndPreview, forge_clone_and_preview, G_TYPE_OBJECT)

typedef struct
{
  char *token;
  char *origin;
} RunToken;

static void
run_token_free (gpointer data)
{
  RunToken *run_token = data;

  forge_secrets_free_token (run_token->token);
  g_free (run_token->origin);
  g_free (run_token);
}

static void
forge_clone_and_preview_dispose (GObject *object)
{
  ForgeCloneAndPreview *self = FORGE_CLONE_AND_PREVIEW (object);

  /* Also when the engine went first (its weak pointer is NULL then):
   * the manager must not keep calling into this object. */
  if (self->manager != NULL && self->registered)
    forge_sandbox_manager_set_restarter (self->manager, NULL, NULL, NULL);
  self->registered = FALSE;
  if (self->engine != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->engine, self);
      g_object_remove_weak_pointer (G_OBJECT (self->engine), (gpointer *) &self->engine);
      self->engine = NULL;
    }
  g_clear_object (&self->store);
  g_clear_object (&self->manager);
  g_clear_object (&self->providers);
  g_clear_pointer (&self->restarts, g_hash_table_unref);
  /* Tokens live no longer than the object that was given them. */
  g_mutex_lock (&self->tokens_mutex);
  g_hash_table_remove_all (self->tokens);
  g_hash_table_remove_all (self->overrides);
  g_hash_table_remove_all (self->signatures);
  g_mutex_unlock (&self->tokens_mutex);

  G_OBJECT_CLASS (forge_clone_and_preview_parent_class)->dispose (object);
}

static void
forge_clone_and_preview_finalize (GObject *object)
{
  ForgeCloneAndPreview *self = FORGE_CLONE_AND_PREVIEW (object);

  g_mutex_clear (&self->limits_mutex);
  g_mutex_clear (&self->tokens_mutex);
  g_clear_pointer (&self->tokens, g_hash_table_unref);
  g_clear_pointer (&self->overrides, g_hash_table_unref);
  g_clear_pointer (&self->signatures, g_hash_table_unref);

  G_OBJECT_CLASS (forge_clone_and_preview_parent_class)->finalize (object);
}

static void
forge_clone_and_preview_class_init (ForgeCloneAndPreviewClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = forge_clone_and_preview_dispose;
  G_OBJECT_CLASS (klass)->finalize = forge_clone_and_preview_finalize;
}

static void
forge_clone_and_preview_init (ForgeCloneAndPreview *self)
{
  self->server_timeout = 1200;
  self->sandbox_timeout = 600;
  g_mutex_init (&self->limits_mutex);
  forge_sandbox_limits_init_default (&self->limits);
  self->restarts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_mutex_init (&self->tokens_mutex);
  self->tokens = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, run_token_free);
  self->overrides = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify) forge_run_env_unref);
  self->signatures = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

void
_forge_clone_and_preview_set_server_signature (ForgeCloneAndPreview *self,
                                               const char           *project_id,
                                               const char           *signature)
{
  g_mutex_lock (&self->tokens_mutex);
  if (self->signatures != NULL)
    {
      if (signature == NULL)
        g_hash_table_remove (self->signatures, project_id);
      else
        g_hash_table_replace (self->signatures, g_strdup (project_id), g_strdup (signature));
    }
  g_mutex_unlock (&self->tokens_mutex);
}

char *
_forge_clone_and_preview_dup_server_signature (ForgeCloneAndPreview *self,
                                               const char           *project_id)
{
  char *signature;

  g_mutex_lock (&self->tokens_mutex);
  signature = self->signatures != NULL ? g_strdup (g_hash_table_lookup (self->signatures, project_id)) : NULL;
  g_mutex_unlock (&self->tokens_mutex);

  return signature;
}

void
forge_clone_and_preview_set_run_overrides (ForgeCloneAndPreview *self,
                                           const char           *project_id,
                                           ForgeRunEnv          *overrides)
{
  g_return_if_fail (FORGE_IS_CLONE_AND_PREVIEW (self));
  g_return_if_fail (project_id != NULL);

  g_mutex_lock (&self->tokens_mutex);
  if (overrides == NULL)
    g_hash_table_remove (self->overrides, project_id);
  else
    g_hash_table_replace (self->overrides, g_strdup (project_id), forge_run_env_ref (overrides));
  g_mutex_unlock (&self->tokens_mutex);
}

ForgeRunEnv *
_forge_clone_and_preview_dup_run_overrides (ForgeCloneAndPreview *self,
                                            const char           *project_id)
{
  ForgeRunEnv *overrides;

  g_mutex_lock (&self->tokens_mutex);
  overrides = self->overrides != NULL ? g_hash_table_lookup (self->overrides, project_id) : NULL;
  if (overrides != NULL)
    forge_run_env_ref (overrides);
  g_mutex_unlock (&self->tokens_mutex);

  return overrides;
}

void
forge_clone_and_preview_set_host_token (ForgeCloneAndPreview *self,
                                        const char           *host,
                                        const char           *token,
                                        const char           *origin)
{
  g_autofree char *key = NULL;

  g_return_if_fail (FORGE_IS_CLONE_AND_PREVIEW (self));
  g_return_if_fail (host != NULL);

  key = g_ascii_strdown (host, -1);
  g_mutex_lock (&self->tokens_mutex);
  if (token == NULL || *token == '\0')
    g_hash_table_remove (self->tokens, key);
  else
    {
      RunToken *run_token = g_new0 (RunToken, 1);

      run_token->token = g_strdup (token);
      run_token->origin = g_strdup (origin);
      g_hash_table_replace (self->tokens, g_steal_pointer (&key), run_token);
    }
  g_mutex_unlock (&self->tokens_mutex);
}

char *
_forge_clone_and_preview_dup_host_token (ForgeCloneAndPreview *self,
                                         const char           *host,
                                         char                **origin)
{
  g_autofree char *key = NULL;
  RunToken *run_token;
  char *token = NULL;

  if (origin != NULL)
    *origin = NULL;
  if (host == NULL)
    return NULL;

  key = g_ascii_strdown (host, -1);
  g_mutex_lock (&self->tokens_mutex);
  if (self->tokens != NULL && (run_token = g_hash_table_lookup (self->tokens, key)) != NULL)
    {
      token = g_strdup (run_token->token);
      if (origin != NULL)
        *origin = g_strdup (run_token->origin);
    }
  g_mutex_unlock (&self->tokens_mutex);

  return token;
}

ForgeCloneAndPreview *
forge_clone_and_preview_new (ForgeProjectStore     *store,
                             ForgeSandboxManager   *manager,
                             ForgeSandboxProviders *providers)
{
  ForgeCloneAndPreview *self = g_object_new (FORGE_TYPE_CLONE_AND_PREVIEW, NULL);

  self->store = g_object_ref (store);
  self->manager = g_object_ref (manager);
  self->providers = providers != NULL ? g_object_ref (providers) : forge_sandbox_providers_new ();

  return self;
}

void
forge_clone_and_preview_set_server_timeout (ForgeCloneAndPreview *self,
                                            guint                 seconds)
{
  g_return_if_fail (FORGE_IS_CLONE_AND_PREVIEW (self));
  self->server_timeout = MAX (seconds, 1);
}

void
forge_clone_and_preview_set_sandbox_timeout (ForgeCloneAndPreview *self,
                                             guint                 seconds)
{
  g_return_if_fail (FORGE_IS_CLONE_AND_PREVIEW (self));
  self->sandbox_timeout = MAX (seconds, 1);
}

void
forge_clone_and_preview_set_sandbox_limits (ForgeCloneAndPreview     *self,
                                            const ForgeSandboxLimits *limits)
{
  g_return_if_fail (FORGE_IS_CLONE_AND_PREVIEW (self));
  g_return_if_fail (limits != NULL);

  g_mutex_lock (&self->limits_mutex);
  self->limits = *limits;
  g_mutex_unlock (&self->limits_mutex);
}

void
forge_clone_and_preview_get_sandbox_limits (ForgeCloneAndPreview *self,
                                            ForgeSandboxLimits   *limits)
{
  g_return_if_fail (FORGE_IS_CLONE_AND_PREVIEW (self));
  g_return_if_fail (limits != NULL);

  g_mutex_lock (&self->limits_mutex);
  *limits = self->limits;
  g_mutex_unlock (&self->limits_mutex);
}

static void
mark_failed (ForgePreviewRun *run,
             const GError    *error,
             gboolean         cancelled)
{
  g_autoptr(JsonObject) changes = json_object_new ();

  if (cancelled || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    json_object_set_string_member (changes, "status", "stopped");
  else
    {
      json_object_set_string_member (changes, "status", "failed");
      json_object_set_string_member (changes, "last_error", error->message);
    }
  forge_project_store_update_from_thread (run->self->store, run->project_id, changes);
}

/* Event data can come back from a journal on disk: json-glib's getters
 * warn about a member of another type, so look before taking it. */
static const char *
event_string (JsonObject *data,
              const char *name)
{
  JsonNode *node = json_object_get_member (data, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* Step ids are machine names; people read these titles. Kept next to the
 * workflow so that a new step cannot miss its title. doing: the title
 * while it runs, as a page's heading. */
static const struct
{
  const char *id;
  const char *title;
  const char *doing;
} step_titles[] = {
  { FORGE_STEP_GET_GITHUB_INTEGRATION, N_("Look up access token"), N_("Looking Up Access Token…") },
  { FORGE_STEP_CLONE_REPOSITORY, N_("Clone repository"), N_("Cloning Repository…") },
  { FORGE_STEP_DETECT_FRAMEWORK, N_("Detect framework"), N_("Detecting Framework…") },
  { FORGE_STEP_START_SANDBOX, N_("Start sandbox"), N_("Starting Sandbox…") },
  { FORGE_STEP_INSTALL_DEPENDENCIES, N_("Install dependencies"), N_("Installing Dependencies…") },
  { FORGE_STEP_START_PREVIEW_SERVER, N_("Start dev server"), N_("Starting Dev Server…") },
  { FORGE_STEP_UPDATE_PROJECT, N_("Save project"), N_("Saving Project…") },
};

const char * const *
forge_clone_and_preview_get_step_ids (void)
{
  static const char * const ids[] = {
    FORGE_STEP_GET_GITHUB_INTEGRATION,
    FORGE_STEP_CLONE_REPOSITORY,
    FORGE_STEP_DETECT_FRAMEWORK,
    FORGE_STEP_START_SANDBOX,
    FORGE_STEP_INSTALL_DEPENDENCIES,
    FORGE_STEP_START_PREVIEW_SERVER,
    FORGE_STEP_UPDATE_PROJECT,
    NULL
  };

  G_STATIC_ASSERT (G_N_ELEMENTS (ids) == G_N_ELEMENTS (step_titles) + 1);
  return ids;
}

static int
find_step_title (const char *step_id)
{
  /* The engine names the second run of a step "<id>:1" (see
   * forge_step_run()); it is the same step to the reader. */
  size_t base_length = strcspn (step_id, ":");

  for (guint i = 0; i < G_N_ELEMENTS (step_titles); i++)
    if (strlen (step_titles[i].id) == base_length && strncmp (step_id, step_titles[i].id, base_length) == 0)
      return (int) i;

  return -1;
}

const char *
forge_clone_and_preview_step_title (const char *step_id)
{
  int i;

  g_return_val_if_fail (step_id != NULL, NULL);

  i = find_step_title (step_id);
  return i >= 0 ? _(step_titles[i].title) : step_id;
}

const char *
forge_clone_and_preview_step_progress_title (const char *step_id)
{
  int i;

  g_return_val_if_fail (step_id != NULL, NULL);

  i = find_step_title (step_id);
  return i >= 0 ? _(step_titles[i].doing) : step_id;
}

/* A folder the address named (…/tree/main/apps/web) is known once the
 * clone resolved it; it chooses the app over the project's choice.
 * Always TRUE: it sits in the chain of steps. */
static gboolean
use_cloned_folder (ForgePreviewRun *run)
{
  const char *subdir = event_string (json_node_get_object (run->clone), "subdir");

  if (subdir != NULL && forge_git_subdir_is_valid (subdir))
    {
      g_free (run->package_dir);
      run->package_dir = g_strdup (subdir);
    }
  return TRUE;
}

static JsonNode *
clone_and_preview (ForgeStepContext  *ctx,
                   JsonNode          *event_data,
                   gpointer           user_data,
                   GError           **error)
{
  ForgeCloneAndPreview *self = user_data;
  g_autoptr(ForgePreviewRun) run = g_new0 (ForgePreviewRun, 1);
  g_autoptr(JsonNode) framework_node = NULL;
  g_autoptr(JsonNode) sandbox_node = NULL;
  g_autoptr(JsonNode) install = NULL;
  g_autoptr(JsonNode) server = NULL;
  g_autoptr(JsonNode) updated = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonObject *data;
  JsonObject *output;
  ForgePreviewUpdateData update_data;

  if (event_data == NULL || !JSON_NODE_HOLDS_OBJECT (event_data))
    {
      g_set_error_literal (error, FORGE_WORKFLOW_ERROR, FORGE_WORKFLOW_ERROR_NON_RETRIABLE,
                           "The clone-and-preview event carries no data");
      return NULL;
    }

  data = json_node_get_object (event_data);
  run->self = self;
  run->ctx = ctx;
  run->project_id = g_strdup (event_string (data, "project_id"));
  run->repo_url = g_strdup (event_string (data, "repo_url"));
  if (run->project_id == NULL || run->repo_url == NULL)
    {
      g_set_error_literal (error, FORGE_WORKFLOW_ERROR, FORGE_WORKFLOW_ERROR_NON_RETRIABLE,
                           "The clone-and-preview event needs a project_id and a repo_url");
      return NULL;
    }
  /* The id names the workspace folder this run clones into (and a
   * removal deletes): "../../x" in an event must not choose it. */
  if (!forge_project_id_is_valid (run->project_id))
    {
      g_set_error (error, FORGE_WORKFLOW_ERROR, FORGE_WORKFLOW_ERROR_NON_RETRIABLE,
                   "The clone-and-preview event's project_id “%s” is not a project id", run->project_id);
      return NULL;
    }
  run->restart = json_object_get_boolean_member_with_default (data, "restart", FALSE);
  run->reuse_clone = json_object_get_boolean_member_with_default (data, "reuse_clone", FALSE);
  /* Checked like a ref from projects.json: an event can come from a
   * journal on disk. */
  run->git_ref = g_strdup (event_string (data, "git_ref"));
  if (!forge_git_ref_is_valid (run->git_ref))
    {
      g_set_error (error, FORGE_WORKFLOW_ERROR, FORGE_WORKFLOW_ERROR_NON_RETRIABLE,
                   "The clone-and-preview event's git_ref “%s” is not a ref", run->git_ref);
      return NULL;
    }
  run->package_dir = g_strdup (event_string (data, "package_dir"));
  if (run->package_dir != NULL && !forge_git_subdir_is_valid (run->package_dir))
    {
      g_set_error (error, FORGE_WORKFLOW_ERROR, FORGE_WORKFLOW_ERROR_NON_RETRIABLE,
                   "The clone-and-preview event's package_dir “%s” is not a folder", run->package_dir);
      return NULL;
    }
  forge_clone_and_preview_get_sandbox_limits (self, &run->limits);
  /* Events journaled before backends existed name none. */
  run->backend = g_strdup (event_string (data, "backend"));
  if (run->backend == NULL)
    run->backend = g_strdup (FORGE_PROJECT_DEFAULT_BACKEND);

  /* A restart resumed from an earlier process has nobody waiting for it. */
  if (run->restart && !forge_sandbox_manager_expects_restart (self->manager, run->project_id))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                           "The sandbox manager no longer waits for this restart");
      return NULL;
    }
  run->workspace_dir = forge_project_workspace_dir_for_id (run->project_id);
  g_assert (run->workspace_dir != NULL);
  _forge_preview_run_load_env (run);
  /* Only "repo" is bound into the sandbox; the git directory stays out
   * of its reach (see forge_git_clone_or_update()). */
  run->repo_dir = g_build_filename (run->workspace_dir, "repo", NULL);
  run->git_dir = g_build_filename (run->workspace_dir, "git", NULL);

  if (!(run->integration = forge_step_run (ctx, FORGE_STEP_GET_GITHUB_INTEGRATION, _forge_preview_get_github_integration, run, &local_error)) ||
      !(run->clone = forge_step_run (ctx, FORGE_STEP_CLONE_REPOSITORY, _forge_preview_clone_repository, run, &local_error)) ||
      !use_cloned_folder (run) ||
      !(framework_node = forge_step_run (ctx, FORGE_STEP_DETECT_FRAMEWORK, _forge_preview_detect_framework, run, &local_error)) ||
      !(run->framework = forge_framework_new_from_json (framework_node, &local_error)) ||
      !(sandbox_node = forge_step_run (ctx, FORGE_STEP_START_SANDBOX, _forge_preview_start_sandbox, run, &local_error)) ||
      !(install = forge_step_run (ctx, FORGE_STEP_INSTALL_DEPENDENCIES, _forge_preview_install_dependencies, run, &local_error)) ||
      !(server = forge_step_run (ctx, FORGE_STEP_START_PREVIEW_SERVER, _forge_preview_start_preview_server, run, &local_error)))
    goto failed;

  /* A resumed run gets the stored output of a server that died with the
   * process that started it: start it again (as "start-preview-server:1"). */
  if (!_forge_preview_server_is_live (run, server))
    {
      g_clear_pointer (&server, json_node_unref);
      if (!(server = forge_step_run (ctx, FORGE_STEP_START_PREVIEW_SERVER, _forge_preview_start_preview_server, run, &local_error)))
        goto failed;
    }

  update_data.run = run;
  update_data.server = server;
  if (!(updated = forge_step_run (ctx, FORGE_STEP_UPDATE_PROJECT, _forge_preview_update_project, &update_data, &local_error)))
    goto failed;

  /* The manager owns the sandbox from here on. */
  g_clear_object (&run->sandbox);

  output = json_object_new ();
  json_object_set_string_member (output, "project_id", run->project_id);
  json_object_set_string_member (output, "preview_url", json_object_get_string_member (json_node_get_object (server), "url"));
  json_object_set_string_member (output, "sandbox_id", json_object_get_string_member (json_node_get_object (server), "sandbox_id"));
  /* "isolated", or "shared" when the sandbox runs on the host's network. */
  json_object_set_string_member (output, "network",
                                 json_object_get_string_member_with_default (json_node_get_object (server), "network", "shared"));
  json_object_set_string_member (output, "framework", forge_framework_get_id (run->framework));
  json_object_set_string_member (output, "package_manager", forge_framework_get_package_manager (run->framework));
  if (forge_framework_get_package_dir (run->framework) != NULL)
    json_object_set_string_member (output, "package_dir", forge_framework_get_package_dir (run->framework));
  return _forge_preview_object_node (output);

failed:
  /* Nothing the run started may outlive it. */
  if (forge_step_context_will_retry (ctx))
    {
      if (run->sandbox != NULL)
        forge_sandbox_kill (run->sandbox);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  if (run->sandbox != NULL)
    {
      g_autoptr(ForgeSandbox) adopted = forge_sandbox_manager_dup_sandbox (self->manager, run->project_id);

      if (adopted != run->sandbox)
        forge_sandbox_kill (run->sandbox);
    }
  mark_failed (run, local_error, g_cancellable_is_cancelled (forge_step_context_get_cancellable (ctx)));
  g_propagate_error (error, g_steal_pointer (&local_error));
  return NULL;
}

static void
restart_run_finished_cb (ForgeWorkflowEngine  *engine,
                         const char           *run_id,
                         ForgeRunStatus        status,
                         JsonNode             *output,
                         const char           *error_message,
                         ForgeCloneAndPreview *self)
{
  g_autofree char *stolen_run_id = NULL;
  g_autofree char *project_id = NULL;

  if (!g_hash_table_steal_extended (self->restarts, run_id, (gpointer *) &stolen_run_id, (gpointer *) &project_id))
    return;

  if (status == FORGE_RUN_STATUS_CANCELLED)
    forge_sandbox_manager_restart_cancelled (self->manager, project_id);
  else
    forge_sandbox_manager_restart_finished (self->manager, project_id,
                                            status == FORGE_RUN_STATUS_COMPLETED, error_message);
}

/* The manager's restarter: a restart is a workflow run like any other. */
static void
restart_cb (ForgeSandboxManager *manager,
            const char          *project_id,
            gpointer             user_data)
{
  ForgeCloneAndPreview *self = user_data;
  ForgeProject *project = forge_project_store_lookup (self->store, project_id);
  g_autoptr(JsonNode) data = NULL;
  JsonObject *object;
  char *run_id;

  if (project == NULL || self->engine == NULL)
    {
      forge_sandbox_manager_restart_finished (manager, project_id, FALSE, "The project is gone");
      return;
    }

  object = json_object_new ();
  json_object_set_string_member (object, "project_id", project_id);
  json_object_set_string_member (object, "repo_url", forge_project_get_repo_url (project));
  json_object_set_string_member (object, "backend", forge_project_get_backend (project));
  if (forge_project_get_git_ref (project) != NULL)
    json_object_set_string_member (object, "git_ref", forge_project_get_git_ref (project));
  if (forge_project_get_package_dir (project) != NULL)
    json_object_set_string_member (object, "package_dir", forge_project_get_package_dir (project));
  json_object_set_boolean_member (object, "restart", TRUE);
  data = _forge_preview_object_node (object);

  run_id = forge_workflow_engine_send (self->engine, FORGE_RESTART_PREVIEW_EVENT, data);
  if (run_id == NULL)
    {
      forge_sandbox_manager_restart_finished (manager, project_id, FALSE, "No restart function is registered");
      return;
    }

  g_hash_table_insert (self->restarts, run_id, g_strdup (project_id));
}

void
forge_clone_and_preview_register (ForgeCloneAndPreview *self,
                                  ForgeWorkflowEngine  *engine)
{
  g_return_if_fail (FORGE_IS_CLONE_AND_PREVIEW (self));
  g_return_if_fail (FORGE_IS_WORKFLOW_ENGINE (engine));
  g_return_if_fail (self->engine == NULL);

  /* The engine owns this object (as its functions' data): a reference
   * back would be a cycle. */
  self->engine = engine;
  g_object_add_weak_pointer (G_OBJECT (engine), (gpointer *) &self->engine);

  forge_workflow_engine_register (engine,
                                  FORGE_CLONE_AND_PREVIEW_FUNCTION,
                                  FORGE_CLONE_AND_PREVIEW_EVENT,
                                  clone_and_preview,
                                  g_object_ref (self),
                                  g_object_unref);
  forge_workflow_engine_register (engine,
                                  FORGE_RESTART_PREVIEW_FUNCTION,
                                  FORGE_RESTART_PREVIEW_EVENT,
                                  clone_and_preview,
                                  g_object_ref (self),
                                  g_object_unref);

  /* As the seed's function: one retry, five at once. A restart is not
   * retried by the engine: the manager counts failed starts itself. */
  forge_workflow_engine_set_function_options (engine, FORGE_CLONE_AND_PREVIEW_FUNCTION, 1, 5);
  forge_workflow_engine_set_function_options (engine, FORGE_RESTART_PREVIEW_FUNCTION, 0, 5);
  /* Opening a project again, or removing it, supersedes its runs. */
  for (guint i = 0; i < 2; i++)
    {
      const char *function_id = i == 0 ? FORGE_CLONE_AND_PREVIEW_FUNCTION : FORGE_RESTART_PREVIEW_FUNCTION;

      forge_workflow_engine_add_cancel_on (engine, function_id, FORGE_CLONE_AND_PREVIEW_EVENT, "project_id");
      forge_workflow_engine_add_cancel_on (engine, function_id, FORGE_PROJECT_REMOVED_EVENT, "project_id");
    }

  g_signal_connect (engine, "run-finished", G_CALLBACK (restart_run_finished_cb), self);
  forge_sandbox_manager_set_restarter (self->manager, restart_cb, self, NULL);
  self->registered = TRUE;
}

char *
forge_clone_and_preview_start (ForgeWorkflowEngine  *engine,
                               ForgeProjectStore    *store,
                               const char           *repo_url,
                               const char           *backend,
                               char                **project_id,
                               GError              **error)
{
  return forge_clone_and_preview_start_full (engine, store, repo_url, backend,
                                             FORGE_CLONE_AND_PREVIEW_START_NONE, project_id, error);
}

char *
forge_clone_and_preview_start_full (ForgeWorkflowEngine            *engine,
                                    ForgeProjectStore              *store,
                                    const char                     *repo_url,
                                    const char                     *backend,
                                    ForgeCloneAndPreviewStartFlags  flags,
                                    char                          **project_id,
                                    GError                        **error)
{
  g_autoptr(ForgeRepoSpec) spec = NULL;
  g_autoptr(JsonObject) reset = json_object_new ();
  g_autoptr(JsonNode) data = NULL;
  const char *normalized;
  JsonObject *object;
  ForgeProject *project;

  g_return_val_if_fail (FORGE_IS_WORKFLOW_ENGINE (engine), NULL);
  g_return_val_if_fail (FORGE_IS_PROJECT_STORE (store), NULL);

  spec = forge_git_parse_repo_spec (repo_url, error);
  if (spec == NULL)
    return NULL;
  normalized = forge_repo_spec_get_url (spec);

  project = forge_project_store_ensure (store, normalized);
  json_object_set_string_member (reset, "status", "generating");
  json_object_set_null_member (reset, "last_error");
  /* An address naming a ref moves the project there (see
   * forge_context_open_session()). */
  if (forge_repo_spec_get_ref (spec) != NULL)
    {
      json_object_set_string_member (reset, "git_ref", forge_repo_spec_get_ref (spec));
      json_object_set_string_member (reset, "subdir", forge_repo_spec_get_subdir (spec));
    }
  if (backend != NULL)
    json_object_set_string_member (reset, "backend", backend);
  forge_project_store_update (store, forge_project_get_id (project), reset);

  if (project_id != NULL)
    *project_id = g_strdup (forge_project_get_id (project));

  /* A run a crash interrupted picks up where it stopped. */
  {
    g_autofree char *unfinished = forge_workflow_engine_find_unfinished_run (engine, FORGE_CLONE_AND_PREVIEW_FUNCTION,
                                                                            "project_id", forge_project_get_id (project));

    if (unfinished != NULL && forge_workflow_engine_resume_run (engine, unfinished, NULL))
      return g_steal_pointer (&unfinished);
  }

  object = json_object_new ();
  json_object_set_string_member (object, "project_id", forge_project_get_id (project));
  json_object_set_string_member (object, "repo_url", normalized);
  json_object_set_string_member (object, "backend", forge_project_get_backend (project));
  if (forge_project_get_git_ref (project) != NULL)
    json_object_set_string_member (object, "git_ref", forge_project_get_git_ref (project));
  if (forge_project_get_package_dir (project) != NULL)
    json_object_set_string_member (object, "package_dir", forge_project_get_package_dir (project));
  if (flags & FORGE_CLONE_AND_PREVIEW_START_REUSE_CLONE)
    json_object_set_boolean_member (object, "reuse_clone", TRUE);
  data = _forge_preview_object_node (object);

  return forge_workflow_engine_send (engine, FORGE_CLONE_AND_PREVIEW_EVENT, data);
}
