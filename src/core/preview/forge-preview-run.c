/* forge-preview-run.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-preview-workflow"

#include "config.h"

#include <glib/gi18n.h>
#include <sys/statvfs.h>

#include "forge-preview-run-private.h"
#include "forge-secrets.h"
#include "forge-server-probe.h"

void
_forge_preview_run_free (ForgePreviewRun *run)
{
  g_free (run->project_id);
  g_free (run->repo_url);
  g_free (run->git_ref);
  g_free (run->package_dir);
  g_free (run->workspace_dir);
  g_free (run->repo_dir);
  g_free (run->git_dir);
  g_clear_pointer (&run->integration, json_node_unref);
  g_clear_pointer (&run->clone, json_node_unref);
  g_clear_object (&run->framework);
  g_free (run->backend);
  g_clear_object (&run->sandbox);
  g_clear_object (&run->workspace);
  g_clear_object (&run->resumed_server);
  g_clear_pointer (&run->resumed_output, forge_command_output_unref);
  g_free (run->resumed_url);
  g_clear_pointer (&run->env, forge_run_env_unref);
  g_free (run);
}

JsonNode *
_forge_preview_object_node (JsonObject *object)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (node, object);
  return node;
}

void
_forge_preview_make_non_retriable (GError **error)
{
  if (error == NULL || *error == NULL)
    return;

  (*error)->domain = FORGE_WORKFLOW_ERROR;
  (*error)->code = FORGE_WORKFLOW_ERROR_NON_RETRIABLE;
}

/* Long enough for the step at hand: an install or a first build may
 * take longer than a sandbox's idle timeout. The manager takes over the
 * timeout once it adopts the sandbox. */
static guint
step_lifetime (ForgePreviewRun *run)
{
  return MAX (run->self->sandbox_timeout, run->self->server_timeout) + 60;
}

/* The clone used a token: the backend keeps its packages from other
 * projects. */
static gboolean
cloned_with_token (ForgePreviewRun *run)
{
  JsonObject *integration = run->integration != NULL && JSON_NODE_HOLDS_OBJECT (run->integration)
    ? json_node_get_object (run->integration) : NULL;

  return integration != NULL && json_object_get_boolean_member_with_default (integration, "has_token", FALSE);
}

static ForgeSandboxProvider *
lookup_provider (ForgePreviewRun  *run,
                 GError          **error)
{
  ForgeSandboxProvider *provider = forge_sandbox_providers_lookup (run->self->providers, run->backend, error);

  /* A project naming a backend this build does not have (a projects.json
   * from a newer version, "e2b" before its backend exists) cannot get
   * better by retrying. */
  if (provider == NULL)
    _forge_preview_make_non_retriable (error);
  return provider;
}

/* Borrows from run: valid while it is. */
static void
fill_request (ForgePreviewRun     *run,
              ForgeSandboxRequest *request)
{
  request->project_id = run->project_id;
  request->workspace_dir = run->workspace_dir;
  request->repo_dir = run->repo_dir;
  request->timeout_seconds = step_lifetime (run);
  request->cloned_with_token = cloned_with_token (run);
  request->limits = &run->limits;
}

/* The project's preview port, kept by the manager across restarts; 0
 * (a new port each start, as before ports were kept) when none can be. */
static guint
ensure_preview_port (ForgePreviewRun *run)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  guint port;

  port = forge_sandbox_manager_ensure_preview_port (run->self->manager, run->project_id, &error);
  if (port != 0 || error == NULL)
    return port;

  text = g_strdup_printf (_("Could not reserve a port for the preview (%s): its address, and the page’s storage, change at each restart."),
                          error->message);
  g_message ("%s: %s", run->project_id, text);
  forge_step_context_log (run->ctx, "sandbox", text);
  return 0;
}

static void
sync_progress_cb (guint64  done,
                  guint64  total,
                  gpointer user_data)
{
  ForgePreviewRun *run = user_data;
  g_autofree char *done_text = g_format_size (done);
  g_autofree char *total_text = total > 0 ? g_format_size (total) : NULL;
  g_autofree char *text = NULL;

  if (total_text != NULL)
    text = g_strdup_printf (_("Uploading files: %s of %s"), done_text, total_text);
  else
    text = g_strdup_printf (_("Uploading files: %s"), done_text);
  /* One report per chunk written: thinned out. */
  forge_step_context_progress_latest (run->ctx, total > 0 ? (double) done / (double) total : -1.0, text);
}

/* A sandbox made for this run gets the work tree before anything runs in
 * it: whichever step asks first (a memoized start-sandbox step leaves it
 * to the next one). */
ForgeSandbox *
_forge_preview_run_ensure_sandbox (ForgePreviewRun  *run,
                                   GError          **error)
{
  g_autoptr(ForgeSandboxProvider) provider = NULL;
  g_autofree char *network_note = NULL;
  g_autofree char *limits_note = NULL;
  ForgeSandboxRequest request = { 0 };

  if (run->sandbox != NULL && forge_sandbox_is_running (run->sandbox))
    {
      forge_sandbox_set_timeout (run->sandbox, step_lifetime (run), NULL);
      return run->sandbox;
    }

  g_clear_object (&run->sandbox);

  provider = lookup_provider (run, error);
  if (provider == NULL)
    return NULL;

  fill_request (run, &request);
  request.preview_port = run->preview_port = ensure_preview_port (run);
  run->sandbox = forge_sandbox_provider_create_sandbox (provider, &request, error);
  if (run->sandbox == NULL)
    {
      /* No bubblewrap, no API key: the person has to act first. */
      if (error != NULL && g_error_matches (*error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_UNAVAILABLE))
        _forge_preview_make_non_retriable (error);
      return NULL;
    }

  if (!forge_sandbox_sync_workspace (run->sandbox, run->repo_dir, sync_progress_cb, run,
                                     forge_step_context_get_cancellable (run->ctx), error))
    {
      forge_sandbox_kill (run->sandbox);
      g_clear_object (&run->sandbox);
      return NULL;
    }

  /* Said at every start: the repository's code can then reach services
   * on this computer. */
  network_note = forge_sandbox_dup_network_note (run->sandbox);
  if (network_note != NULL)
    forge_step_context_log (run->ctx, "install", network_note);
  limits_note = forge_sandbox_dup_limits_note (run->sandbox);
  if (limits_note != NULL)
    forge_step_context_log (run->ctx, "install", limits_note);

  return run->sandbox;
}

static gboolean
says_no_space (ForgeCommandOutput *output)
{
  return forge_command_output_contains (output, "ENOSPC") ||
         forge_command_output_contains (output, "No space left on device") ||
         forge_command_output_contains (output, "Disk quota exceeded");
}

gboolean
_forge_preview_run_disk_is_full (ForgePreviewRun    *run,
                                 ForgeCommandOutput *output)
{
  struct statvfs st;
  guint64 available;
  guint64 size;

  if (output == NULL || run->repo_dir == NULL || !says_no_space (output))
    return FALSE;
  if (statvfs (run->repo_dir, &st) != 0)
    return FALSE;

  /* What a failed write leaves: next to nothing, whatever the size of
   * the disk (a 1 % margin for small ones). */
  available = (guint64) st.f_bavail * st.f_frsize;
  size = (guint64) st.f_blocks * st.f_frsize;
  return available < MIN (G_GUINT64_CONSTANT (64) * 1024 * 1024, size / 100 + 1);
}

char *
_forge_preview_run_dup_limit_cause (ForgePreviewRun    *run,
                                    ForgeCommandOutput *output)
{
  char *report = run->sandbox != NULL ? forge_sandbox_take_limit_report (run->sandbox) : NULL;

  if (report != NULL)
    return report;

  /* Nothing counted, but the command says so itself: /tmp is the one
   * small place. */
  if (output != NULL && run->limits.tmp_bytes > 0 && says_no_space (output) &&
      !_forge_preview_run_disk_is_full (run, output))
    {
      g_autofree char *tmp = forge_format_limit_size (run->limits.tmp_bytes);

      /* Translators: follows a command ("“npm install”"); %s is a size */
      return g_strdup_printf (_("ran out of disk space (/tmp holds %s)"), tmp);
    }

  return NULL;
}

ForgeWorkspace *
_forge_preview_run_ensure_workspace (ForgePreviewRun  *run,
                                     GError          **error)
{
  g_autoptr(ForgeSandboxProvider) provider = NULL;
  ForgeSandboxRequest request = { 0 };

  if (run->workspace != NULL)
    return run->workspace;

  provider = lookup_provider (run, error);
  if (provider == NULL)
    return NULL;

  fill_request (run, &request);
  run->workspace = forge_sandbox_provider_open_workspace (provider, &request, error);
  return run->workspace;
}

/* How long a resumed sandbox's dev server gets to answer: it was frozen,
 * not stopped, so it answers at once or not at all. */
#define RESUME_PROBE_TIMEOUT_US (5 * G_USEC_PER_SEC)
#define RESUME_PROBE_INTERVAL_US (100 * 1000)

static gboolean
probe_resumed (ForgePreviewRun  *run,
               const char       *url,
               char            **ready_url)
{
  GCancellable *cancellable = forge_step_context_get_cancellable (run->ctx);
  g_autoptr(ForgeServerProbe) probe = forge_server_probe_new ();
  gint64 deadline = g_get_monotonic_time () + RESUME_PROBE_TIMEOUT_US;

  forge_server_probe_set_timeout (probe, 2);
  do
    {
      g_autoptr(GError) error = NULL;

      if (forge_server_probe_check_sync (probe, url, ready_url, cancellable, &error))
        return TRUE;
      if (g_cancellable_is_cancelled (cancellable))
        return FALSE;
      g_usleep (RESUME_PROBE_INTERVAL_US);
    }
  while (g_get_monotonic_time () < deadline);

  return FALSE;
}

static void
log_not_resumed (ForgePreviewRun *run,
                 const char      *sandbox_id,
                 const char      *reason)
{
  g_autofree char *text = g_strdup_printf (_("Could not resume (%s): starting a new sandbox"), reason);

  g_message ("%s: sandbox %s: %s", run->project_id, sandbox_id, text);
  forge_step_context_log (run->ctx, "sandbox", text);
}

gboolean
_forge_preview_run_try_resume (ForgePreviewRun *run)
{
  ForgeSandboxManager *manager = run->self->manager;
  g_autoptr(ForgeSandbox) old_sandbox = forge_sandbox_manager_dup_sandbox (manager, run->project_id);
  g_autoptr(ForgeSandboxProcess) old_server = forge_sandbox_manager_dup_server (manager, run->project_id);
  g_autofree char *old_url = forge_sandbox_manager_dup_preview_url (manager, run->project_id);
  g_autoptr(ForgeSandboxProvider) provider = NULL;
  g_autoptr(ForgeSandbox) sandbox = NULL;
  g_autoptr(ForgeSandboxProcess) server = NULL;
  g_autoptr(ForgeCommandOutput) output = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *ready_url = NULL;
  g_autofree char *text = NULL;
  const char *sandbox_id;
  gboolean was_running;

  g_return_val_if_fail (run->sandbox == NULL, FALSE);

  /* Only a server the backend can take over again is worth resuming
   * for: the local backend's sandboxes die with their server, and have
   * no pid inside to find it by, so nothing changes for them. */
  if (!run->restart || old_sandbox == NULL || old_server == NULL || old_url == NULL ||
      forge_sandbox_process_get_inner_pid (old_server) == 0)
    return FALSE;

  sandbox_id = forge_sandbox_get_id (old_sandbox);

  /* Restarted to apply a change of variables or commands: the server
   * that kept running has the old ones. */
  {
    g_autofree char *started_with = _forge_clone_and_preview_dup_server_signature (run->self, run->project_id);
    g_autofree char *now = forge_run_env_dup_signature (run->env);

    if (started_with != NULL && !g_str_equal (started_with, now))
      {
        log_not_resumed (run, sandbox_id, _("its variables or commands changed"));
        return FALSE;
      }
  }

  was_running = forge_sandbox_is_running (old_sandbox);
  provider = forge_sandbox_providers_lookup (run->self->providers, run->backend, &error);
  if (provider != NULL)
    sandbox = forge_sandbox_provider_reconnect (provider, sandbox_id, &error);
  if (sandbox == NULL)
    {
      log_not_resumed (run, sandbox_id, error->message);
      return FALSE;
    }

  if (!probe_resumed (run, old_url, &ready_url))
    {
      /* Resumed for nothing: it would run on, unseen, until its timeout. */
      forge_sandbox_kill (sandbox);
      log_not_resumed (run, sandbox_id, _("its dev server did not answer"));
      return FALSE;
    }

  /* Followed again from here: what it prints from now on reaches the
   * server log as a started server's does. */
  output = _forge_preview_run_new_output (run, "server");
  server = forge_sandbox_attach_process (sandbox, forge_sandbox_process_get_inner_pid (old_server),
                                         forge_command_output_line_cb, forge_command_output_ref (output),
                                         (GDestroyNotify) forge_command_output_unref, &error);
  if (server == NULL)
    {
      forge_sandbox_kill (sandbox);
      log_not_resumed (run, sandbox_id, error->message);
      return FALSE;
    }

  run->sandbox = g_steal_pointer (&sandbox);
  run->resumed = TRUE;
  run->resumed_server = g_steal_pointer (&server);
  run->resumed_output = g_steal_pointer (&output);
  run->resumed_url = g_steal_pointer (&ready_url);

  text = was_running
    ? g_strdup_printf (_("Reconnected to the sandbox %s: its dev server kept running"), sandbox_id)
    : g_strdup_printf (_("Resumed the paused sandbox %s: its dev server kept running"), sandbox_id);
  g_message ("%s: %s", run->project_id, text);
  forge_step_context_log (run->ctx, "sandbox", text);
  return TRUE;
}

static const char *
json_string (JsonObject *object,
             const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static void
load_project_variables (ForgePreviewRun *run,
                        JsonObject      *project)
{
  JsonNode *env = json_object_get_member (project, "env");
  JsonArray *array;

  if (env == NULL || !JSON_NODE_HOLDS_ARRAY (env))
    return;

  array = json_node_get_array (env);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      JsonObject *entry = JSON_NODE_HOLDS_OBJECT (element) ? json_node_get_object (element) : NULL;
      const char *name = entry != NULL ? json_string (entry, "name") : NULL;
      g_autoptr(GError) error = NULL;
      char *secret;

      if (!forge_env_name_is_valid (name))
        continue;

      if (!json_object_get_boolean_member_with_default (entry, "secret", FALSE))
        {
          const char *value = json_string (entry, "value");

          forge_run_env_set (run->env, name, value != NULL ? value : "", FALSE);
          continue;
        }

      secret = forge_secrets_lookup_env_value (run->project_id, name,
                                               forge_step_context_get_cancellable (run->ctx), &error);
      if (secret == NULL)
        {
          g_autofree char *text =
            g_strdup_printf (_("The secret variable %s has no value in the keyring (or the keyring is locked), so it is not set. Unlock the keyring or set it again on the project’s Environment page."),
                             name);

          if (error != NULL)
            g_debug ("%s: looking up %s: %s", run->project_id, name, error->message);
          forge_step_context_log (run->ctx, "install", text);
          continue;
        }

      forge_run_env_set (run->env, name, secret, TRUE);
      forge_secrets_free_token (secret);
    }
}

void
_forge_preview_run_load_env (ForgePreviewRun *run)
{
  g_autoptr(JsonObject) project = forge_project_store_dup_json_from_thread (run->self->store, run->project_id);
  g_autoptr(ForgeRunEnv) overrides = _forge_clone_and_preview_dup_run_overrides (run->self, run->project_id);

  g_clear_pointer (&run->env, forge_run_env_unref);
  run->env = forge_run_env_new ();

  if (project != NULL)
    {
      load_project_variables (run, project);
      forge_run_env_set_install_command (run->env, json_string (project, "install_command"));
      forge_run_env_set_dev_command (run->env, json_string (project, "dev_command"));
      forge_run_env_set_dev_port (run->env, (guint) CLAMP (json_object_get_int_member_with_default (project, "dev_port", 0), 0, 65535));
    }

  forge_run_env_merge (run->env, overrides);
}

ForgeCommandOutput *
_forge_preview_run_new_output (ForgePreviewRun *run,
                               const char      *stream)
{
  ForgeCommandOutput *output = forge_command_output_new (run->ctx, stream);

  forge_command_output_set_env (output, run->env);
  return output;
}
