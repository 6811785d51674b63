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

  if ((run->restart || run->reuse_clone) && forge_repo_test (run->workspace_dir, "repo", FORGE_REPO_TEST_IS_DIR))
    {
      json_object_set_string_member (object, "host", host);
      json_object_set_boolean_member (object, "has_token", FALSE);
      json_object_set_boolean_member (object, "skipped", TRUE);
      return _forge_preview_object_node (object);
    }

  /* This process's own token (headless: GH_TOKEN) wins over the
   * keyring's, for this run only. */
  token = _forge_clone_and_preview_dup_host_token (run->self, host, NULL);
  if (token != NULL)
    json_object_set_string_member (object, "token_source", "process");
  else if (host != NULL)
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
cap_parent_cancelled_cb (GCancellable *parent,
                         GCancellable *cancellable)
{
  g_cancellable_cancel (cancellable);
}

void
_forge_git_cap_init (ForgeGitCap  *cap,
                     GCancellable *parent,
                     guint64       cap_bytes)
{
  cap->cancellable = g_cancellable_new ();
  cap->parent = parent != NULL ? g_object_ref (parent) : NULL;
  cap->handler = g_cancellable_connect (parent, G_CALLBACK (cap_parent_cancelled_cb),
                                        g_object_ref (cap->cancellable), g_object_unref);
  cap->cap_bytes = cap_bytes;
  cap->too_big = FALSE;
}

void
_forge_git_cap_check (ForgeGitCap *cap,
                      guint64      bytes)
{
  if (cap->cap_bytes > 0 && bytes > cap->cap_bytes && !cap->too_big)
    {
      cap->too_big = TRUE;
      g_cancellable_cancel (cap->cancellable);
    }
}

gboolean
_forge_git_cap_clear (ForgeGitCap *cap)
{
  gboolean stopped_by_cap = cap->too_big && !g_cancellable_is_cancelled (cap->parent);

  g_cancellable_disconnect (cap->parent, cap->handler);
  cap->handler = 0;
  g_clear_object (&cap->parent);
  g_clear_object (&cap->cancellable);
  return stopped_by_cap;
}

typedef struct
{
  ForgePreviewRun *run;
  ForgeGitCap      cap;
} Clone;

static void
clone_progress_cb (ForgeGitPhase  phase,
                   guint64        current,
                   guint64        total,
                   guint64        bytes,
                   gpointer       user_data)
{
  Clone *clone = user_data;
  ForgePreviewRun *run = clone->run;
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

  /* The pack alone, or the files the checkout would write (a tiny pack
   * can hold gigabytes of zeros), are past the cap: stop. The clone is
   * staged apart, so nothing half-written stays behind. */
  _forge_git_cap_check (&clone->cap, bytes);
}

/* The one line for a token the host refused: where to fix it depends on
 * where it came from. */
static void
set_token_refused (GError     **error,
                   const char  *host,
                   const char  *origin)
{
  g_autofree char *message = NULL;
  gboolean github = g_strcmp0 (host, "github.com") == 0;

  if (error == NULL || *error == NULL ||
      !g_error_matches (*error, FORGE_GIT_ERROR, FORGE_GIT_ERROR_AUTH_REQUIRED))
    return;

  if (origin != NULL)
    message = github ? g_strdup_printf (_("GitHub refused the token: check %s."), origin)
                     : g_strdup_printf (_("%s refused the token: check %s."), host, origin);
  else
    message = github ? g_strdup (_("GitHub refused the token: reconnect in Preferences → Accounts."))
                     : g_strdup_printf (_("%s refused the token: reconnect in Preferences → Accounts."), host);

  g_free ((*error)->message);
  (*error)->message = g_steal_pointer (&message);
}

/* Trying again cannot fix these. */
static void
make_git_error_non_retriable (GError **error)
{
  if (error != NULL && *error != NULL && (*error)->domain == FORGE_GIT_ERROR &&
      ((*error)->code == FORGE_GIT_ERROR_INVALID_URL ||
       (*error)->code == FORGE_GIT_ERROR_NOT_FOUND ||
       (*error)->code == FORGE_GIT_ERROR_AUTH_REQUIRED ||
       (*error)->code == FORGE_GIT_ERROR_REF_NOT_FOUND ||
       (*error)->code == FORGE_GIT_ERROR_DISK_FULL ||
       (*error)->code == FORGE_GIT_ERROR_TOO_BIG))
    _forge_preview_make_non_retriable (error);
}

JsonNode *
_forge_preview_clone_repository (ForgeStepContext  *ctx,
                                 gpointer           user_data,
                                 GError           **error)
{
  ForgePreviewRun *run = user_data;
  g_autofree char *head = NULL;
  g_autofree char *host = forge_git_dup_host (run->repo_url);
  g_autofree char *token_origin = NULL;
  g_autofree char *ref = NULL;
  g_autofree char *subdir = NULL;
  g_auto(GStrv) notes = NULL;
  gboolean resolved_tree = FALSE;
  gboolean token_had_been_used = FALSE;
  char *token = NULL;
  JsonObject *object;
  Clone clone = { 0 };
  gboolean too_big;
  gboolean ok;

  if ((run->restart || run->reuse_clone) && forge_repo_test (run->workspace_dir, "repo", FORGE_REPO_TEST_IS_DIR))
    {
      object = json_object_new ();
      json_object_set_string_member (object, "repo_dir", run->repo_dir);
      json_object_set_boolean_member (object, "reused", TRUE);
      return _forge_preview_object_node (object);
    }

  if (host != NULL && json_object_get_boolean_member_with_default (json_node_get_object (run->integration), "has_token", FALSE))
    {
      token = _forge_clone_and_preview_dup_host_token (run->self, host, &token_origin);
      if (token == NULL)
        token = forge_secrets_lookup_token (host, forge_step_context_get_cancellable (ctx), NULL);
    }

  /* A /tree/ address with a branch that may hold '/': only the remote
   * knows where the branch ends and the folder begins. */
  ref = g_strdup (run->git_ref);
  if (forge_git_ref_get_kind (ref) == FORGE_GIT_REF_TREE)
    {
      g_autofree char *resolved = NULL;

      if (!forge_git_resolve_tree_path (run->repo_url, ref + strlen (FORGE_GIT_REF_TREE_PREFIX), token,
                                        &resolved, &subdir, forge_step_context_get_cancellable (ctx), error))
        {
          gboolean had_token = token != NULL;

          forge_secrets_free_token (token);
          if (had_token)
            set_token_refused (error, host, token_origin);
          make_git_error_non_retriable (error);
          return NULL;
        }
      g_free (ref);
      ref = g_steal_pointer (&resolved);
      resolved_tree = TRUE;
    }

  if (g_mkdir_with_parents (run->workspace_dir, 0700) != 0)
    {
      g_set_error (error, FORGE_WORKFLOW_ERROR, FORGE_WORKFLOW_ERROR_FAILED,
                   _("Could not create the project folder %s: %s"), run->workspace_dir, g_strerror (errno));
      forge_secrets_free_token (token);
      return NULL;
    }

  clone.run = run;
  _forge_git_cap_init (&clone.cap, forge_step_context_get_cancellable (ctx), run->limits.workspace_bytes);
  ok = forge_git_clone_or_update_ref (run->repo_url, ref, run->git_dir, run->repo_dir, token,
                                      clone_progress_cb, &clone, &head, &notes,
                                      clone.cap.cancellable, error);
  too_big = _forge_git_cap_clear (&clone.cap);
  token_had_been_used = token != NULL;
  forge_secrets_free_token (token);

  if (!ok && too_big)
    {
      g_autofree char *cap = forge_format_limit_size (run->limits.workspace_bytes);

      g_clear_error (error);
      g_set_error (error, FORGE_WORKFLOW_ERROR, FORGE_WORKFLOW_ERROR_NON_RETRIABLE,
                   _("The repository is bigger than a project’s disk limit (%s): raise the limit in Preferences → Sandbox Limits, then try again."),
                   cap);
      return NULL;
    }

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
      if (token_had_been_used)
        set_token_refused (error, host, token_origin);
      make_git_error_non_retriable (error);
      return NULL;
    }

  /* A submodule that could not be fetched leaves its folder empty; the
   * preview goes on, and the log says which and why. */
  for (guint i = 0; notes != NULL && notes[i] != NULL; i++)
    forge_step_context_log (ctx, "git", notes[i]);

  /* What the project shows from now on: the UI displays it. */
  {
    g_autoptr(JsonObject) changes = json_object_new ();

    json_object_set_string_member (changes, "head_commit", head);
    if (resolved_tree)
      {
        json_object_set_string_member (changes, "git_ref", ref);
        json_object_set_string_member (changes, "subdir", subdir);
        /* The address's folder is the app to preview, from now on. */
        if (subdir != NULL)
          json_object_set_string_member (changes, "package_dir", subdir);
      }
    forge_project_store_update_from_thread (run->self->store, run->project_id, changes);
  }

  object = json_object_new ();
  json_object_set_string_member (object, "repo_dir", run->repo_dir);
  json_object_set_string_member (object, "head", head);
  if (ref != NULL)
    json_object_set_string_member (object, "git_ref", ref);
  if (subdir != NULL)
    json_object_set_string_member (object, "subdir", subdir);
  return _forge_preview_object_node (object);
}
