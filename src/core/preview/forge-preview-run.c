/* forge-preview-run.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-preview-workflow"

#include "config.h"

#include <glib/gi18n.h>

#include "forge-preview-run-private.h"

void
_forge_preview_run_free (ForgePreviewRun *run)
{
  g_free (run->project_id);
  g_free (run->repo_url);
  g_free (run->workspace_dir);
  g_free (run->repo_dir);
  g_free (run->git_dir);
  g_clear_pointer (&run->integration, json_node_unref);
  g_clear_pointer (&run->clone, json_node_unref);
  g_clear_object (&run->framework);
  g_free (run->backend);
  g_clear_object (&run->sandbox);
  g_clear_object (&run->workspace);
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
  forge_step_context_progress (run->ctx, total > 0 ? (double) done / (double) total : -1.0, text);
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

  return run->sandbox;
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
