/* test-git-workflow.c
 *
 * Branches, pull requests, pulls and per-process tokens through the
 * clone-and-preview workflow and ForgePreviewSession: a private
 * repository served over smart HTTP on loopback, real bubblewrap, a
 * dev server without dependencies.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "e2e-util.h"
#include "forge-git.h"
#include "forge-test-harness.h"
#include "forge-util.h"
#include "git-http-server.h"
#include "git-test-util.h"

typedef ForgeTestHarness Fixture;

#define TOKEN "tok-workflow-8c4e1f07b9d2"

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  forge_test_harness_set_up (fixture, data);
  forge_clone_and_preview_set_server_timeout (fixture->workflow, 120);
}

static char *
lockfile (const char *version)
{
  return g_strdup_printf ("{ \"name\": \"app\", \"version\": \"%s\", \"lockfileVersion\": 3, "
                          "\"requires\": true, \"packages\": { \"\": { \"name\": \"app\", \"version\": \"%s\" } } }\n",
                          version, version);
}

typedef struct
{
  char               *upstream;
  char               *bare;
  ForgeTestGitServer *server;
  char               *url;       /* http://127.0.0.1:PORT/owner/app.git */
} App;

static void
push_all (App *app)
{
  forge_test_git (app->upstream, "push", "-q", "--force", app->bare, "refs/heads/*:refs/heads/*", NULL);
}

/* A node server that prints its environment, on main and on branch
 * "feature/x", and refs/pull/7/head, behind a token. */
static void
app_set_up (Fixture    *fixture,
            App        *app,
            const char *token)
{
  g_autofree char *srv = g_build_filename (fixture->root, "srv", NULL);
  g_autofree char *lock = lockfile ("1.0.0");
  g_autofree char *pr_oid = NULL;

  app->upstream = forge_test_repo_with_files (fixture->root, "app",
                                              "package.json",
                                              "{ \"name\": \"app\", \"version\": \"1.0.0\", \"scripts\": { \"dev\": \"node server.js\" } }\n",
                                              "package-lock.json", lock,
                                              "server.js",
                                              "console.log('ENV ' + JSON.stringify(process.env));\n"
                                              "require('http').createServer((q, s) => s.end(require('fs').readFileSync('page.txt'))).listen(+process.env.PORT, process.env.HOST);\n",
                                              "page.txt", "main\n",
                                              NULL);
  forge_test_git (app->upstream, "checkout", "-q", "-b", "feature/x", NULL);
  forge_test_git_commit_file (app->upstream, "page.txt", "feature\n");
  forge_test_git (app->upstream, "checkout", "-q", "-b", "pr", "main", NULL);
  forge_test_git_commit_file (app->upstream, "page.txt", "pull request\n");
  pr_oid = forge_test_git_rev_parse (app->upstream, "HEAD");
  forge_test_git (app->upstream, "checkout", "-q", "main", NULL);

  app->bare = forge_test_make_bare (app->upstream, srv, "owner/app.git");
  push_all (app);
  forge_test_git (app->bare, "update-ref", "refs/pull/7/head", pr_oid, NULL);
  forge_test_git (app->bare, "branch", "-q", "-D", "pr", NULL);

  app->server = forge_test_git_server_new (srv, token);
  app->url = forge_test_git_server_dup_url (app->server, "owner/app.git");
}

static void
app_tear_down (App *app)
{
  g_clear_pointer (&app->server, forge_test_git_server_free);
  g_free (app->upstream);
  g_free (app->bare);
  g_free (app->url);
}

static void
assert_page (Fixture    *fixture,
             const char *expected)
{
  g_autofree char *body = NULL;
  const char *url = forge_test_harness_output_string (fixture, "preview_url");

  g_assert_cmpstr (fixture->error, ==, NULL);
  g_assert_cmpuint (forge_test_http_get (url, &body), ==, 200);
  g_assert_cmpstr (body, ==, expected);
}

/* Nowhere on disk under the test's root (XDG data, state and cache
 * dirs: workspaces, journals, projects.json), in no log, in no
 * process's environment. */
static void
assert_token_nowhere (Fixture    *fixture,
                      const char *token,
                      GPid        except)
{
  g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
  const char *name;

  g_assert_false (forge_test_tree_contains (fixture->root, token));
  for (guint i = 0; i < fixture->logs->len; i++)
    g_assert_null (strstr (g_ptr_array_index (fixture->logs, i), token));

  while ((name = g_dir_read_name (proc)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autofree char *environ_text = NULL;
      gsize length = 0;

      if (!g_ascii_isdigit (name[0]) || (except != 0 && atoi (name) == except))
        continue;
      path = g_build_filename ("/proc", name, "environ", NULL);
      if (!g_file_get_contents (path, &environ_text, &length, NULL))
        continue;
      g_assert_null (g_strstr_len (environ_text, length, token));
    }
}

typedef struct
{
  gboolean  done;
  gboolean  ok;
  gboolean  updated;
  GError   *error;
} Result;

static void
pull_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Result *r = user_data;

  r->ok = forge_preview_session_pull_finish (FORGE_PREVIEW_SESSION (object), result, &r->updated, &r->error);
  r->done = TRUE;
}

static void
reset_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  Result *r = user_data;

  r->ok = forge_preview_session_reset_to_remote_finish (FORGE_PREVIEW_SESSION (object), result, &r->error);
  r->done = TRUE;
}

static void
switch_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  Result *r = user_data;

  r->ok = forge_preview_session_switch_ref_finish (FORGE_PREVIEW_SESSION (object), result, &r->error);
  r->done = TRUE;
}

/* Waits for the update, then for the warm run it started (if any). */
static void
finish_update (Fixture             *fixture,
               ForgePreviewSession *session,
               Result              *r)
{
  while (!r->done)
    g_main_context_iteration (NULL, TRUE);

  forge_test_harness_reset_run (fixture);
  if (!r->ok || !forge_preview_session_has_active_run (session))
    return;

  fixture->run_id = g_strdup (forge_preview_session_get_run_id (session));
  g_main_loop_run (fixture->loop);
}

static char *
work_tree_of (const char *project_id)
{
  g_autofree char *workspace = forge_project_workspace_dir_for_id (project_id);
  return g_build_filename (workspace, "repo", NULL);
}

static void
test_branch_pull_switch (Fixture       *fixture,
                         gconstpointer  data)
{
  App app = { 0 };
  g_autofree char *tree_url = NULL;
  g_autofree char *project_id = NULL;
  g_autofree char *work_tree = NULL;
  g_autofree char *lock = NULL;
  ForgePreviewSession *session;
  ForgeProject *project;
  Result r = { 0 };

  app_set_up (fixture, &app, TOKEN);
  forge_clone_and_preview_set_host_token (fixture->workflow, "127.0.0.1", TOKEN, "GH_TOKEN");

  /* A branch with '/' from a /tree/ address: resolved against the
   * remote (a folder after it is the app to run: see
   * test_tree_folder_selects_app()). */
  tree_url = g_strconcat (app.url, "/tree/feature/x", NULL);
  project_id = forge_test_harness_run (fixture, tree_url, NULL, 300);
  assert_page (fixture, "feature\n");
  project = forge_project_store_lookup (fixture->store, project_id);
  g_assert_cmpstr (forge_project_get_repo_url (project), ==, app.url);
  g_assert_cmpstr (forge_project_get_git_ref (project), ==, "refs/heads/feature/x");
  g_assert_null (forge_project_get_subdir (project));
  g_assert_null (forge_project_get_package_dir (project));
  g_assert_nonnull (forge_project_get_head_commit (project));
  g_assert_true (forge_test_harness_logs_contain (fixture, "install: npm ci"));
  /* The server printed its environment: there, and everywhere else, no
   * token. */
  g_assert_true (forge_test_harness_logs_contain (fixture, "ENV {"));
  assert_token_nowhere (fixture, TOKEN, 0);

  session = forge_context_ensure_session (fixture->context, project);
  work_tree = work_tree_of (project_id);

  /* A pull with a new lockfile installs again... */
  forge_test_git (app.upstream, "checkout", "-q", "feature/x", NULL);
  lock = lockfile ("1.0.1");
  forge_test_git_commit_file (app.upstream, "package-lock.json", lock);
  forge_test_git_commit_file (app.upstream, "page.txt", "feature 2\n");
  push_all (&app);
  forge_preview_session_pull_async (session, NULL, pull_cb, &r);
  finish_update (fixture, session, &r);
  g_assert_no_error (r.error);
  g_assert_true (r.updated);
  assert_page (fixture, "feature 2\n");
  g_assert_true (forge_test_harness_logs_contain (fixture, "install: npm ci"));

  /* ... one without does not. */
  forge_test_git_commit_file (app.upstream, "page.txt", "feature 3\n");
  push_all (&app);
  memset (&r, 0, sizeof r);
  forge_preview_session_pull_async (session, NULL, pull_cb, &r);
  finish_update (fixture, session, &r);
  g_assert_no_error (r.error);
  g_assert_true (r.updated);
  assert_page (fixture, "feature 3\n");
  g_assert_true (forge_test_harness_logs_contain (fixture, "in sync"));
  g_assert_false (forge_test_harness_logs_contain (fixture, "install: npm ci"));

  /* Up to date, preview live: nothing restarts. */
  memset (&r, 0, sizeof r);
  forge_preview_session_pull_async (session, NULL, pull_cb, &r);
  finish_update (fixture, session, &r);
  g_assert_no_error (r.error);
  g_assert_false (r.updated);
  g_assert_true (forge_preview_session_is_live (session));

  /* A change in the work tree: pull refuses, reset drops it. */
  {
    g_autofree char *edited = g_build_filename (work_tree, "page.txt", NULL);

    g_assert_true (g_file_set_contents (edited, "edited in the sandbox\n", -1, NULL));
    forge_test_git_commit_file (app.upstream, "page.txt", "feature 4\n");
    push_all (&app);
    memset (&r, 0, sizeof r);
    forge_preview_session_pull_async (session, NULL, pull_cb, &r);
    finish_update (fixture, session, &r);
    g_assert_error (r.error, FORGE_GIT_ERROR, FORGE_GIT_ERROR_DIRTY);
    g_assert_null (strchr (r.error->message, '\n'));
    g_clear_error (&r.error);

    memset (&r, 0, sizeof r);
    forge_preview_session_reset_to_remote_async (session, NULL, reset_cb, &r);
    finish_update (fixture, session, &r);
    g_assert_no_error (r.error);
    assert_page (fixture, "feature 4\n");
  }

  /* A rewritten history: pull refuses, reset follows it. */
  forge_test_git (app.upstream, "commit", "-q", "--amend", "-m", "rewritten", NULL);
  push_all (&app);
  memset (&r, 0, sizeof r);
  forge_preview_session_pull_async (session, NULL, pull_cb, &r);
  finish_update (fixture, session, &r);
  g_assert_error (r.error, FORGE_GIT_ERROR, FORGE_GIT_ERROR_DIVERGED);
  g_clear_error (&r.error);
  memset (&r, 0, sizeof r);
  forge_preview_session_reset_to_remote_async (session, NULL, reset_cb, &r);
  finish_update (fixture, session, &r);
  g_assert_no_error (r.error);
  assert_page (fixture, "feature 4\n");

  /* Switch to the pull request, then to main. */
  memset (&r, 0, sizeof r);
  forge_preview_session_switch_ref_async (session, "refs/pull/7/head", FALSE, NULL, switch_cb, &r);
  finish_update (fixture, session, &r);
  g_assert_no_error (r.error);
  assert_page (fixture, "pull request\n");
  g_assert_cmpstr (forge_project_get_git_ref (project), ==, "refs/pull/7/head");
  g_assert_null (forge_project_get_subdir (project));

  memset (&r, 0, sizeof r);
  forge_preview_session_switch_ref_async (session, "refs/heads/main", FALSE, NULL, switch_cb, &r);
  finish_update (fixture, session, &r);
  g_assert_no_error (r.error);
  assert_page (fixture, "main\n");
  g_assert_cmpstr (forge_project_get_git_ref (project), ==, "refs/heads/main");

  memset (&r, 0, sizeof r);
  forge_preview_session_switch_ref_async (session, "refs/heads/nope", FALSE, NULL, switch_cb, &r);
  finish_update (fixture, session, &r);
  g_assert_error (r.error, FORGE_GIT_ERROR, FORGE_GIT_ERROR_REF_NOT_FOUND);
  g_clear_error (&r.error);
  g_assert_cmpstr (forge_project_get_git_ref (project), ==, "refs/heads/main");

  /* projects.json keeps the ref, never the token. */
  {
    g_autofree char *saved = NULL;

    g_assert_true (forge_project_store_save (fixture->store, NULL));
    g_assert_true (g_file_get_contents (forge_project_store_get_path (fixture->store), &saved, NULL, NULL));
    g_assert_nonnull (strstr (saved, "\"git_ref\" : \"refs/heads/main\""));
  }
  assert_token_nowhere (fixture, TOKEN, 0);

  forge_preview_session_stop (session);
  app_tear_down (&app);
}

static void
test_process_token (Fixture       *fixture,
                    gconstpointer  data)
{
  App app = { 0 };

  app_set_up (fixture, &app, TOKEN);

  /* None: private or missing. */
  g_free (forge_test_harness_run (fixture, app.url, NULL, 120));
  g_assert_nonnull (fixture->error);
  g_assert_nonnull (strstr (fixture->error, "private"));

  /* A wrong one: said so, pointing at where it came from. */
  forge_clone_and_preview_set_host_token (fixture->workflow, "127.0.0.1", "wrong-token", "GH_TOKEN");
  g_free (forge_test_harness_run (fixture, app.url, NULL, 120));
  g_assert_cmpstr (fixture->error, ==, "127.0.0.1 refused the token: check GH_TOKEN.");

  /* Another host's: never offered here (the server would take it). */
  forge_clone_and_preview_set_host_token (fixture->workflow, "127.0.0.1", NULL, NULL);
  forge_clone_and_preview_set_host_token (fixture->workflow, "localhost", TOKEN, "GH_TOKEN");
  g_free (forge_test_harness_run (fixture, app.url, NULL, 120));
  g_assert_nonnull (fixture->error);
  g_assert_nonnull (strstr (fixture->error, "private"));

  /* The right one, for the right host. */
  forge_clone_and_preview_set_host_token (fixture->workflow, "127.0.0.1", TOKEN, "GH_TOKEN");
  g_free (forge_test_harness_run (fixture, app.url, NULL, 300));
  assert_page (fixture, "main\n");
  assert_token_nowhere (fixture, TOKEN, 0);

  forge_sandbox_manager_stop_all (fixture->manager);
  app_tear_down (&app);
}

#define NODE_APP(name) \
  "apps/" name "/package.json", "{ \"name\": \"" name "\", \"scripts\": { \"dev\": \"node server.js\" } }\n", \
  "apps/" name "/server.js", \
  "require('http').createServer((q, s) => s.end(require('fs').readFileSync('page.txt'))).listen(+process.env.PORT, process.env.HOST);\n", \
  "apps/" name "/page.txt", name "\n"

/* …/tree/main/apps/two: branch main, and the workspace's package in
 * apps/two is the app, installed at the root and run in its folder; a
 * folder that is not there fails in one line naming it. */
static void
test_tree_folder_selects_app (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autofree char *srv = g_build_filename (fixture->root, "srv", NULL);
  g_autofree char *upstream = forge_test_repo_with_files (fixture->root, "mono",
                                                          "package.json",
                                                          "{ \"name\": \"mono\", \"private\": true, \"workspaces\": [\"apps/*\"] }\n",
                                                          NODE_APP ("one"),
                                                          NODE_APP ("two"),
                                                          NULL);
  g_autofree char *bare = forge_test_make_bare (upstream, srv, "owner/mono.git");
  g_autoptr(ForgeTestGitServer) server = forge_test_git_server_new (srv, NULL);
  g_autofree char *url = forge_test_git_server_dup_url (server, "owner/mono.git");
  g_autofree char *tree_url = g_strconcat (url, "/tree/main/apps/two", NULL);
  g_autofree char *missing_url = g_strconcat (url, "/tree/main/apps/three", NULL);
  g_autofree char *project_id = NULL;
  ForgeProject *project;

  project_id = forge_test_harness_run (fixture, tree_url, NULL, 300);
  assert_page (fixture, "two\n");
  g_assert_true (forge_test_harness_logs_contain (fixture, "npm run dev -w two"));
  project = forge_project_store_lookup (fixture->store, project_id);
  g_assert_cmpstr (forge_project_get_git_ref (project), ==, "refs/heads/main");
  g_assert_cmpstr (forge_project_get_subdir (project), ==, "apps/two");
  g_assert_cmpstr (forge_project_get_package_dir (project), ==, "apps/two");

  g_free (forge_test_harness_run (fixture, missing_url, NULL, 300));
  g_assert_nonnull (fixture->error);
  g_assert_nonnull (strstr (fixture->error, "“apps/three”"));
  g_assert_null (strchr (fixture->error, '\n'));

  forge_sandbox_manager_stop_all (fixture->manager);
}

static void
session_log_cb (ForgePreviewSession *session,
                const char          *run_id,
                const char          *stream,
                const char          *line,
                GPtrArray           *lines)
{
  g_ptr_array_add (lines, g_strdup_printf ("%s: %s", stream, line));
}

static gboolean
lines_contain (GPtrArray  *lines,
               const char *text)
{
  for (guint i = 0; i < lines->len; i++)
    if (strstr (g_ptr_array_index (lines, i), text) != NULL)
      return TRUE;
  return FALSE;
}

/* Updates tell what the clone tells: a submodule a pull brings but does
 * not fetch is said in the session's log, and an update that would
 * write past the project's disk cap stops before writing (its pack is
 * small: the cap is on what the checkout writes). */
static void
test_update_notes_and_cap (Fixture       *fixture,
                           gconstpointer  data)
{
  App app = { 0 };
  g_autofree char *project_id = NULL;
  g_autofree char *work_tree = NULL;
  g_autofree char *big_path = NULL;
  g_autofree char *library = NULL;
  g_autofree guint8 *zeros = NULL;
  g_autofree char *preview_url = NULL;
  g_autofree char *body = NULL;
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  ForgeSandboxLimits limits;
  ForgePreviewSession *session;
  ForgeProject *project;
  Result r = { 0 };

  app_set_up (fixture, &app, NULL);
  project_id = forge_test_harness_run (fixture, app.url, NULL, 300);
  assert_page (fixture, "main\n");
  project = forge_project_store_lookup (fixture->store, project_id);
  session = forge_context_ensure_session (fixture->context, project);
  g_signal_connect (session, "log", G_CALLBACK (session_log_cb), lines);
  work_tree = work_tree_of (project_id);

  /* A submodule on this computer, under a parent from the network: not
   * fetched, by policy; the pull goes on and says so. */
  library = forge_test_repo_with_files (fixture->root, "library", "lib.txt", "lib\n", NULL);
  forge_test_git (app.upstream, "-c", "protocol.file.allow=always", "submodule", "add", "-q",
                  library, "vendor/lib", NULL);
  forge_test_git (app.upstream, "commit", "-q", "-m", "a local submodule", NULL);
  forge_test_git_commit_file (app.upstream, "page.txt", "with submodule\n");
  push_all (&app);
  forge_preview_session_pull_async (session, NULL, pull_cb, &r);
  finish_update (fixture, session, &r);
  g_assert_no_error (r.error);
  g_assert_true (r.updated);
  assert_page (fixture, "with submodule\n");
  g_assert_true (lines_contain (lines, "git: Submodule “vendor/lib”"));
  preview_url = g_strdup (forge_test_harness_output_string (fixture, "preview_url"));

  /* 64 MB of zeros, a pack of a few kilobytes, under a 16 MB cap. */
  forge_sandbox_limits_init_default (&limits);
  limits.workspace_bytes = 16 * 1024 * 1024;
  forge_clone_and_preview_set_sandbox_limits (fixture->workflow, &limits);
  zeros = g_malloc0 (64 * 1024 * 1024);
  big_path = g_build_filename (app.upstream, "zeros.bin", NULL);
  g_assert_true (g_file_set_contents (big_path, (const char *) zeros, 64 * 1024 * 1024, NULL));
  forge_test_git (app.upstream, "add", "zeros.bin", NULL);
  forge_test_git (app.upstream, "commit", "-q", "-m", "64 MB of zeros", NULL);
  push_all (&app);
  memset (&r, 0, sizeof r);
  forge_preview_session_pull_async (session, NULL, pull_cb, &r);
  finish_update (fixture, session, &r);
  g_assert_error (r.error, FORGE_GIT_ERROR, FORGE_GIT_ERROR_TOO_BIG);
  g_assert_nonnull (strstr (r.error->message, "disk limit (16 MB)"));
  g_assert_null (strchr (r.error->message, '\n'));
  g_clear_error (&r.error);
  /* Nothing of it was written; the preview is the one it was. */
  {
    g_autofree char *checked_out = g_build_filename (work_tree, "zeros.bin", NULL);

    g_assert_false (g_file_test (checked_out, G_FILE_TEST_EXISTS));
  }
  g_assert_true (forge_preview_session_is_live (session));
  g_assert_cmpuint (forge_test_http_get (preview_url, &body), ==, 200);
  g_assert_cmpstr (body, ==, "with submodule\n");

  g_signal_handlers_disconnect_by_data (session, lines);
  forge_sandbox_manager_stop_all (fixture->manager);
  app_tear_down (&app);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  forge_test_git_isolate ();

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, forge_test_harness_tear_down)
  ADD ("/forge/git-workflow/branch-pull-switch", test_branch_pull_switch);
  ADD ("/forge/git-workflow/process-token", test_process_token);
  ADD ("/forge/git-workflow/tree-folder-selects-app", test_tree_folder_selects_app);
  ADD ("/forge/git-workflow/update-notes-and-cap", test_update_notes_and_cap);
#undef ADD

  return g_test_run ();
}
