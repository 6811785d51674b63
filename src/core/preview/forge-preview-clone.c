/* forge-preview-clone.c
 *
 * The steps that bring the repository to the host: get-github-integration
 * and clone-repository. The clone stays on the host (libgit2, with the
 * token in memory only); a provider makes it available to its sandboxes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-preview-workflow"

#include "config.h"

#include <errno.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "forge-git.h"
#include "forge-preview-run-private.h"
#include "forge-secrets.h"
#include "forge-util.h"

/* get-github-integration: only whether a token exists goes into the
 * journal; the token itself is read again, in memory, by the clone. */
JsonNode *
_forge_preview_get_github_integration (ForgeStepContext  *ctx,
                                       gpointer           user_data,
                                       GError           **error)
{
  ForgePreviewRun *run = user_data;
  g_autofree char *host = forge_git_dup_host (run->repo_url);
  g_autoptr(GError) local_error = NULL;
  JsonObject *object = json_object_new ();
  char *token = NULL;

  if (run->restart && forge_repo_test (run->workspace_dir, "repo", FORGE_REPO_TEST_IS_DIR))
    {
      json_object_set_string_member (object, "host", host);
      json_object_set_boolean_member (object, "has_token", FALSE);
      json_object_set_boolean_member (object, "skipped", TRUE);
      return _forge_preview_object_node (object);
    }

  if (host != NULL)
    token = forge_secrets_lookup_token (host, forge_step_context_get_cancellable (ctx), &local_error);
  json_object_set_string_member (object, "host", host);
  /* Not fatal: public repositories need no token. Kept to explain an
   * authentication failure later. */
  if (local_error != NULL)
    json_object_set_string_member (object, "keyring_error", local_error->message);

  json_object_set_boolean_member (object, "has_token", token != NULL);
  forge_secrets_free_token (token);

  return _forge_preview_object_node (object);
}

static void
clone_progress_cb (ForgeGitPhase  phase,
                   guint64        current,
                   guint64        total,
                   guint64        bytes,
                   gpointer       user_data)
{
  ForgePreviewRun *run = user_data;
  g_autofree char *text = NULL;
  g_autofree char *size = NULL;
  double fraction = total > 0 ? (double) current / (double) total : -1.0;

  switch (phase)
    {
    case FORGE_GIT_PHASE_RECEIVING:
      size = g_format_size (bytes);
      text = g_strdup_printf (_("Receiving objects: %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT " (%s)"),
                              current, total, size);
      break;

    case FORGE_GIT_PHASE_RESOLVING:
      text = g_strdup_printf (_("Resolving deltas: %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT), current, total);
      break;

    case FORGE_GIT_PHASE_CHECKOUT:
    default:
      text = g_strdup_printf (_("Checking out files: %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT), current, total);
      break;
    }

  forge_step_context_progress (run->ctx, fraction, text);
}

JsonNode *
_forge_preview_clone_repository (ForgeStepContext  *ctx,
                                 gpointer           user_data,
                                 GError           **error)
{
  ForgePreviewRun *run = user_data;
  g_autofree char *head = NULL;
  g_autofree char *host = forge_git_dup_host (run->repo_url);
  char *token = NULL;
  JsonObject *object;
  gboolean ok;

  if (run->restart && forge_repo_test (run->workspace_dir, "repo", FORGE_REPO_TEST_IS_DIR))
    {
      object = json_object_new ();
      json_object_set_string_member (object, "repo_dir", run->repo_dir);
      json_object_set_boolean_member (object, "reused", TRUE);
      return _forge_preview_object_node (object);
    }

  if (host != NULL && json_object_get_boolean_member_with_default (json_node_get_object (run->integration), "has_token", FALSE))
    token = forge_secrets_lookup_token (host, forge_step_context_get_cancellable (ctx), NULL);

  if (g_mkdir_with_parents (run->workspace_dir, 0700) != 0)
    {
      g_set_error (error, FORGE_WORKFLOW_ERROR, FORGE_WORKFLOW_ERROR_FAILED,
                   _("Could not create the project folder %s: %s"), run->workspace_dir, g_strerror (errno));
      forge_secrets_free_token (token);
      return NULL;
    }

  ok = forge_git_clone_or_update (run->repo_url, run->git_dir, run->repo_dir, token,
                                  clone_progress_cb, run, &head,
                                  forge_step_context_get_cancellable (ctx), error);
  forge_secrets_free_token (token);

  if (!ok && error != NULL && *error != NULL &&
      g_error_matches (*error, FORGE_GIT_ERROR, FORGE_GIT_ERROR_AUTH_REQUIRED) &&
      json_object_has_member (json_node_get_object (run->integration), "keyring_error"))
    {
      g_autofree char *message = g_strdup_printf (_("%s needs a token, and the keyring could not be read (%s): unlock your keyring, then try again."),
                                                  run->repo_url,
                                                  json_object_get_string_member (json_node_get_object (run->integration), "keyring_error"));
      g_free ((*error)->message);
      (*error)->message = g_steal_pointer (&message);
    }

  if (!ok)
    {
      if (error != NULL && *error != NULL && (*error)->domain == FORGE_GIT_ERROR &&
          ((*error)->code == FORGE_GIT_ERROR_INVALID_URL ||
           (*error)->code == FORGE_GIT_ERROR_NOT_FOUND ||
           (*error)->code == FORGE_GIT_ERROR_AUTH_REQUIRED ||
           (*error)->code == FORGE_GIT_ERROR_DISK_FULL))
        _forge_preview_make_non_retriable (error);
      return NULL;
    }

  object = json_object_new ();
  json_object_set_string_member (object, "repo_dir", run->repo_dir);
  json_object_set_string_member (object, "head", head);
  return _forge_preview_object_node (object);
}
