/* forge-context.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-core"

#include "config.h"

#include "forge-context.h"
#include "forge-e2b-provider.h"
#include "forge-git.h"
#include "forge-local-provider.h"
#include "forge-preview-session-private.h"

struct _ForgeContext
{
  GObject                parent_instance;
  ForgeProjectStore     *store;
  ForgeSandboxProviders *providers;
  ForgeSandboxManager   *manager;
  ForgeWorkflowEngine   *engine;
  ForgeCloneAndPreview  *workflow;
  GHashTable            *sessions;   /* project id → ForgePreviewSession */
};

enum {
  SESSION_ADDED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (ForgeContext, forge_context, G_TYPE_OBJECT)

static void
forge_context_dispose (GObject *object)
{
  ForgeContext *self = FORGE_CONTEXT (object);

  /* No restart may start from now on, and runs stop at their next step
   * boundary or cancellable check. */
  if (self->manager != NULL)
    forge_sandbox_manager_set_restarter (self->manager, NULL, NULL, NULL);
  if (self->engine != NULL)
    forge_workflow_engine_cancel_all (self->engine);

  /* Sessions use everything else; whoever still holds one keeps what it
   * uses. */
  if (self->sessions != NULL)
    g_hash_table_remove_all (self->sessions);

  /* Users before what they use: the engine holds the workflow (as its
   * functions' data), the workflow holds the store, the manager and the
   * providers. A running invocation holds the engine, so whatever it
   * still needs lives until it ends. */
  g_clear_object (&self->workflow);
  g_clear_object (&self->engine);
  g_clear_object (&self->manager);
  g_clear_object (&self->providers);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (forge_context_parent_class)->dispose (object);
}

static void
forge_context_finalize (GObject *object)
{
  ForgeContext *self = FORGE_CONTEXT (object);

  g_clear_pointer (&self->sessions, g_hash_table_unref);

  G_OBJECT_CLASS (forge_context_parent_class)->finalize (object);
}

static void
forge_context_class_init (ForgeContextClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = forge_context_dispose;
  object_class->finalize = forge_context_finalize;

  signals[SESSION_ADDED] =
    g_signal_new ("session-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, FORGE_TYPE_PREVIEW_SESSION);
}

static void
forge_context_init (ForgeContext *self)
{
  self->sessions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
}

static void
session_state_cb (ForgeContext        *self,
                  GParamSpec          *pspec,
                  ForgePreviewSession *session)
{
  const char *project_id = forge_preview_session_get_project_id (session);

  /* A removed project's next session starts afresh. */
  if (forge_preview_session_get_state (session) == FORGE_PREVIEW_SESSION_STATE_REMOVED &&
      g_hash_table_lookup (self->sessions, project_id) == session)
    g_hash_table_remove (self->sessions, project_id);
}

/* Runs started elsewhere than in a session (resumed at start-up, the
 * manager's restarts) find their project's session here. */
static void
run_started_cb (ForgeContext *self,
                const char   *run_id,
                const char   *function_id,
                JsonNode     *event_data)
{
  const char *project_id;
  ForgeProject *project;

  if (event_data == NULL || !JSON_NODE_HOLDS_OBJECT (event_data))
    return;

  project_id = json_object_get_string_member_with_default (json_node_get_object (event_data), "project_id", NULL);
  if (project_id == NULL)
    return;

  /* A run resumed for a project removed meanwhile has nothing to do. An
   * id that names no project at all ("../..") is the workflow's to
   * refuse, as a failure that says why. */
  project = forge_project_store_lookup (self->store, project_id);
  if (project == NULL)
    {
      g_autofree char *workspace = forge_project_workspace_dir_for_id (project_id);

      if (workspace != NULL)
        forge_workflow_engine_cancel_run (self->engine, run_id);
      return;
    }

  _forge_preview_session_take_run (forge_context_ensure_session (self, project), run_id,
                                   g_str_equal (function_id, FORGE_RESTART_PREVIEW_FUNCTION));
}

static void
sweep_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!forge_e2b_provider_sweep_orphans_finish (FORGE_E2B_PROVIDER (object), result, NULL, &error))
    g_message ("Could not look for E2B sandboxes left by an earlier run: %s", error->message);
}

/* E2B sandboxes outlive the app: those an earlier process left (a crash)
 * would run, and be billed, until their timeout. Without a key the
 * provider does nothing. */
static void
sweep_e2b_orphans (ForgeContext *self)
{
  g_autoptr(ForgeSandboxProvider) provider = forge_sandbox_providers_lookup (self->providers,
                                                                             FORGE_E2B_PROVIDER_NAME,
                                                                             NULL);

  if (provider != NULL && FORGE_IS_E2B_PROVIDER (provider))
    forge_e2b_provider_sweep_orphans_async (FORGE_E2B_PROVIDER (provider), NULL, sweep_done_cb, NULL);
}

ForgeContext *
forge_context_new (const char *projects_path,
                   const char *runs_directory)
{
  ForgeContext *self = g_object_new (FORGE_TYPE_CONTEXT, NULL);

  self->store = forge_project_store_new (projects_path);
  self->providers = forge_sandbox_providers_new ();
  self->manager = forge_sandbox_manager_new ();
  self->engine = runs_directory != NULL ? forge_workflow_engine_new_for_directory (runs_directory)
                                        : forge_workflow_engine_new ();
  self->workflow = forge_clone_and_preview_new (self->store, self->manager, self->providers);
  forge_clone_and_preview_register (self->workflow, self->engine);
  g_signal_connect_object (self->engine, "run-started", G_CALLBACK (run_started_cb), self, G_CONNECT_SWAPPED);
  sweep_e2b_orphans (self);

  return self;
}

gboolean
forge_context_load (ForgeContext  *self,
                    GError       **error)
{
  g_return_val_if_fail (FORGE_IS_CONTEXT (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return forge_project_store_load (self->store, error);
}

ForgeProjectStore *
forge_context_get_store (ForgeContext *self)
{
  g_return_val_if_fail (FORGE_IS_CONTEXT (self), NULL);
  return self->store;
}

ForgeWorkflowEngine *
forge_context_get_engine (ForgeContext *self)
{
  g_return_val_if_fail (FORGE_IS_CONTEXT (self), NULL);
  return self->engine;
}

ForgeSandboxManager *
forge_context_get_manager (ForgeContext *self)
{
  g_return_val_if_fail (FORGE_IS_CONTEXT (self), NULL);
  return self->manager;
}

void
forge_context_set_flatpak_host (ForgeContext *self,
                                gboolean      host)
{
  g_autoptr(ForgeSandboxProvider) local = NULL;

  g_return_if_fail (FORGE_IS_CONTEXT (self));

  local = forge_sandbox_providers_lookup (self->providers, FORGE_LOCAL_PROVIDER_NAME, NULL);
  if (local != NULL && FORGE_IS_LOCAL_PROVIDER (local))
    forge_local_provider_set_flatpak_host (FORGE_LOCAL_PROVIDER (local), host);
}

ForgeSandboxProviders *
forge_context_get_providers (ForgeContext *self)
{
  g_return_val_if_fail (FORGE_IS_CONTEXT (self), NULL);
  return self->providers;
}

ForgeCloneAndPreview *
forge_context_get_workflow (ForgeContext *self)
{
  g_return_val_if_fail (FORGE_IS_CONTEXT (self), NULL);
  return self->workflow;
}

ForgePreviewSession *
forge_context_ensure_session (ForgeContext *self,
                              ForgeProject *project)
{
  ForgePreviewSession *session;

  g_return_val_if_fail (FORGE_IS_CONTEXT (self), NULL);
  g_return_val_if_fail (FORGE_IS_PROJECT (project), NULL);

  session = g_hash_table_lookup (self->sessions, forge_project_get_id (project));
  if (session != NULL)
    return session;

  session = _forge_preview_session_new (project, self->store, self->engine, self->manager);
  _forge_preview_session_set_workflow (session, self->workflow);
  g_hash_table_insert (self->sessions, g_strdup (forge_project_get_id (project)), session);
  g_signal_connect_object (session, "notify::state", G_CALLBACK (session_state_cb), self, G_CONNECT_SWAPPED);
  g_signal_emit (self, signals[SESSION_ADDED], 0, session);

  return session;
}

ForgePreviewSession *
forge_context_open_session (ForgeContext  *self,
                            const char    *url,
                            GError       **error)
{
  g_autoptr(ForgeRepoSpec) spec = NULL;
  ForgeProject *project;

  g_return_val_if_fail (FORGE_IS_CONTEXT (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* The one place a URL someone typed becomes a project's: two spellings
   * of one repository are one project. */
  spec = forge_git_parse_repo_spec (url, error);
  if (spec == NULL)
    return NULL;

  project = forge_project_store_ensure (self->store, forge_repo_spec_get_url (spec));

  /* One project per repository: an address that names a branch, a tag
   * or a pull request moves the project there (its next run checks it
   * out); one that names none keeps the project's. */
  if (forge_repo_spec_get_ref (spec) != NULL)
    {
      g_autoptr(JsonObject) changes = json_object_new ();

      json_object_set_string_member (changes, "git_ref", forge_repo_spec_get_ref (spec));
      json_object_set_string_member (changes, "subdir", forge_repo_spec_get_subdir (spec));
      forge_project_store_update (self->store, forge_project_get_id (project), changes);
    }

  return forge_context_ensure_session (self, project);
}

ForgePreviewSession *
forge_context_lookup_session (ForgeContext *self,
                              const char   *project_id)
{
  g_return_val_if_fail (FORGE_IS_CONTEXT (self), NULL);

  return project_id != NULL ? g_hash_table_lookup (self->sessions, project_id) : NULL;
}
