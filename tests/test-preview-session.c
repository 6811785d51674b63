/* test-preview-session.c
 *
 * One project's lifecycle through ForgePreviewSession, on a real local
 * git repository: to a live preview, stopped, removed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <unistd.h>

#include "e2e-util.h"
#include "forge-context.h"
#include "forge-git.h"
#include "forge-test-harness.h"
#include "forge-util.h"
#include "git-test-util.h"

typedef struct
{
  ForgeTestHarness harness;
  GPtrArray    *steps;       /* "step-id:state" of the session's run */
  guint         n_finished;
  guint         n_added;
  gboolean      removed;
  GError       *remove_error;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  forge_test_harness_set_up (&fixture->harness, data);
  g_assert_true (forge_context_load (fixture->harness.context, &error));
  g_assert_no_error (error);
  fixture->steps = g_ptr_array_new_with_free_func (g_free);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  forge_test_harness_tear_down (&fixture->harness, data);
  g_clear_pointer (&fixture->steps, g_ptr_array_unref);
  g_clear_error (&fixture->remove_error);
}

static gboolean
fail_on_timeout (gpointer user_data)
{
  g_error ("Timed out waiting for %s", (const char *) user_data);
  return G_SOURCE_REMOVE;
}

static void
wait_for_state (ForgePreviewSession      *session,
                ForgePreviewSessionState  state)
{
  guint timeout = g_timeout_add_seconds (120, fail_on_timeout, (gpointer) "the session's state");

  while (forge_preview_session_get_state (session) != state)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (timeout);
}

static void
on_step (ForgePreviewSession *session,
         const char          *run_id,
         const char          *step_id,
         ForgeStepState       state,
         guint                attempt,
         gint64               duration_ms,
         const char          *error_message,
         Fixture             *fixture)
{
  g_assert_cmpstr (run_id, ==, forge_preview_session_get_run_id (session));
  g_ptr_array_add (fixture->steps, g_strdup_printf ("%s:%s", step_id, forge_step_state_to_string (state)));
}

static void
on_run_finished (ForgePreviewSession *session,
                 const char          *run_id,
                 ForgeRunStatus       status,
                 const char          *error_message,
                 Fixture             *fixture)
{
  /* The state and the preview's properties are set first. */
  g_assert_cmpint (status, ==, FORGE_RUN_STATUS_COMPLETED);
  g_assert_cmpint (forge_preview_session_get_state (session), ==, FORGE_PREVIEW_SESSION_STATE_RUNNING);
  g_assert_nonnull (forge_preview_session_get_preview_url (session));
  fixture->n_finished++;
}

static void
on_session_added (ForgeContext        *context,
                  ForgePreviewSession *session,
                  Fixture             *fixture)
{
  fixture->n_added++;
}

static gboolean
has_step (Fixture    *fixture,
          const char *text)
{
  for (guint i = 0; i < fixture->steps->len; i++)
    if (g_str_equal (g_ptr_array_index (fixture->steps, i), text))
      return TRUE;

  return FALSE;
}

static void
removed_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Fixture *fixture = user_data;

  forge_preview_session_remove_finish (FORGE_PREVIEW_SESSION (object), result, &fixture->remove_error);
  fixture->removed = TRUE;
}

/* Two spellings of one repository are one project and one session; a
 * malformed one is refused before anything is made. */
static void
test_url_normalised_once (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autofree char *repo = forge_test_repo_from_fixture (fixture->harness.root, "static-site");
  g_autofree char *url = g_strconcat ("file://", repo, "/", NULL);
  g_autoptr(GError) error = NULL;
  ForgeProjectStore *store = forge_context_get_store (fixture->harness.context);
  ForgePreviewSession *by_path, *by_url;

  g_signal_connect (fixture->harness.context, "session-added", G_CALLBACK (on_session_added), fixture);

  by_path = forge_context_open_session (fixture->harness.context, repo, &error);
  g_assert_no_error (error);
  g_assert_nonnull (by_path);
  by_url = forge_context_open_session (fixture->harness.context, url, &error);
  g_assert_no_error (error);
  g_assert_true (by_path == by_url);
  g_assert_cmpuint (fixture->n_added, ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 1);

  /* The project keeps the normalized spelling. */
  {
    g_autofree char *expected = g_strconcat ("file://", repo, NULL);

    g_assert_cmpstr (forge_project_get_repo_url (forge_preview_session_get_project (by_path)), ==, expected);
  }
  g_assert_true (forge_context_lookup_session (fixture->harness.context, forge_preview_session_get_project_id (by_path)) == by_path);
  g_assert_cmpint (forge_preview_session_get_state (by_path), ==, FORGE_PREVIEW_SESSION_STATE_IDLE);

  g_assert_null (forge_context_open_session (fixture->harness.context, "not a repository", &error));
  g_assert_error (error, FORGE_GIT_ERROR, FORGE_GIT_ERROR_INVALID_URL);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 1);
  g_assert_cmpuint (fixture->n_added, ==, 1);
}

/* Run to a live preview, stop it, remove it: the workspace goes, but
 * nothing a symlink in it points at. */
static void
test_lifecycle (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *repo = forge_test_repo_from_fixture (fixture->harness.root, "static-site");
  g_autofree char *outside = g_build_filename (fixture->harness.root, "outside", NULL);
  g_autofree char *outside_file = g_build_filename (outside, "keep.txt", NULL);
  g_autofree char *project_id = NULL;
  g_autofree char *workspace = NULL;
  g_autofree char *link = NULL;
  g_autofree char *body = NULL;
  g_autofree char *url = NULL;
  g_autoptr(ForgePreviewSession) session = NULL;
  g_autoptr(GError) error = NULL;
  ForgeSandboxManager *manager = forge_context_get_manager (fixture->harness.context);
  ForgeProjectStore *store = forge_context_get_store (fixture->harness.context);
  ForgeProject *project;
  guint timeout;

  session = g_object_ref (forge_context_open_session (fixture->harness.context, repo, &error));
  g_assert_no_error (error);
  project = forge_preview_session_get_project (session);
  project_id = g_strdup (forge_project_get_id (project));
  g_signal_connect (session, "step", G_CALLBACK (on_step), fixture);
  g_signal_connect (session, "run-finished", G_CALLBACK (on_run_finished), fixture);

  /* To a live preview. */
  g_assert_true (forge_preview_session_run (session, NULL, &error));
  g_assert_no_error (error);
  g_assert_nonnull (forge_preview_session_get_run_id (session));
  g_assert_true (forge_preview_session_has_active_run (session));
  g_assert_cmpint (forge_preview_session_get_state (session), ==, FORGE_PREVIEW_SESSION_STATE_STARTING);

  /* A second run while one is under way is the same run. */
  {
    g_autofree char *run_id = g_strdup (forge_preview_session_get_run_id (session));

    g_assert_true (forge_preview_session_run (session, NULL, &error));
    g_assert_cmpstr (forge_preview_session_get_run_id (session), ==, run_id);
  }

  wait_for_state (session, FORGE_PREVIEW_SESSION_STATE_RUNNING);
  g_assert_cmpuint (fixture->n_finished, ==, 1);
  g_assert_false (forge_preview_session_has_active_run (session));
  g_assert_true (has_step (fixture, "clone-repository:complete"));
  g_assert_true (has_step (fixture, "start-preview-server:complete"));
  g_assert_cmpstr (forge_preview_session_get_framework (session), ==, "static");
  g_assert_nonnull (forge_preview_session_get_sandbox_id (session));
  g_assert_cmpint (forge_project_get_status (project), ==, FORGE_PROJECT_STATUS_DEPLOYED);
  g_assert_true (forge_preview_session_is_live (session));
  g_assert_true (forge_sandbox_manager_is_watched (manager, project_id));
  url = g_strdup (forge_preview_session_get_preview_url (session));
  g_assert_cmpuint (forge_test_http_get (url, &body), ==, 200);
  g_assert_nonnull (strstr (body, "Hello from a static site"));

  /* Stopped: nothing of it runs any more. */
  forge_preview_session_stop (session);
  g_assert_cmpint (forge_preview_session_get_state (session), ==, FORGE_PREVIEW_SESSION_STATE_STOPPED);
  g_assert_nonnull (forge_preview_session_get_error_message (session));
  g_assert_null (forge_preview_session_get_preview_url (session));
  g_assert_false (forge_preview_session_is_live (session));
  g_assert_false (forge_sandbox_manager_is_watched (manager, project_id));
  g_assert_cmpuint (forge_sandbox_manager_get_n_sandboxes (manager), ==, 0);
  g_assert_cmpint (forge_project_get_status (project), ==, FORGE_PROJECT_STATUS_STOPPED);
  g_assert_true (forge_test_wait_no_processes (fixture->harness.root, 5000));
  g_assert_cmpuint (forge_test_http_get (url, NULL), !=, 200);

  /* A symlink the sandbox could have planted in the work tree, leading
   * out of the workspace. */
  workspace = forge_project_workspace_dir_for_id (project_id);
  g_assert_true (g_file_test (workspace, G_FILE_TEST_IS_DIR));
  g_assert_cmpint (g_mkdir_with_parents (outside, 0700), ==, 0);
  g_assert_true (g_file_set_contents (outside_file, "keep me", -1, NULL));
  link = g_build_filename (workspace, "repo", "escape", NULL);
  g_assert_cmpint (symlink (outside, link), ==, 0);

  forge_preview_session_remove_async (session, NULL, removed_cb, fixture);
  /* Forgotten at once; the files go on a worker thread. */
  g_assert_cmpint (forge_preview_session_get_state (session), ==, FORGE_PREVIEW_SESSION_STATE_REMOVED);
  g_assert_null (forge_project_store_lookup (store, project_id));
  g_assert_null (forge_context_lookup_session (fixture->harness.context, project_id));

  timeout = g_timeout_add_seconds (60, fail_on_timeout, (gpointer) "the workspace's removal");
  while (!fixture->removed)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (timeout);
  g_assert_no_error (fixture->remove_error);

  g_assert_false (g_file_test (workspace, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (outside, G_FILE_TEST_IS_DIR));
  g_assert_true (forge_test_file_has_content (outside, "keep.txt", "keep me"));

  /* A removed session runs nothing; the URL opens a new project. */
  g_assert_false (forge_preview_session_run (session, NULL, &error));
  g_assert_error (error, FORGE_PREVIEW_SESSION_ERROR, FORGE_PREVIEW_SESSION_ERROR_REMOVED);
  g_clear_error (&error);
  {
    ForgePreviewSession *again = forge_context_open_session (fixture->harness.context, repo, &error);

    g_assert_no_error (error);
    g_assert_true (again != session);
    g_assert_cmpstr (forge_preview_session_get_project_id (again), !=, project_id);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  forge_test_git_isolate ();

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/forge/preview-session/url-normalised-once", test_url_normalised_once);
  ADD ("/forge/preview-session/lifecycle", test_lifecycle);
#undef ADD

  return g_test_run ();
}
