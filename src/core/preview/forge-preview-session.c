/* forge-preview-session.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-preview"

#include "config.h"

#include <glib/gi18n.h>

#include "forge-clone-and-preview.h"
#include "forge-git.h"
#include "forge-local-workspace.h"
#include "forge-monorepo.h"
#include "forge-preview-run-private.h"
#include "forge-preview-session-private.h"
#include "forge-sandbox-limits.h"
#include "forge-secrets.h"
#include "forge-util.h"

struct _ForgePreviewSession
{
  GObject                   parent_instance;

  ForgeProject             *project;
  ForgeProjectStore        *store;
  ForgeWorkflowEngine      *engine;
  ForgeSandboxManager      *manager;
  ForgeCloneAndPreview     *workflow;   /* weak */

  /* The pull, reset or switch under way, cancelled by stop and remove. */
  GCancellable             *update_cancellable;

  /* Every run of the project under way: run id → whether it is one of
   * the manager's restarts. */
  GHashTable               *runs;
  char                     *run_id;
  ForgePreviewSessionState  state;
  char                     *error_message;
  char                     *preview_url;
  char                     *framework;
  char                     *package_manager;
  char                     *package_dir;
  char                     *sandbox_id;
  char                     *network;
  gboolean                  visible;
};

enum {
  PROP_0,
  PROP_PROJECT,
  PROP_STATE,
  PROP_PREVIEW_URL,
  PROP_RUN_ID,
  PROP_ERROR_MESSAGE,
  PROP_VISIBLE,
  PROP_HAS_ACTIVE_RUN,
  PROP_UPDATING,
  N_PROPS
};

enum {
  STEP,
  PROGRESS,
  LOG,
  RUN_STATUS,
  RUN_FINISHED,
  SERVER_LOG,
  SANDBOX_STATE,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (ForgePreviewSession, forge_preview_session, G_TYPE_OBJECT)
G_DEFINE_QUARK (forge-preview-session-error-quark, forge_preview_session_error)

static gboolean
set_string (char       **field,
            const char  *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;

  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

static void
set_preview_url (ForgePreviewSession *self,
                 const char          *url)
{
  if (set_string (&self->preview_url, url))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PREVIEW_URL]);
}

static void
set_run_id (ForgePreviewSession *self,
            const char          *run_id)
{
  if (set_string (&self->run_id, run_id))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUN_ID]);
}

/* The message first, so that whoever follows the state reads the new one;
 * the state notifies also when only the message changed (a second reason
 * to be stopped is news too). */
static void
set_state (ForgePreviewSession      *self,
           ForgePreviewSessionState  state,
           const char               *error_message)
{
  gboolean message_changed = set_string (&self->error_message, error_message);

  if (message_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR_MESSAGE]);

  if (self->state == state && !message_changed)
    return;

  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static gboolean
is_own_run (ForgePreviewSession *self,
            const char          *run_id)
{
  return run_id != NULL && g_hash_table_contains (self->runs, run_id);
}

/* The runs table changed: "has-active-run" says when it fills or empties,
 * so that a window can offer Start again once a cancelled run is gone. */
static void
runs_changed (ForgePreviewSession *self,
              gboolean             had_active_run)
{
  if (had_active_run != forge_preview_session_has_active_run (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HAS_ACTIVE_RUN]);
}

static gboolean
is_own_project (ForgePreviewSession *self,
                const char          *project_id)
{
  return self->state != FORGE_PREVIEW_SESSION_STATE_REMOVED &&
         g_strcmp0 (project_id, forge_project_get_id (self->project)) == 0;
}

static void
engine_step_cb (ForgePreviewSession *self,
                const char          *run_id,
                const char          *step_id,
                ForgeStepState       state,
                guint                attempt,
                gint64               duration_ms,
                const char          *error_message)
{
  if (is_own_run (self, run_id))
    g_signal_emit (self, signals[STEP], 0, run_id, step_id, state, attempt, duration_ms, error_message);
}

static void
engine_progress_cb (ForgePreviewSession *self,
                    const char          *run_id,
                    const char          *step_id,
                    double               fraction,
                    const char          *text)
{
  if (is_own_run (self, run_id))
    g_signal_emit (self, signals[PROGRESS], 0, run_id, step_id, fraction, text);
}

static void
engine_log_cb (ForgePreviewSession *self,
               const char          *run_id,
               const char          *stream,
               const char          *line)
{
  if (is_own_run (self, run_id))
    g_signal_emit (self, signals[LOG], 0, run_id, stream, line);
}

static void
engine_run_status_cb (ForgePreviewSession *self,
                      const char          *run_id,
                      ForgeRunStatus       status)
{
  if (is_own_run (self, run_id))
    g_signal_emit (self, signals[RUN_STATUS], 0, run_id, status);
}

static void
take_output (ForgePreviewSession *self,
             JsonObject          *output)
{
  g_free (self->framework);
  self->framework = g_strdup (json_object_get_string_member_with_default (output, "framework", NULL));
  g_free (self->package_manager);
  self->package_manager = g_strdup (json_object_get_string_member_with_default (output, "package_manager", NULL));
  g_free (self->package_dir);
  self->package_dir = g_strdup (json_object_get_string_member_with_default (output, "package_dir", NULL));
  g_free (self->sandbox_id);
  self->sandbox_id = g_strdup (json_object_get_string_member_with_default (output, "sandbox_id", NULL));
  g_free (self->network);
  self->network = g_strdup (json_object_get_string_member_with_default (output, "network", NULL));
  set_preview_url (self, json_object_get_string_member_with_default (output, "preview_url", NULL));
}

static void
engine_run_finished_cb (ForgePreviewSession *self,
                        const char          *run_id,
                        ForgeRunStatus       status,
                        JsonNode            *output,
                        const char          *error_message)
{
  gboolean restart;
  const char *project_id = forge_project_get_id (self->project);

  if (!is_own_run (self, run_id))
    return;

  restart = GPOINTER_TO_INT (g_hash_table_lookup (self->runs, run_id));
  g_hash_table_remove (self->runs, run_id);
  runs_changed (self, TRUE);

  /* The manager reports how its restarts end (sandbox-state); a run a
   * newer one replaced has nothing left to say. */
  if (restart || g_strcmp0 (run_id, self->run_id) != 0 || self->state == FORGE_PREVIEW_SESSION_STATE_REMOVED)
    return;

  if (status == FORGE_RUN_STATUS_COMPLETED && output != NULL && JSON_NODE_HOLDS_OBJECT (output) &&
      json_object_get_string_member_with_default (json_node_get_object (output), "preview_url", NULL) != NULL)
    {
      take_output (self, json_node_get_object (output));
      /* From here on the manager keeps it alive and brings it back. */
      forge_sandbox_manager_watch (self->manager, project_id);
      forge_sandbox_manager_set_visible (self->manager, project_id, self->visible);
      set_state (self, FORGE_PREVIEW_SESSION_STATE_RUNNING, NULL);
    }
  else if (status == FORGE_RUN_STATUS_FAILED)
    set_state (self, FORGE_PREVIEW_SESSION_STATE_FAILED, error_message);
  else if (self->state == FORGE_PREVIEW_SESSION_STATE_STARTING)
    set_state (self, FORGE_PREVIEW_SESSION_STATE_STOPPED, NULL);

  g_signal_emit (self, signals[RUN_FINISHED], 0, run_id, status, error_message);
}

static void
manager_server_exited_cb (ForgePreviewSession *self,
                          const char          *project_id,
                          int                  wait_status)
{
  if (!is_own_project (self, project_id))
    return;

  /* A watched sandbox is the manager's to bring back. */
  if (forge_sandbox_manager_is_watched (self->manager, project_id) || forge_preview_session_has_active_run (self))
    return;

  forge_project_set_status (self->project, FORGE_PROJECT_STATUS_STOPPED);
  set_preview_url (self, NULL);
  set_state (self, FORGE_PREVIEW_SESSION_STATE_STOPPED, _("The dev server stopped."));
}

static void
manager_server_log_cb (ForgePreviewSession *self,
                       const char          *project_id,
                       const char          *stream,
                       const char          *line)
{
  if (is_own_project (self, project_id))
    g_signal_emit (self, signals[SERVER_LOG], 0, stream, line);
}

static void
manager_sandbox_state_cb (ForgePreviewSession *self,
                          const char          *project_id,
                          ForgeSandboxState    state,
                          const char          *url,
                          gint64               restart_ms)
{
  if (!is_own_project (self, project_id))
    return;

  switch (state)
    {
    case FORGE_SANDBOX_STATE_RESTARTING:
      set_state (self, FORGE_PREVIEW_SESSION_STATE_RESTORING, NULL);
      break;

    case FORGE_SANDBOX_STATE_RESTORED:
      set_preview_url (self, url);
      set_state (self, FORGE_PREVIEW_SESSION_STATE_RUNNING, NULL);
      break;

    case FORGE_SANDBOX_STATE_GAVE_UP:
      set_state (self, FORGE_PREVIEW_SESSION_STATE_GAVE_UP, NULL);
      break;

    case FORGE_SANDBOX_STATE_ALIVE:
    case FORGE_SANDBOX_STATE_EXPIRED:
    case FORGE_SANDBOX_STATE_DIED:
    default:
      break;
    }

  g_signal_emit (self, signals[SANDBOX_STATE], 0, state, url, restart_ms);
}

static void
forge_preview_session_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  ForgePreviewSession *self = FORGE_PREVIEW_SESSION (object);

  switch (prop_id)
    {
    case PROP_PROJECT:
      g_value_set_object (value, self->project);
      break;

    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;

    case PROP_PREVIEW_URL:
      g_value_set_string (value, self->preview_url);
      break;

    case PROP_RUN_ID:
      g_value_set_string (value, self->run_id);
      break;

    case PROP_ERROR_MESSAGE:
      g_value_set_string (value, self->error_message);
      break;

    case PROP_VISIBLE:
      g_value_set_boolean (value, self->visible);
      break;

    case PROP_HAS_ACTIVE_RUN:
      g_value_set_boolean (value, forge_preview_session_has_active_run (self));
      break;

    case PROP_UPDATING:
      g_value_set_boolean (value, forge_preview_session_is_updating (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
forge_preview_session_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  ForgePreviewSession *self = FORGE_PREVIEW_SESSION (object);

  switch (prop_id)
    {
    case PROP_PROJECT:
      self->project = g_value_dup_object (value);
      break;

    case PROP_VISIBLE:
      forge_preview_session_set_visible (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
forge_preview_session_dispose (GObject *object)
{
  ForgePreviewSession *self = FORGE_PREVIEW_SESSION (object);

  if (self->update_cancellable != NULL)
    g_cancellable_cancel (self->update_cancellable);
  if (self->workflow != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->workflow), (gpointer *) &self->workflow);
  self->workflow = NULL;
  g_clear_object (&self->engine);
  g_clear_object (&self->manager);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (forge_preview_session_parent_class)->dispose (object);
}

static void
forge_preview_session_finalize (GObject *object)
{
  ForgePreviewSession *self = FORGE_PREVIEW_SESSION (object);

  g_clear_object (&self->project);
  g_clear_pointer (&self->runs, g_hash_table_unref);
  g_clear_pointer (&self->run_id, g_free);
  g_clear_pointer (&self->error_message, g_free);
  g_clear_pointer (&self->preview_url, g_free);
  g_clear_pointer (&self->framework, g_free);
  g_clear_pointer (&self->package_manager, g_free);
  g_clear_pointer (&self->package_dir, g_free);
  g_clear_pointer (&self->sandbox_id, g_free);
  g_clear_pointer (&self->network, g_free);

  G_OBJECT_CLASS (forge_preview_session_parent_class)->finalize (object);
}

static void
forge_preview_session_class_init (ForgePreviewSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = forge_preview_session_get_property;
  object_class->set_property = forge_preview_session_set_property;
  object_class->dispose = forge_preview_session_dispose;
  object_class->finalize = forge_preview_session_finalize;

  properties[PROP_PROJECT] =
    g_param_spec_object ("project", NULL, NULL, FORGE_TYPE_PROJECT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, FORGE_TYPE_PREVIEW_SESSION_STATE,
                       FORGE_PREVIEW_SESSION_STATE_IDLE,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PREVIEW_URL] =
    g_param_spec_string ("preview-url", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_RUN_ID] =
    g_param_spec_string ("run-id", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ERROR_MESSAGE] =
    g_param_spec_string ("error-message", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_VISIBLE] =
    g_param_spec_boolean ("visible", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_HAS_ACTIVE_RUN] =
    g_param_spec_boolean ("has-active-run", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_UPDATING] =
    g_param_spec_boolean ("updating", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[STEP] =
    g_signal_new ("step", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 6,
                  G_TYPE_STRING, G_TYPE_STRING, FORGE_TYPE_STEP_STATE, G_TYPE_UINT, G_TYPE_INT64, G_TYPE_STRING);
  signals[PROGRESS] =
    g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 4,
                  G_TYPE_STRING, G_TYPE_STRING, G_TYPE_DOUBLE, G_TYPE_STRING);
  signals[LOG] =
    g_signal_new ("log", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 3,
                  G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
  signals[RUN_STATUS] =
    g_signal_new ("run-status", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2,
                  G_TYPE_STRING, FORGE_TYPE_RUN_STATUS);
  signals[RUN_FINISHED] =
    g_signal_new ("run-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 3,
                  G_TYPE_STRING, FORGE_TYPE_RUN_STATUS, G_TYPE_STRING);
  signals[SERVER_LOG] =
    g_signal_new ("server-log", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2,
                  G_TYPE_STRING, G_TYPE_STRING);
  signals[SANDBOX_STATE] =
    g_signal_new ("sandbox-state", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 3,
                  FORGE_TYPE_SANDBOX_STATE, G_TYPE_STRING, G_TYPE_INT64);
}

static void
forge_preview_session_init (ForgePreviewSession *self)
{
  self->runs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->state = FORGE_PREVIEW_SESSION_STATE_IDLE;
  self->visible = TRUE;
}

ForgePreviewSession *
_forge_preview_session_new (ForgeProject        *project,
                            ForgeProjectStore   *store,
                            ForgeWorkflowEngine *engine,
                            ForgeSandboxManager *manager)
{
  ForgePreviewSession *self;

  g_return_val_if_fail (FORGE_IS_PROJECT (project), NULL);
  g_return_val_if_fail (FORGE_IS_PROJECT_STORE (store), NULL);
  g_return_val_if_fail (FORGE_IS_WORKFLOW_ENGINE (engine), NULL);
  g_return_val_if_fail (FORGE_IS_SANDBOX_MANAGER (manager), NULL);

  self = g_object_new (FORGE_TYPE_PREVIEW_SESSION, "project", project, NULL);
  self->store = g_object_ref (store);
  self->engine = g_object_ref (engine);
  self->manager = g_object_ref (manager);

  g_signal_connect_object (engine, "step", G_CALLBACK (engine_step_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (engine, "progress", G_CALLBACK (engine_progress_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (engine, "log", G_CALLBACK (engine_log_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (engine, "run-status", G_CALLBACK (engine_run_status_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (engine, "run-finished", G_CALLBACK (engine_run_finished_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (manager, "server-exited", G_CALLBACK (manager_server_exited_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (manager, "server-log", G_CALLBACK (manager_server_log_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (manager, "sandbox-state", G_CALLBACK (manager_sandbox_state_cb), self, G_CONNECT_SWAPPED);

  return self;
}

static void
begin_run (ForgePreviewSession *self,
           const char          *run_id)
{
  gboolean had_active_run = forge_preview_session_has_active_run (self);

  g_hash_table_replace (self->runs, g_strdup (run_id), GINT_TO_POINTER (FALSE));
  runs_changed (self, had_active_run);
  set_run_id (self, run_id);
  set_preview_url (self, NULL);
  set_state (self, FORGE_PREVIEW_SESSION_STATE_STARTING, NULL);
}

void
_forge_preview_session_take_run (ForgePreviewSession *self,
                                 const char          *run_id,
                                 gboolean             restart)
{
  g_return_if_fail (FORGE_IS_PREVIEW_SESSION (self));
  g_return_if_fail (run_id != NULL);

  if (self->state == FORGE_PREVIEW_SESSION_STATE_REMOVED)
    return;

  if (restart)
    {
      gboolean had_active_run = forge_preview_session_has_active_run (self);

      g_hash_table_replace (self->runs, g_strdup (run_id), GINT_TO_POINTER (TRUE));
      runs_changed (self, had_active_run);
    }
  else if (!g_hash_table_contains (self->runs, run_id))
    begin_run (self, run_id);
}

ForgeProject *
forge_preview_session_get_project (ForgePreviewSession *self)
{
  g_return_val_if_fail (FORGE_IS_PREVIEW_SESSION (self), NULL);
  return self->project;
}

const char *
forge_preview_session_get_project_id (ForgePreviewSession *self)
{
  g_return_val_if_fail (FORGE_IS_PREVIEW_SESSION (self), NULL);
  return forge_project_get_id (self->project);
}

ForgePreviewSessionState
forge_preview_session_get_state (ForgePreviewSession *self)
{
  g_return_val_if_fail (FORGE_IS_PREVIEW_SESSION (self), FORGE_PREVIEW_SESSION_STATE_IDLE);
  return self->state;
}

const char *
forge_preview_session_get_preview_url (ForgePreviewSession *self)
{
  g_return_val_if_fail (FORGE_IS_PREVIEW_SESSION (self), NULL);
  return self->preview_url;
}

const char *
forge_preview_session_get_run_id (ForgePreviewSession *self)
{
  g_return_val_if_fail (FORGE_IS_PREVIEW_SESSION (self), NULL);
  return self->run_id;
}

const char *
forge_preview_session_get_error_message (ForgePreviewSession *self)
{
  g_return_val_if_fail (FORGE_IS_PREVIEW_SESSION (self), NULL);
  return self->error_message;
}

const char *
forge_preview_session_get_framework (ForgePreviewSession *self)
{
  g_return_val_if_fail (FORGE_IS_PREVIEW_SESSION (self), NULL);
  return self->framework;
}

const char *
forge_preview_session_get_package_dir (ForgePreviewSession *self)
{
  g_return_val_if_fail (FORGE_IS_PREVIEW_SESSION (self), NULL);
  return self->package_dir;
}

const char *
forge_preview_session_get_package_manager (ForgePreviewSession *self)
{
  g_return_val_if_fail (FORGE_IS_PREVIEW_SESSION (self), NULL);
  return self->package_manager;
}

const char *
forge_preview_session_get_sandbox_id (ForgePreviewSession *self)
{
  g_return_val_if_fail (FORGE_IS_PREVIEW_SESSION (self), NULL);
  return self->sandbox_id;
}

const char *
forge_preview_session_get_network (ForgePreviewSession *self)
{
  g_return_val_if_fail (FORGE_IS_PREVIEW_SESSION (self), NULL);
  return self->network;
}

gboolean
forge_preview_session_has_active_run (ForgePreviewSession *self)
{
  g_return_val_if_fail (FORGE_IS_PREVIEW_SESSION (self), FALSE);
  return g_hash_table_size (self->runs) > 0;
}

gboolean
forge_preview_session_is_live (ForgePreviewSession *self)
{
  g_autofree char *url = NULL;

  g_return_val_if_fail (FORGE_IS_PREVIEW_SESSION (self), FALSE);

  if (self->manager == NULL)
    return FALSE;

  url = forge_sandbox_manager_dup_preview_url (self->manager, forge_project_get_id (self->project));
  return url != NULL;
}

gboolean
forge_preview_session_get_visible (ForgePreviewSession *self)
{
  g_return_val_if_fail (FORGE_IS_PREVIEW_SESSION (self), FALSE);
  return self->visible;
}

void
forge_preview_session_set_visible (ForgePreviewSession *self,
                                   gboolean             visible)
{
  g_return_if_fail (FORGE_IS_PREVIEW_SESSION (self));

  visible = !!visible;
  if (self->visible == visible)
    return;

  self->visible = visible;
  if (self->manager != NULL && self->state != FORGE_PREVIEW_SESSION_STATE_REMOVED)
    forge_sandbox_manager_set_visible (self->manager, forge_project_get_id (self->project), visible);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VISIBLE]);
}

gboolean
forge_preview_session_run (ForgePreviewSession  *self,
                           const char           *backend,
                           GError              **error)
{
  g_autofree char *run_id = NULL;

  g_return_val_if_fail (FORGE_IS_PREVIEW_SESSION (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->state == FORGE_PREVIEW_SESSION_STATE_REMOVED)
    {
      g_set_error_literal (error, FORGE_PREVIEW_SESSION_ERROR, FORGE_PREVIEW_SESSION_ERROR_REMOVED, _("The project was removed."));
      return FALSE;
    }

  /* The update's warm run follows it. */
  if (self->update_cancellable != NULL)
    {
      g_set_error_literal (error, FORGE_PREVIEW_SESSION_ERROR, FORGE_PREVIEW_SESSION_ERROR_BUSY,
                           _("This project is being updated: wait for it to finish, then try again."));
      return FALSE;
    }

  /* One run per project at a time: two would share one workspace. */
  if (forge_preview_session_has_active_run (self))
    return TRUE;

  /* The new run owns the project now: no heartbeat or pending restart of
   * the old preview may race it. It is watched again once it is up. */
  forge_sandbox_manager_unwatch (self->manager, forge_project_get_id (self->project));

  /* The project's URL is the normalized one it was found or made by. */
  run_id = forge_clone_and_preview_start (self->engine, self->store, forge_project_get_repo_url (self->project),
                                          backend, NULL, error);
  if (run_id == NULL)
    return FALSE;

  begin_run (self, run_id);
  return TRUE;
}

void
forge_preview_session_restart (ForgePreviewSession *self)
{
  const char *project_id;

  g_return_if_fail (FORGE_IS_PREVIEW_SESSION (self));

  if (self->state == FORGE_PREVIEW_SESSION_STATE_REMOVED || forge_preview_session_has_active_run (self))
    return;

  project_id = forge_project_get_id (self->project);

  /* Without a watched sandbox there is nothing to restart: start afresh. */
  if (!forge_sandbox_manager_is_watched (self->manager, project_id))
    {
      g_autoptr(GError) error = NULL;

      if (!forge_preview_session_run (self, NULL, &error))
        set_state (self, FORGE_PREVIEW_SESSION_STATE_FAILED, error->message);
      return;
    }

  forge_sandbox_manager_restart (self->manager, project_id);
}

static void
cancel_runs (ForgePreviewSession *self)
{
  g_autoptr(GPtrArray) run_ids = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  const char *run_id;

  /* Copied: a cancelled run may end, and leave the table, at once.
   * Others stay counted until they have wound down. */
  g_hash_table_iter_init (&iter, self->runs);
  while (g_hash_table_iter_next (&iter, (gpointer *) &run_id, NULL))
    g_ptr_array_add (run_ids, g_strdup (run_id));
  for (guint i = 0; i < run_ids->len; i++)
    forge_workflow_engine_cancel_run (self->engine, g_ptr_array_index (run_ids, i));
}

void
forge_preview_session_stop (ForgePreviewSession *self)
{
  const char *project_id;

  g_return_if_fail (FORGE_IS_PREVIEW_SESSION (self));

  if (self->state == FORGE_PREVIEW_SESSION_STATE_REMOVED)
    return;

  project_id = forge_project_get_id (self->project);

  /* A restart on its way would bring it back: cancel it first; an
   * update would start a run once done. */
  if (self->update_cancellable != NULL)
    g_cancellable_cancel (self->update_cancellable);
  cancel_runs (self);
  forge_sandbox_manager_unwatch (self->manager, project_id);
  forge_sandbox_manager_stop (self->manager, project_id);
  forge_project_set_status (self->project, FORGE_PROJECT_STATUS_STOPPED);
  set_preview_url (self, NULL);
  set_state (self, FORGE_PREVIEW_SESSION_STATE_STOPPED, _("The sandbox is stopped."));
}

gboolean
forge_preview_session_retry_run (ForgePreviewSession  *self,
                                 const char           *run_id,
                                 GError              **error)
{
  g_return_val_if_fail (FORGE_IS_PREVIEW_SESSION (self), FALSE);
  g_return_val_if_fail (run_id != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->state == FORGE_PREVIEW_SESSION_STATE_REMOVED)
    {
      g_set_error_literal (error, FORGE_PREVIEW_SESSION_ERROR, FORGE_PREVIEW_SESSION_ERROR_REMOVED, _("The project was removed."));
      return FALSE;
    }

  /* One run per project at a time: two would share one workspace. */
  if (forge_preview_session_has_active_run (self))
    {
      g_set_error_literal (error, FORGE_PREVIEW_SESSION_ERROR, FORGE_PREVIEW_SESSION_ERROR_BUSY,
                           _("This project is still starting: wait for it to finish, then try again."));
      return FALSE;
    }

  forge_sandbox_manager_unwatch (self->manager, forge_project_get_id (self->project));
  if (!forge_workflow_engine_retry_run (self->engine, run_id, error))
    return FALSE;

  begin_run (self, run_id);
  return TRUE;
}

GListModel *
forge_preview_session_list_runs (ForgePreviewSession *self)
{
  g_return_val_if_fail (FORGE_IS_PREVIEW_SESSION (self), NULL);

  if (self->engine == NULL)
    return G_LIST_MODEL (g_list_store_new (FORGE_TYPE_RUN_INFO));

  return forge_workflow_engine_list_runs (self->engine, "project_id", forge_project_get_id (self->project));
}

ForgeRunInfo *
forge_preview_session_dup_run_info (ForgePreviewSession *self,
                                    const char          *run_id)
{
  g_return_val_if_fail (FORGE_IS_PREVIEW_SESSION (self), NULL);
  g_return_val_if_fail (run_id != NULL, NULL);

  if (self->engine == NULL)
    return NULL;

  return forge_workflow_engine_dup_run_info (self->engine, run_id);
}

/* ------------------------------------------------------------------ */
/* Pull, reset, switch                                                */
/* ------------------------------------------------------------------ */

void
_forge_preview_session_set_workflow (ForgePreviewSession  *self,
                                     ForgeCloneAndPreview *workflow)
{
  g_return_if_fail (FORGE_IS_PREVIEW_SESSION (self));
  g_return_if_fail (self->workflow == NULL);

  /* The context owns both; the workflow may go first at shutdown. */
  self->workflow = workflow;
  if (workflow != NULL)
    g_object_add_weak_pointer (G_OBJECT (workflow), (gpointer *) &self->workflow);
}

gboolean
forge_preview_session_is_updating (ForgePreviewSession *self)
{
  g_return_val_if_fail (FORGE_IS_PREVIEW_SESSION (self), FALSE);
  return self->update_cancellable != NULL;
}

typedef enum
{
  UPDATE_PULL,
  UPDATE_RESET,
  UPDATE_SWITCH,
} UpdateKind;

typedef struct
{
  UpdateKind  kind;
  char       *url;
  char       *ref;
  char       *git_dir;
  char       *work_tree;
  char       *host;
  char       *token;          /* this process's, or NULL: then the keyring's */
  char       *token_origin;
  gboolean    discard_changes;
  /* The clone's disk cap, as a run's clone step applies it (0: none). */
  guint64     workspace_bytes;
  ForgeGitCap cap;
  /* Results */
  char       *head;
  gboolean    updated;
  /* About submodules that were not fetched; the warm run's log gets them. */
  char      **notes;
} Update;

static void
update_free (Update *update)
{
  g_free (update->url);
  g_free (update->ref);
  g_free (update->git_dir);
  g_free (update->work_tree);
  g_free (update->host);
  forge_secrets_free_token (update->token);
  g_free (update->token_origin);
  g_free (update->head);
  g_strfreev (update->notes);
  g_free (update);
}

/* The same rule as a run's clone step: what the update would write past
 * the project's disk cap stops it before anything is written. */
static void
update_progress_cb (ForgeGitPhase  phase,
                    guint64        current,
                    guint64        total,
                    guint64        bytes,
                    gpointer       user_data)
{
  Update *update = user_data;

  _forge_git_cap_check (&update->cap, bytes);
}

static void
update_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  Update *update = task_data;
  g_autoptr(GError) error = NULL;
  char *token = update->token;
  char *keyring_token = NULL;
  gboolean ok = FALSE;

  if (token == NULL && update->host != NULL)
    token = keyring_token = forge_secrets_lookup_token (update->host, cancellable, NULL);

  _forge_git_cap_init (&update->cap, cancellable, update->workspace_bytes);

  switch (update->kind)
    {
    case UPDATE_PULL:
      ok = forge_git_pull (update->url, update->ref, update->git_dir, update->work_tree, token,
                           update_progress_cb, update, &update->head, &update->updated, &update->notes,
                           update->cap.cancellable, &error);
      break;

    case UPDATE_RESET:
      update->updated = TRUE;
      ok = forge_git_clone_or_update_ref (update->url, update->ref, update->git_dir, update->work_tree, token,
                                          update_progress_cb, update, &update->head, &update->notes,
                                          update->cap.cancellable, &error);
      break;

    case UPDATE_SWITCH:
    default:
      update->updated = TRUE;
      if (!update->discard_changes && g_file_test (update->git_dir, G_FILE_TEST_IS_DIR))
        {
          g_autofree char *changed = NULL;
          g_autoptr(GError) dirty_error = NULL;

          if (forge_git_work_tree_is_dirty (update->git_dir, update->work_tree, &changed, &dirty_error))
            {
              g_set_error (&error, FORGE_GIT_ERROR, FORGE_GIT_ERROR_DIRTY,
                           _("The project has local changes (%s): switching drops them, so confirm to switch anyway."),
                           changed);
              break;
            }
        }
      ok = forge_git_clone_or_update_ref (update->url, update->ref, update->git_dir, update->work_tree, token,
                                          update_progress_cb, update, &update->head, &update->notes,
                                          update->cap.cancellable, &error);
      break;
    }

  if (_forge_git_cap_clear (&update->cap) && !ok)
    {
      g_autofree char *cap = forge_format_limit_size (update->workspace_bytes);

      g_clear_error (&error);
      g_set_error (&error, FORGE_GIT_ERROR, FORGE_GIT_ERROR_TOO_BIG,
                   _("The update is bigger than a project’s disk limit (%s): raise the limit in Preferences → Sandbox Limits, then try again."),
                   cap);
    }

  if (!ok && token != NULL && g_error_matches (error, FORGE_GIT_ERROR, FORGE_GIT_ERROR_AUTH_REQUIRED))
    {
      gboolean github = g_strcmp0 (update->host, "github.com") == 0;

      g_free (error->message);
      if (update->token_origin != NULL)
        error->message = github ? g_strdup_printf (_("GitHub refused the token: check %s."), update->token_origin)
                                : g_strdup_printf (_("%s refused the token: check %s."), update->host, update->token_origin);
      else
        error->message = github ? g_strdup (_("GitHub refused the token: reconnect in Preferences → Accounts."))
                                : g_strdup_printf (_("%s refused the token: reconnect in Preferences → Accounts."), update->host);
    }
  forge_secrets_free_token (keyring_token);

  if (!ok)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
update_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  ForgePreviewSession *self = FORGE_PREVIEW_SESSION (object);
  g_autoptr(GTask) task = user_data;
  Update *update = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) changes = NULL;
  g_autofree char *run_id = NULL;
  gboolean cancelled;

  cancelled = g_cancellable_is_cancelled (self->update_cancellable);
  g_clear_object (&self->update_cancellable);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UPDATING]);

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (self->state == FORGE_PREVIEW_SESSION_STATE_REMOVED || cancelled)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled."));
      return;
    }

  g_object_set_data (G_OBJECT (task), "forge-updated", GINT_TO_POINTER (update->updated));
  changes = json_object_new ();
  json_object_set_string_member (changes, "head_commit", update->head);
  if (update->kind == UPDATE_SWITCH)
    {
      json_object_set_string_member (changes, "git_ref", update->ref);
      /* A folder of the old ref need not exist in the new one. */
      json_object_set_null_member (changes, "subdir");
    }
  forge_project_store_update (self->store, forge_project_get_id (self->project), changes);

  /* Nothing new under a live preview: nothing to restart. */
  if (!update->updated && forge_preview_session_is_live (self))
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  forge_sandbox_manager_unwatch (self->manager, forge_project_get_id (self->project));
  run_id = forge_clone_and_preview_start_full (self->engine, self->store, forge_project_get_repo_url (self->project),
                                               NULL, FORGE_CLONE_AND_PREVIEW_START_REUSE_CLONE, NULL, &error);
  if (run_id == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  begin_run (self, run_id);
  /* The warm run reuses the clone: its log is where they are read. */
  for (guint i = 0; update->notes != NULL && update->notes[i] != NULL; i++)
    g_signal_emit (self, signals[LOG], 0, run_id, "git", update->notes[i]);
  g_task_return_boolean (task, TRUE);
}

static void
start_update (ForgePreviewSession *self,
              UpdateKind           kind,
              const char          *ref,
              gboolean             discard_changes,
              GCancellable        *cancellable,
              GAsyncReadyCallback  callback,
              gpointer             user_data,
              gpointer             source_tag)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GTask) worker = NULL;
  g_autofree char *workspace = NULL;
  Update *update;

  g_task_set_source_tag (task, source_tag);

  if (self->state == FORGE_PREVIEW_SESSION_STATE_REMOVED)
    {
      g_task_return_new_error (task, FORGE_PREVIEW_SESSION_ERROR, FORGE_PREVIEW_SESSION_ERROR_REMOVED,
                               _("The project was removed."));
      return;
    }

  /* Both would write the one workspace. */
  if (self->update_cancellable != NULL || forge_preview_session_has_active_run (self))
    {
      g_task_return_new_error (task, FORGE_PREVIEW_SESSION_ERROR, FORGE_PREVIEW_SESSION_ERROR_BUSY,
                               _("This project is busy: wait for it to finish, then try again."));
      return;
    }

  if (!forge_git_ref_is_valid (ref) || forge_git_ref_get_kind (ref) == FORGE_GIT_REF_TREE)
    {
      g_task_return_new_error (task, FORGE_GIT_ERROR, FORGE_GIT_ERROR_INVALID_URL,
                               _("That is not a branch, tag or pull request: check its name and try again."));
      return;
    }

  workspace = forge_project_dup_workspace_dir (self->project);
  if (workspace == NULL)
    {
      g_task_return_new_error (task, FORGE_PREVIEW_SESSION_ERROR, FORGE_PREVIEW_SESSION_ERROR_REMOVED,
                               _("The project was removed."));
      return;
    }

  update = g_new0 (Update, 1);
  update->kind = kind;
  update->url = g_strdup (forge_project_get_repo_url (self->project));
  update->ref = g_strdup (ref);
  update->git_dir = g_build_filename (workspace, "git", NULL);
  update->work_tree = g_build_filename (workspace, "repo", NULL);
  update->host = forge_git_dup_host (update->url);
  update->discard_changes = discard_changes;
  if (self->workflow != NULL)
    {
      ForgeSandboxLimits limits;

      update->token = _forge_clone_and_preview_dup_host_token (self->workflow, update->host, &update->token_origin);
      forge_clone_and_preview_get_sandbox_limits (self->workflow, &limits);
      update->workspace_bytes = limits.workspace_bytes;
    }

  self->update_cancellable = cancellable != NULL ? g_object_ref (cancellable) : g_cancellable_new ();
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UPDATING]);

  /* The worker's task is the session's own: its end comes back here
   * before the caller hears of it. */
  worker = g_task_new (self, self->update_cancellable, update_done_cb, g_steal_pointer (&task));
  g_task_set_task_data (worker, update, (GDestroyNotify) update_free);
  g_task_set_return_on_cancel (worker, FALSE);
  g_task_run_in_thread (worker, update_thread);
}

static const char *
current_ref (ForgePreviewSession *self)
{
  const char *ref = forge_project_get_git_ref (self->project);

  /* Not resolved yet (no clone since it was opened): the default branch
   * until a run resolves it. */
  return forge_git_ref_get_kind (ref) == FORGE_GIT_REF_TREE ? NULL : ref;
}

void
forge_preview_session_pull_async (ForgePreviewSession *self,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_return_if_fail (FORGE_IS_PREVIEW_SESSION (self));
  start_update (self, UPDATE_PULL, current_ref (self), FALSE, cancellable, callback, user_data,
                forge_preview_session_pull_async);
}

gboolean
forge_preview_session_pull_finish (ForgePreviewSession  *self,
                                   GAsyncResult         *result,
                                   gboolean             *updated,
                                   GError              **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == forge_preview_session_pull_async, FALSE);

  if (updated != NULL)
    *updated = FALSE;
  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  if (updated != NULL)
    *updated = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (result), "forge-updated"));
  return TRUE;
}

void
forge_preview_session_reset_to_remote_async (ForgePreviewSession *self,
                                             GCancellable        *cancellable,
                                             GAsyncReadyCallback  callback,
                                             gpointer             user_data)
{
  g_return_if_fail (FORGE_IS_PREVIEW_SESSION (self));
  start_update (self, UPDATE_RESET, current_ref (self), TRUE, cancellable, callback, user_data,
                forge_preview_session_reset_to_remote_async);
}

gboolean
forge_preview_session_reset_to_remote_finish (ForgePreviewSession  *self,
                                              GAsyncResult         *result,
                                              GError              **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == forge_preview_session_reset_to_remote_async, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
forge_preview_session_switch_ref_async (ForgePreviewSession *self,
                                        const char          *ref,
                                        gboolean             discard_changes,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  g_return_if_fail (FORGE_IS_PREVIEW_SESSION (self));
  start_update (self, UPDATE_SWITCH, ref, discard_changes, cancellable, callback, user_data,
                forge_preview_session_switch_ref_async);
}

gboolean
forge_preview_session_switch_ref_finish (ForgePreviewSession  *self,
                                         GAsyncResult         *result,
                                         GError              **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == forge_preview_session_switch_ref_async, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
delete_workspace_thread (GTask        *task,
                         gpointer      source_object,
                         gpointer      task_data,
                         GCancellable *cancellable)
{
  g_autoptr(GError) error = NULL;

  if (!forge_remove_tree (task_data, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

void
forge_preview_session_remove_async (ForgePreviewSession *self,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(JsonNode) event = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *ignored = NULL;
  g_autofree char *workspace = NULL;
  JsonObject *data;
  const char *project_id;

  g_return_if_fail (FORGE_IS_PREVIEW_SESSION (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, forge_preview_session_remove_async);

  if (self->state == FORGE_PREVIEW_SESSION_STATE_REMOVED)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  project_id = forge_project_get_id (self->project);

  /* Its runs are registered to be cancelled by this event. */
  data = json_object_new ();
  json_object_set_string_member (data, "project_id", project_id);
  json_node_take_object (event, data);
  ignored = forge_workflow_engine_send (self->engine, FORGE_PROJECT_REMOVED_EVENT, event);

  if (self->update_cancellable != NULL)
    g_cancellable_cancel (self->update_cancellable);
  forge_sandbox_manager_unwatch (self->manager, project_id);
  forge_sandbox_manager_stop (self->manager, project_id);
  /* Their ends, still to come, are no longer this session's news. */
  {
    gboolean had_active_run = forge_preview_session_has_active_run (self);

    g_hash_table_remove_all (self->runs);
    runs_changed (self, had_active_run);
  }

  /* Only a valid id names a folder under the workspaces dir: anything
   * else ("../..") would delete elsewhere. The store never holds one. */
  workspace = forge_project_workspace_dir_for_id (project_id);

  /* Its secret values go with it; asked of the keyring only when it has
   * some, as the keyring may well not run at all. */
  {
    g_auto(GStrv) names = forge_project_dup_env_names (self->project);
    gboolean has_secret = FALSE;

    for (guint i = 0; names[i] != NULL; i++)
      has_secret |= forge_project_get_env_is_secret (self->project, names[i]);
    if (has_secret)
      forge_secrets_clear_env_value_async (project_id, NULL, NULL, NULL, NULL);
  }

  forge_project_store_remove (self->store, project_id);
  set_preview_url (self, NULL);
  set_state (self, FORGE_PREVIEW_SESSION_STATE_REMOVED, NULL);

  if (workspace == NULL)
    {
      g_warning ("Not deleting a workspace for the invalid project id “%s”", project_id);
      g_task_return_boolean (task, TRUE);
      return;
    }

  g_task_set_task_data (task, g_steal_pointer (&workspace), g_free);
  g_task_run_in_thread (task, delete_workspace_thread);
}

gboolean
forge_preview_session_remove_finish (ForgePreviewSession  *self,
                                     GAsyncResult         *result,
                                     GError              **error)
{
  g_return_val_if_fail (FORGE_IS_PREVIEW_SESSION (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == forge_preview_session_remove_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
list_apps_in_thread (GTask        *task,
                     gpointer      source_object,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  const char *repo_dir = task_data;
  g_autoptr(ForgeLocalWorkspace) workspace = NULL;
  g_autoptr(ForgeMonorepo) monorepo = NULL;

  /* The clone on this computer is what every backend's sandbox got. */
  if (forge_repo_test (repo_dir, "", FORGE_REPO_TEST_IS_DIR))
    {
      workspace = forge_local_workspace_new (repo_dir);
      monorepo = forge_monorepo_detect (FORGE_WORKSPACE (workspace));
    }

  if (monorepo != NULL)
    g_task_return_pointer (task, forge_monorepo_dup_apps (monorepo), g_object_unref);
  else
    g_task_return_pointer (task, g_list_store_new (FORGE_TYPE_MONOREPO_PACKAGE), g_object_unref);
}

void
forge_preview_session_list_apps_async (ForgePreviewSession *self,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *workspace_dir = NULL;

  g_return_if_fail (FORGE_IS_PREVIEW_SESSION (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, forge_preview_session_list_apps_async);
  workspace_dir = forge_project_dup_workspace_dir (self->project);
  g_task_set_task_data (task, g_build_filename (workspace_dir, "repo", NULL), g_free);
  g_task_run_in_thread (task, list_apps_in_thread);
}

GListModel *
forge_preview_session_list_apps_finish (ForgePreviewSession  *self,
                                        GAsyncResult         *result,
                                        GError              **error)
{
  g_return_val_if_fail (FORGE_IS_PREVIEW_SESSION (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == forge_preview_session_list_apps_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

gboolean
forge_preview_session_choose_app (ForgePreviewSession  *self,
                                  const char           *package_dir,
                                  GError              **error)
{
  g_autoptr(JsonObject) changes = NULL;

  g_return_val_if_fail (FORGE_IS_PREVIEW_SESSION (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (package_dir == NULL || !forge_git_subdir_is_valid (package_dir))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not a folder of the repository."), package_dir ? package_dir : "");
      return FALSE;
    }

  changes = json_object_new ();
  json_object_set_string_member (changes, "package_dir", package_dir);
  forge_project_store_update (self->store, forge_project_get_id (self->project), changes);

  /* A live preview of another app makes way: the new run's server takes
   * over the project's port. */
  return forge_preview_session_run (self, NULL, error);
}
