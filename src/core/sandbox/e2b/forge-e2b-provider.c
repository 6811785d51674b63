/* forge-e2b-provider.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-e2b"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "forge-e2b-api.h"
#include "forge-e2b-provider.h"
#include "forge-e2b-sandbox.h"
#include "forge-local-workspace.h"
#include "forge-secrets.h"

/* What a sandbox lives when the request names no limit: the official
 * SDK's default (E2B's own, 15 s, is too short to upload anything). */
#define DEFAULT_TIMEOUT_S 300

/* What the keyring last said, for is_available(): it is asked from the
 * main thread (the backend lists), where a keyring call could block on
 * an unlock prompt. */
typedef enum
{
  KEY_UNKNOWN,
  KEY_SAVED,
  KEY_NONE,
} KeyState;

struct _ForgeE2bProvider
{
  GObject  parent_instance;

  gint     key_state;       /* KeyState, atomic */
  GCancellable *refresh_cancellable;
  GMutex   mutex;
  char   **envp;            /* read-only after construction */
  gboolean use_keyring;
  guint    retry_attempts;  /* 0: the API's defaults; under mutex */
  guint    retry_first_delay_ms;
  guint    retry_max_total_ms;
};

static void forge_e2b_provider_iface_init (ForgeSandboxProviderInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ForgeE2bProvider, forge_e2b_provider, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (FORGE_TYPE_SANDBOX_PROVIDER,
                                                      forge_e2b_provider_iface_init))

static void
forge_e2b_provider_finalize (GObject *object)
{
  ForgeE2bProvider *self = FORGE_E2B_PROVIDER (object);

  g_cancellable_cancel (self->refresh_cancellable);
  g_clear_object (&self->refresh_cancellable);
  g_strfreev (self->envp);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (forge_e2b_provider_parent_class)->finalize (object);
}

static void
forge_e2b_provider_class_init (ForgeE2bProviderClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = forge_e2b_provider_finalize;
}

static void
forge_e2b_provider_init (ForgeE2bProvider *self)
{
  g_mutex_init (&self->mutex);
}

ForgeE2bProvider *
forge_e2b_provider_new_for_environ (const char * const *envp,
                                    gboolean            use_keyring)
{
  ForgeE2bProvider *self = g_object_new (FORGE_TYPE_E2B_PROVIDER, NULL);

  self->envp = envp != NULL ? g_strdupv ((char **) envp) : g_new0 (char *, 1);
  self->use_keyring = use_keyring;
  forge_e2b_provider_refresh_key (self);

  return self;
}

static void
key_looked_up_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(ForgeE2bProvider) self = user_data;
  g_autoptr(GError) error = NULL;
  char *key = forge_secrets_lookup_e2b_key_finish (result, &error);
  gboolean saved = key != NULL && *key != '\0';

  forge_secrets_free_token (key);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  g_atomic_int_set (&self->key_state, saved ? KEY_SAVED : KEY_NONE);
}

void
forge_e2b_provider_refresh_key (ForgeE2bProvider *self)
{
  g_autoptr(ForgeE2bConfig) config = NULL;

  g_return_if_fail (FORGE_IS_E2B_PROVIDER (self));

  if (!self->use_keyring)
    {
      g_atomic_int_set (&self->key_state, KEY_NONE);
      return;
    }

  g_cancellable_cancel (self->refresh_cancellable);
  g_clear_object (&self->refresh_cancellable);
  self->refresh_cancellable = g_cancellable_new ();
  config = forge_e2b_config_new ((const char * const *) self->envp, NULL);
  forge_secrets_lookup_e2b_key_async (forge_e2b_config_get_domain (config), self->refresh_cancellable,
                                      key_looked_up_cb, g_object_ref (self));
}

ForgeE2bProvider *
forge_e2b_provider_new (void)
{
  g_auto(GStrv) envp = g_get_environ ();

  return forge_e2b_provider_new_for_environ ((const char * const *) envp, TRUE);
}

void
forge_e2b_provider_set_retry_policy (ForgeE2bProvider *self,
                                     guint             max_attempts,
                                     guint             first_delay_ms,
                                     guint             max_total_ms)
{
  g_return_if_fail (FORGE_IS_E2B_PROVIDER (self));
  g_return_if_fail (max_attempts >= 1);

  g_mutex_lock (&self->mutex);
  self->retry_attempts = max_attempts;
  self->retry_first_delay_ms = first_delay_ms;
  self->retry_max_total_ms = max_total_ms;
  g_mutex_unlock (&self->mutex);
}

/* The configuration with the key as it is now: Preferences may have
 * added or changed it since the last call. E2B_API_KEY in the
 * environment wins, as it does for E2B's own SDK and tools: it is how a
 * headless run is given a key for that run only, never stored. The
 * keyring otherwise. NULL without error when there is no key. Blocks
 * (the keyring): worker threads only, or the sweep's thread. */
static ForgeE2bConfig *
dup_config (ForgeE2bProvider  *self,
            GCancellable      *cancellable)
{
  g_autoptr(ForgeE2bConfig) from_environment = forge_e2b_config_new ((const char * const *) self->envp, NULL);
  g_autoptr(GError) error = NULL;
  char *key = NULL;
  ForgeE2bConfig *config;

  if (forge_e2b_config_has_api_key (from_environment))
    return g_steal_pointer (&from_environment);

  if (self->use_keyring)
    {
      key = forge_secrets_lookup_e2b_key (forge_e2b_config_get_domain (from_environment), cancellable, &error);
      if (error != NULL)
        g_debug ("No E2B key from the keyring: %s", error->message);
    }

  if (key == NULL || *key == '\0')
    {
      forge_secrets_free_token (key);
      return NULL;
    }

  config = forge_e2b_config_new ((const char * const *) self->envp, key);
  forge_secrets_free_token (key);
  return config;
}

static void
set_no_key_error (GError **error)
{
  g_set_error_literal (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_UNAVAILABLE,
                       _("No E2B API key: create one at https://e2b.dev/dashboard and add it in Preferences → Accounts"));
}

static ForgeE2bApi *
dup_api (ForgeE2bProvider  *self,
         GError           **error)
{
  g_autoptr(ForgeE2bConfig) config = dup_config (self, NULL);
  ForgeE2bApi *api;

  if (config == NULL)
    {
      set_no_key_error (error);
      return NULL;
    }

  api = forge_e2b_api_new (config);
  g_mutex_lock (&self->mutex);
  if (self->retry_attempts > 0)
    forge_e2b_api_set_retry_policy (api, self->retry_attempts, self->retry_first_delay_ms,
                                    self->retry_max_total_ms);
  g_mutex_unlock (&self->mutex);

  return api;
}

static const char *
forge_e2b_provider_get_name (ForgeSandboxProvider *provider)
{
  return FORGE_E2B_PROVIDER_NAME;
}

/* Only whether there is a key: whether E2B takes it is for the first
 * call (or Preferences' "Test connection") to say. */
/* Never blocks: the environment, else what the keyring last said. */
static gboolean
forge_e2b_provider_is_available (ForgeSandboxProvider  *provider,
                                 GError               **error)
{
  ForgeE2bProvider *self = FORGE_E2B_PROVIDER (provider);
  g_autoptr(ForgeE2bConfig) from_environment = forge_e2b_config_new ((const char * const *) self->envp, NULL);

  if (forge_e2b_config_has_api_key (from_environment))
    return TRUE;

  switch (g_atomic_int_get (&self->key_state))
    {
    case KEY_SAVED:
      return TRUE;

    case KEY_UNKNOWN:
      g_set_error_literal (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_UNAVAILABLE,
                           _("Looking for the E2B API key in the keyring…"));
      return FALSE;

    case KEY_NONE:
    default:
      set_no_key_error (error);
      return FALSE;
    }
}

/* The API's errors already say what to do in one line; the workflow
 * only needs them in the seam's terms where they mean "cannot run". */
static void
propagate_api_error (GError **error,
                     GError  *local_error)
{
  if (g_error_matches (local_error, FORGE_E2B_ERROR, FORGE_E2B_ERROR_NO_API_KEY))
    {
      g_error_free (local_error);
      set_no_key_error (error);
      return;
    }

  g_propagate_error (error, local_error);
}

static ForgeSandbox *
forge_e2b_provider_create_sandbox (ForgeSandboxProvider       *provider,
                                   const ForgeSandboxRequest  *request,
                                   GError                    **error)
{
  ForgeE2bProvider *self = FORGE_E2B_PROVIDER (provider);
  g_autoptr(ForgeE2bApi) api = dup_api (self, error);
  g_autoptr(GHashTable) metadata = NULL;
  g_autoptr(ForgeE2bSandboxInfo) info = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *template_id;
  guint timeout = request->timeout_seconds > 0 ? request->timeout_seconds : DEFAULT_TIMEOUT_S;

  if (api == NULL)
    return NULL;

  template_id = forge_e2b_config_resolve_template (forge_e2b_api_get_config (api), NULL);
  metadata = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (metadata, (gpointer) FORGE_E2B_METADATA_PROJECT_KEY, (gpointer) request->project_id);
  g_hash_table_insert (metadata, (gpointer) FORGE_E2B_METADATA_APP_KEY, (gpointer) FORGE_E2B_METADATA_APP);

  /* autoPause: an idle preview that reaches its timeout is paused
   * rather than killed. No envVars: nothing of the desktop's goes in. */
  info = forge_e2b_api_create_sandbox_sync (api, template_id, timeout, metadata, NULL, TRUE,
                                            NULL, &local_error);
  if (info == NULL &&
      (g_error_matches (local_error, FORGE_E2B_ERROR, FORGE_E2B_ERROR_BAD_REQUEST) ||
       g_error_matches (local_error, FORGE_E2B_ERROR, FORGE_E2B_ERROR_CONFLICT)))
    {
      g_message ("E2B would not pause sandboxes (%s): this one is killed at its timeout",
                 local_error->message);
      g_clear_error (&local_error);
      info = forge_e2b_api_create_sandbox_sync (api, template_id, timeout, metadata, NULL, FALSE,
                                                NULL, &local_error);
    }
  else if (info != NULL)
    g_debug ("E2B sandbox %s pauses at its timeout", info->sandbox_id);

  if (info == NULL)
    {
      propagate_api_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  g_debug ("Created E2B sandbox %s from template %s for %s", info->sandbox_id, template_id,
           request->project_id);
  return FORGE_SANDBOX (forge_e2b_sandbox_new (api, info));
}

static void
set_gone_error (GError     **error,
                const char  *sandbox_id)
{
  g_set_error (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_NOT_RUNNING,
               _("The E2B sandbox %s is gone"), sandbox_id);
}

/* Looked up first, so that one that is gone (killed at its timeout, as
 * without autoPause) is not asked to resume, and so that the log says
 * whether it was paused. connect answers with the envd token for a
 * running sandbox as for a paused one, which it resumes: memory and
 * processes as they were, the dev server still running. */
static ForgeSandbox *
forge_e2b_provider_reconnect (ForgeSandboxProvider  *provider,
                              const char            *sandbox_id,
                              GError               **error)
{
  ForgeE2bProvider *self = FORGE_E2B_PROVIDER (provider);
  g_autoptr(ForgeE2bApi) api = dup_api (self, error);
  g_autoptr(ForgeE2bSandboxDetail) detail = NULL;
  g_autoptr(ForgeE2bSandboxInfo) info = NULL;
  g_autoptr(GError) local_error = NULL;
  gboolean paused;

  if (api == NULL)
    return NULL;

  if (sandbox_id == NULL || *sandbox_id == '\0')
    {
      set_gone_error (error, "");
      return NULL;
    }

  detail = forge_e2b_api_get_sandbox_sync (api, sandbox_id, NULL, &local_error);
  if (detail == NULL)
    {
      if (g_error_matches (local_error, FORGE_E2B_ERROR, FORGE_E2B_ERROR_NOT_FOUND))
        set_gone_error (error, sandbox_id);
      else
        propagate_api_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  paused = detail->state == FORGE_E2B_SANDBOX_STATE_PAUSED;

  info = forge_e2b_api_connect_sandbox_sync (api, sandbox_id, DEFAULT_TIMEOUT_S, NULL, &local_error);
  if (info == NULL)
    {
      if (g_error_matches (local_error, FORGE_E2B_ERROR, FORGE_E2B_ERROR_NOT_FOUND))
        set_gone_error (error, sandbox_id);
      else
        propagate_api_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  g_message ("E2B sandbox %s: %s", sandbox_id, paused ? "resumed from its pause" : "reconnected (it was running)");
  return FORGE_SANDBOX (forge_e2b_sandbox_new (api, info));
}

/* Detection reads the desktop's clone, which is what was uploaded. */
static ForgeWorkspace *
forge_e2b_provider_open_workspace (ForgeSandboxProvider       *provider,
                                   const ForgeSandboxRequest  *request,
                                   GError                    **error)
{
  return FORGE_WORKSPACE (forge_local_workspace_new (request->repo_dir));
}

static void
forge_e2b_provider_iface_init (ForgeSandboxProviderInterface *iface)
{
  iface->get_name = forge_e2b_provider_get_name;
  iface->is_available = forge_e2b_provider_is_available;
  iface->create_sandbox = forge_e2b_provider_create_sandbox;
  iface->reconnect = forge_e2b_provider_reconnect;
  iface->open_workspace = forge_e2b_provider_open_workspace;
}

/* {{{ Orphans */

static void
sweep_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  ForgeE2bProvider *self = source_object;
  g_autoptr(ForgeE2bConfig) config = dup_config (self, cancellable);
  g_autoptr(ForgeE2bApi) api = NULL;
  g_autoptr(GHashTable) metadata = NULL;
  g_autoptr(GPtrArray) sandboxes = NULL;
  GError *error = NULL;
  guint n_killed = 0;

  if (config == NULL)
    {
      g_task_return_int (task, 0);
      return;
    }

  api = forge_e2b_api_new (config);
  metadata = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (metadata, (gpointer) FORGE_E2B_METADATA_APP_KEY, (gpointer) FORGE_E2B_METADATA_APP);

  sandboxes = forge_e2b_api_list_sandboxes_sync (api, metadata, cancellable, &error);
  if (sandboxes == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  for (guint i = 0; i < sandboxes->len; i++)
    {
      ForgeE2bSandboxDetail *detail = g_ptr_array_index (sandboxes, i);
      g_autoptr(GError) kill_error = NULL;

      if (forge_e2b_api_kill_sandbox_sync (api, detail->sandbox_id, cancellable, &kill_error))
        n_killed++;
      else if (!g_error_matches (kill_error, FORGE_E2B_ERROR, FORGE_E2B_ERROR_NOT_FOUND))
        g_message ("Could not delete the orphaned E2B sandbox %s: %s", detail->sandbox_id,
                   kill_error->message);
    }

  if (n_killed > 0)
    g_message ("Deleted %u E2B sandbox(es) an earlier run left", n_killed);

  g_task_return_int (task, n_killed);
}

void
forge_e2b_provider_sweep_orphans_async (ForgeE2bProvider    *self,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (FORGE_IS_E2B_PROVIDER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, forge_e2b_provider_sweep_orphans_async);
  g_task_run_in_thread (task, sweep_thread);
}

gboolean
forge_e2b_provider_sweep_orphans_finish (ForgeE2bProvider  *self,
                                         GAsyncResult      *result,
                                         guint             *n_killed,
                                         GError           **error)
{
  gssize n;

  g_return_val_if_fail (FORGE_IS_E2B_PROVIDER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  n = g_task_propagate_int (G_TASK (result), error);
  if (n < 0)
    return FALSE;
  if (n_killed != NULL)
    *n_killed = (guint) n;
  return TRUE;
}

/* }}} */
