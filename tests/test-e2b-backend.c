/* test-e2b-backend.c
 *
 * The "e2b" backend against the E2B stand-in: the provider, the sandbox
 * through the seam, and the whole workflow with the manager's keepalive
 * and restore.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <signal.h>
#include <string.h>

#include <glib/gstdio.h>

#include "e2e-util.h"
#include "forge-e2b-provider.h"
#include "forge-e2b-sandbox.h"
#include "forge-e2b-standin.h"
#include "forge-test-harness.h"
#include "forge-util.h"
#include "git-test-util.h"

#define API_KEY "e2b_backend_test_key_0123456789"

/* Everything logged in this process, to look for secrets in. */
static GMutex log_mutex;
static GString *captured_log;

static GLogWriterOutput
capture_writer (GLogLevelFlags   log_level,
                const GLogField *fields,
                gsize            n_fields,
                gpointer         user_data)
{
  g_mutex_lock (&log_mutex);
  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "MESSAGE") && fields[i].value != NULL)
      {
        if (fields[i].length < 0)
          g_string_append (captured_log, fields[i].value);
        else
          g_string_append_len (captured_log, fields[i].value, fields[i].length);
        g_string_append_c (captured_log, '\n');
      }
  g_mutex_unlock (&log_mutex);

  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

static gboolean
log_contains (const char *text)
{
  gboolean found;

  g_mutex_lock (&log_mutex);
  found = strstr (captured_log->str, text) != NULL;
  g_mutex_unlock (&log_mutex);

  return found;
}

typedef struct
{
  ForgeTestHarness  harness;
  ForgeE2bStandin  *standin;
  ForgeE2bProvider *provider;
  char            **envp;
} Fixture;

static char **
standin_environ (ForgeE2bStandin *standin,
                 const char      *api_key)
{
  char **envp = forge_e2b_standin_environ (standin, NULL);

  if (api_key != NULL)
    envp = g_environ_setenv (envp, "E2B_API_KEY", api_key, TRUE);
  return envp;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  forge_test_harness_set_up (&fixture->harness, NULL);

  fixture->standin = forge_e2b_standin_new (API_KEY, &error);
  if (fixture->standin == NULL)
    {
      g_test_message ("No stand-in: %s", error->message);
      return;
    }

  /* The product's configuration comes from this environment, never from
   * the test process's. */
  fixture->envp = standin_environ (fixture->standin, data != NULL ? data : API_KEY);
  fixture->provider = forge_e2b_provider_new_for_environ ((const char * const *) fixture->envp, FALSE);
  forge_e2b_provider_set_retry_policy (fixture->provider, 2, 50, 1000);
  forge_sandbox_providers_add (fixture->harness.providers, FORGE_SANDBOX_PROVIDER (fixture->provider));
}

static gboolean
standin_is_empty (ForgeE2bStandin *standin)
{
  g_auto(GStrv) ids = forge_e2b_standin_dup_sandbox_ids (standin);

  return ids[0] == NULL;
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *root = NULL;
  gint64 deadline;

  forge_test_harness_tear_down (&fixture->harness, NULL);
  g_clear_object (&fixture->provider);
  g_clear_pointer (&fixture->envp, g_strfreev);
  if (fixture->standin == NULL)
    return;

  /* kill() deletes through the API from a thread: every sandbox the
   * manager stopped goes from the stand-in too. */
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (!standin_is_empty (fixture->standin) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE), g_usleep (20000);
  g_assert_true (standin_is_empty (fixture->standin));

  root = g_strdup (forge_e2b_standin_get_root (fixture->standin));
  g_clear_object (&fixture->standin);
  g_assert_true (forge_test_wait_no_processes (root, 5000));
}

#define SKIP_WITHOUT_STANDIN(fixture) \
  G_STMT_START { \
    if ((fixture)->standin == NULL) \
      { \
        g_test_skip ("Local sandboxes cannot run here"); \
        return; \
      } \
  } G_STMT_END

/* Requests of the stand-in matching @method and the glob @path. */
static guint
count_requests (ForgeE2bStandin *standin,
                gboolean         envd,
                const char      *method,
                const char      *path_glob)
{
  g_autoptr(GPtrArray) requests = forge_e2b_standin_dup_requests (standin);
  guint n = 0;

  for (guint i = 0; i < requests->len; i++)
    {
      ForgeE2bStandinRequest *request = g_ptr_array_index (requests, i);

      if (request->envd == envd && g_str_equal (request->method, method) &&
          g_pattern_match_simple (path_glob, request->path))
        n++;
    }

  return n;
}

/* The envd access tokens E2B issued so far, as the stand-in saw them. */
static GPtrArray *
dup_envd_tokens (ForgeE2bStandin *standin)
{
  g_autoptr(GPtrArray) requests = forge_e2b_standin_dup_requests (standin);
  GPtrArray *tokens = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < requests->len; i++)
    {
      ForgeE2bStandinRequest *request = g_ptr_array_index (requests, i);
      const char *token = soup_message_headers_get_one (request->headers, "X-Access-Token");

      if (request->envd && token != NULL && *token != '\0' &&
          !g_ptr_array_find_with_equal_func (tokens, token, g_str_equal, NULL))
        g_ptr_array_add (tokens, g_strdup (token));
    }

  return tokens;
}

static ForgeSandbox *
create_sandbox (Fixture     *fixture,
                const char  *repo_dir)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *workspace = g_build_filename (fixture->harness.root, "ws", NULL);
  ForgeSandboxRequest request = {
    .project_id = "test-project",
    .workspace_dir = workspace,
    .repo_dir = repo_dir,
    .timeout_seconds = 120,
  };
  ForgeSandbox *sandbox;

  g_mkdir_with_parents (workspace, 0700);
  sandbox = forge_sandbox_provider_create_sandbox (FORGE_SANDBOX_PROVIDER (fixture->provider), &request, &error);
  g_assert_no_error (error);
  g_assert_true (FORGE_IS_E2B_SANDBOX (sandbox));
  return sandbox;
}

/* {{{ Provider */

static void
test_unavailable_without_key (void)
{
  g_autoptr(ForgeE2bProvider) provider = forge_e2b_provider_new_for_environ (NULL, FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(ForgeSandboxProviders) providers = forge_sandbox_providers_new ();
  g_autoptr(ForgeSandboxProvider) listed = NULL;

  g_assert_cmpstr (forge_sandbox_provider_get_name (FORGE_SANDBOX_PROVIDER (provider)), ==, "e2b");
  g_assert_false (forge_sandbox_provider_is_available (FORGE_SANDBOX_PROVIDER (provider), &error));
  g_assert_error (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_UNAVAILABLE);
  g_assert_nonnull (strstr (error->message, "https://e2b.dev/dashboard"));
  g_assert_nonnull (strstr (error->message, "Preferences"));

  /* The registry lists it all the same. */
  g_clear_error (&error);
  listed = forge_sandbox_providers_lookup (providers, "e2b", &error);
  g_assert_nonnull (listed);
}

static void
test_unauthorized (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *workspace = NULL;
  ForgeSandboxRequest request = { .project_id = "p", .repo_dir = "/nonexistent", .timeout_seconds = 60 };
  g_autoptr(ForgeSandbox) sandbox = NULL;

  SKIP_WITHOUT_STANDIN (fixture);

  workspace = g_build_filename (fixture->harness.root, "ws", NULL);
  request.workspace_dir = workspace;
  /* Available: there is a key, only E2B can say it is wrong. */
  g_assert_true (forge_sandbox_provider_is_available (FORGE_SANDBOX_PROVIDER (fixture->provider), NULL));
  sandbox = forge_sandbox_provider_create_sandbox (FORGE_SANDBOX_PROVIDER (fixture->provider), &request, &error);
  g_assert_null (sandbox);
  g_assert_nonnull (error);
  g_assert_cmpstr (error->message, ==, "E2B refused the API key: check it in Preferences");
  g_assert_false (log_contains ("wrong_key_abcdef"));
}

/* }}} */

/* {{{ The sandbox through the seam */

static void
collect_line (ForgeSandboxStream  stream,
              const char         *line,
              gpointer            user_data)
{
  GPtrArray *lines = user_data;

  g_ptr_array_add (lines, g_strdup (line));
}

static void
test_run_and_spawn (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(ForgeSandbox) sandbox = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(ForgeSandboxProcess) process = NULL;
  const char *true_argv[] = { "true", NULL };
  const char *three_argv[] = { "sh", "-c", "exit 3", NULL };
  const char *killed_argv[] = { "sh", "-c", "kill -9 $$", NULL };
  const char *echo_argv[] = { "sh", "-c", "echo \"one $GREETING\"; echo 'two  words'", NULL };
  const char *env[] = { "GREETING=hello world", NULL };
  int status = -1;

  SKIP_WITHOUT_STANDIN (fixture);

  sandbox = create_sandbox (fixture, fixture->harness.root);
  g_assert_true (forge_sandbox_is_running (sandbox));
  g_assert_false (forge_sandbox_shares_host_network (sandbox));

  g_assert_true (forge_sandbox_run_sync (sandbox, true_argv, NULL, FORGE_SANDBOX_HOME_DIR, NULL, NULL, &status, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, 0);
  g_assert_true (forge_sandbox_run_sync (sandbox, three_argv, NULL, FORGE_SANDBOX_HOME_DIR, NULL, NULL, &status, NULL, &error));
  g_assert_cmpint (status, ==, 3);
  g_assert_true (forge_sandbox_run_sync (sandbox, killed_argv, NULL, FORGE_SANDBOX_HOME_DIR, NULL, NULL, &status, NULL, &error));
  g_assert_cmpint (status, ==, 128 + SIGKILL);

  process = forge_sandbox_spawn (sandbox, echo_argv, env, FORGE_SANDBOX_HOME_DIR,
                                 collect_line, lines, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (forge_sandbox_process_wait (process, 20000, NULL));
  g_assert_cmpint (forge_sandbox_process_get_exit_code (process), ==, 0);
  g_assert_cmpuint (lines->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (lines, 0), ==, "one hello world");
  g_assert_cmpstr (g_ptr_array_index (lines, 1), ==, "two  words");

  /* Dev servers must not be killed by a Connect timeout. */
  {
    g_autoptr(GPtrArray) requests = forge_e2b_standin_dup_requests (fixture->standin);
    gboolean seen = FALSE;

    for (guint i = 0; i < requests->len; i++)
      {
        ForgeE2bStandinRequest *request = g_ptr_array_index (requests, i);

        if (request->envd && g_str_has_suffix (request->path, "/Start"))
          {
            g_assert_cmpstr (soup_message_headers_get_one (request->headers, "Connect-Timeout-Ms"), ==, "0");
            seen = TRUE;
          }
      }
    g_assert_true (seen);
  }

  forge_sandbox_kill (sandbox);
  g_assert_false (forge_sandbox_is_running (sandbox));
}

static void
test_sync_workspace (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *repo = forge_test_repo_from_fixture (fixture->harness.root, "static-site");
  g_autoptr(ForgeSandbox) sandbox = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *inside = NULL;
  g_autofree char *index = NULL;
  guint uploads;

  SKIP_WITHOUT_STANDIN (fixture);

  sandbox = create_sandbox (fixture, repo);
  g_assert_true (forge_sandbox_sync_workspace (sandbox, repo, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  uploads = count_requests (fixture->standin, TRUE, "POST", "/files");
  /* The helper and the archive. */
  g_assert_cmpuint (uploads, ==, 2);

  inside = forge_e2b_standin_dup_repo_dir (fixture->standin, forge_sandbox_get_id (sandbox));
  index = g_build_filename (inside, "index.html", NULL);
  g_assert_true (g_file_test (index, G_FILE_TEST_IS_REGULAR));
  g_assert_false (forge_test_tree_contains (inside, "gitdir"));
  {
    g_autofree char *git = g_build_filename (inside, ".git", NULL);
    const char *check_argv[] = { "sh", "-c",
                                 "test -x " FORGE_E2B_HELPER_DIR "/forge-static-server && "
                                 "head -1 " FORGE_E2B_HELPER_DIR "/forge-static-server | grep -q '^#!/usr/bin/env node' && "
                                 "test ! -e " FORGE_E2B_ARCHIVE_PATH, NULL };
    int status = -1;

    g_assert_false (g_file_test (git, G_FILE_TEST_EXISTS));
    g_assert_true (forge_sandbox_run_sync (sandbox, check_argv, NULL, NULL, NULL, NULL, &status, NULL, &error));
    g_assert_cmpint (status, ==, 0);
  }

  /* The same tree again: nothing to upload. */
  g_assert_true (forge_sandbox_sync_workspace (sandbox, repo, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (count_requests (fixture->standin, TRUE, "POST", "/files"), ==, uploads);

  /* A change goes up, without the helper. */
  forge_test_git_commit_file (repo, "new.html", "<p>new</p>");
  g_assert_true (forge_sandbox_sync_workspace (sandbox, repo, NULL, NULL, NULL, &error));
  g_assert_cmpuint (count_requests (fixture->standin, TRUE, "POST", "/files"), ==, uploads + 1);

  forge_sandbox_kill (sandbox);
}

/* The uploaded helper keeps the desktop helper's rules. */
static void
test_static_server_script (void)
{
  g_autofree char *dir = g_dir_make_tmp ("forge-e2b-static-XXXXXX", NULL);
  g_autofree char *site = g_build_filename (dir, "site", NULL);
  g_autofree char *sub = g_build_filename (site, "sub", NULL);
  g_autofree char *script = g_build_filename (dir, "forge-static-server", NULL);
  g_autofree char *secret = g_build_filename (dir, "secret.txt", NULL);
  g_autofree char *port_text = NULL;
  g_autofree char *base = NULL;
  g_autofree char *body = NULL;
  g_autoptr(GSubprocess) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *node = g_find_program_in_path ("node");
  guint port;

  if (node == NULL)
    {
      g_test_skip ("No node here");
      return;
    }

  g_assert_true (g_file_set_contents (script, forge_e2b_sandbox_get_static_server_script (), -1, NULL));
  g_mkdir_with_parents (sub, 0700);
  g_file_set_contents (secret, "outside", -1, NULL);
  {
    g_autofree char *p = g_build_filename (site, "index.html", NULL);
    g_autofree char *q = g_build_filename (sub, "index.html", NULL);
    g_autofree char *env = g_build_filename (site, ".env", NULL);
    g_autofree char *out = g_build_filename (site, "out.txt", NULL);
    g_autofree char *in = g_build_filename (site, "in.html", NULL);
    g_autofree char *dotlink = g_build_filename (site, "dot.txt", NULL);

    g_file_set_contents (p, "<h1>root</h1>", -1, NULL);
    g_file_set_contents (q, "<h1>sub</h1>", -1, NULL);
    g_file_set_contents (env, "SECRET=1", -1, NULL);
    g_assert_cmpint (symlink (secret, out), ==, 0);
    g_assert_cmpint (symlink ("index.html", in), ==, 0);
    g_assert_cmpint (symlink (".env", dotlink), ==, 0);
  }

  port = forge_pick_free_port (&error);
  g_assert_no_error (error);
  port_text = g_strdup_printf ("%u", port);
  server = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error,
                             node, script, "--host", "127.0.0.1", "--port", port_text, site, NULL);
  g_assert_no_error (error);
  base = g_strdup_printf ("http://127.0.0.1:%u/", port);
  for (guint i = 0; i < 100 && forge_test_http_get (base, NULL) == 0; i++)
    g_usleep (50000);

  g_assert_cmpuint (forge_test_http_get (base, &body), ==, 200);
  g_assert_cmpstr (body, ==, "<h1>root</h1>");
  {
    struct { const char *path; guint status; } cases[] = {
      { "sub/", 200 }, { "in.html", 200 }, { ".env", 404 }, { "sub/../.env", 404 },
      { "%2eenv", 404 }, { "out.txt", 404 }, { "dot.txt", 404 }, { "missing", 404 },
    };

    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        g_autofree char *url = g_strconcat (base, cases[i].path, NULL);

        g_test_message ("%s", cases[i].path);
        g_assert_cmpuint (forge_test_http_get (url, NULL), ==, cases[i].status);
      }
  }

  g_subprocess_send_signal (server, SIGTERM);
  g_subprocess_wait (server, NULL, NULL);
  forge_remove_tree (dir, NULL);
}

/* }}} */

/* {{{ The whole workflow */

static char *
path_of (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);

  g_assert_nonnull (uri);
  return g_strdup (g_uri_get_path (uri));
}

static void
assert_no_secrets (Fixture *fixture)
{
  g_autoptr(GPtrArray) tokens = dup_envd_tokens (fixture->standin);
  ForgeTestHarness *harness = &fixture->harness;

  g_assert_cmpuint (tokens->len, >, 0);
  g_ptr_array_add (tokens, g_strdup (API_KEY));

  for (guint i = 0; i < tokens->len; i++)
    {
      const char *secret = g_ptr_array_index (tokens, i);

      g_assert_false (log_contains (secret));
      /* Journals, projects file, workspaces: everything the app wrote. */
      g_assert_false (forge_test_tree_contains (harness->root, secret));
      g_assert_false (forge_test_harness_logs_contain (harness, secret));
      for (guint j = 0; j < harness->steps->len; j++)
        g_assert_null (strstr (g_ptr_array_index (harness->steps, j), secret));
      g_assert_true (harness->error == NULL || strstr (harness->error, secret) == NULL);
    }

  /* Nor in any command's environment or command line inside. */
  {
    g_autoptr(GPtrArray) requests = forge_e2b_standin_dup_requests (fixture->standin);

    for (guint i = 0; i < requests->len; i++)
      {
        ForgeE2bStandinRequest *request = g_ptr_array_index (requests, i);
        gsize size = 0;
        const char *body = request->body != NULL ? g_bytes_get_data (request->body, &size) : NULL;

        if (!request->envd || body == NULL || !g_str_has_suffix (request->path, "/Start"))
          continue;
        for (guint j = 0; j < tokens->len; j++)
          g_assert_null (g_strstr_len (body, size, g_ptr_array_index (tokens, j)));
      }
  }
}

static void
test_workflow_static_site (Fixture       *fixture,
                           gconstpointer  data)
{
  ForgeTestHarness *harness = &fixture->harness;
  g_autofree char *repo = NULL;
  g_autofree char *url = NULL;
  g_autofree char *project_id = NULL;
  g_autofree char *body = NULL;
  g_autofree char *preview = NULL;
  g_autofree char *dotfile_url = NULL;
  g_autofree char *sandbox_id = NULL;
  g_autofree char *restored_body = NULL;
  g_autofree char *old_path = NULL;
  g_autofree char *new_path = NULL;
  g_autoptr(ForgeSandbox) sandbox = NULL;
  guint timeouts;

  SKIP_WITHOUT_STANDIN (fixture);

  repo = forge_test_repo_from_fixture (harness->root, "static-site");
  forge_test_git_commit_file (repo, ".env", "SECRET=do-not-serve");
  url = g_strconcat ("file://", repo, NULL);

  /* Heartbeats now and then, so that the test sees several. */
  forge_sandbox_manager_set_keepalive_interval (harness->manager, 1);

  project_id = forge_test_harness_run (harness, url, "e2b", 300);
  g_assert_cmpstr (harness->error, ==, NULL);
  g_assert_cmpint (harness->status, ==, FORGE_RUN_STATUS_COMPLETED);
  g_assert_cmpstr (forge_test_harness_output_string (harness, "framework"), ==, "static");

  preview = g_strdup (forge_test_harness_output_string (harness, "preview_url"));
  g_assert_cmpuint (forge_test_http_get (preview, &body), ==, 200);
  g_assert_nonnull (strstr (body, "Hello from a static site"));
  dotfile_url = g_strconcat (preview, ".env", NULL);
  g_assert_cmpuint (forge_test_http_get (dotfile_url, NULL), ==, 404);
  sandbox_id = g_strdup (forge_test_harness_output_string (harness, "sandbox_id"));
  {
    g_auto(GStrv) ids = forge_e2b_standin_dup_sandbox_ids (fixture->standin);

    g_assert_true (g_strv_contains ((const char * const *) ids, sandbox_id));
  }

  /* Keepalive: the heartbeat extends through the API... */
  timeouts = count_requests (fixture->standin, FALSE, "POST", "/sandboxes/*/timeout");
  forge_test_harness_run_for (3500);
  sandbox = forge_sandbox_manager_dup_sandbox (harness->manager, project_id);
  g_assert_true (FORGE_IS_E2B_SANDBOX (sandbox));
  /* ...a longer life goes up... */
  g_assert_true (forge_sandbox_set_timeout (sandbox, 3000, NULL));
  forge_test_harness_run_for (1500);
  g_assert_cmpuint (count_requests (fixture->standin, FALSE, "POST", "/sandboxes/*/timeout"), >, timeouts);
  timeouts = count_requests (fixture->standin, FALSE, "POST", "/sandboxes/*/timeout");
  g_assert_cmpuint (count_requests (fixture->standin, FALSE, "GET", "/sandboxes/*"), >, 0);
  /* ...and a shorter one never does. */
  g_assert_true (forge_sandbox_set_timeout (sandbox, 5, NULL));
  forge_test_harness_run_for (1500);
  g_assert_cmpuint (count_requests (fixture->standin, FALSE, "POST", "/sandboxes/*/timeout"), ==, timeouts);
  g_clear_object (&sandbox);

  /* Killed from outside: seen at once (the server's stream ends) and
   * restored at the same path. */
  g_assert_true (forge_e2b_standin_kill_sandbox (fixture->standin, sandbox_id));
  forge_test_harness_wait_for_state (harness, FORGE_SANDBOX_STATE_RESTORED, 90);
  g_assert_nonnull (harness->restored_url);
  old_path = path_of (preview);
  new_path = path_of (harness->restored_url);
  g_assert_cmpstr (old_path, ==, new_path);
  g_assert_cmpuint (forge_test_http_get (harness->restored_url, &restored_body), ==, 200);
  g_assert_nonnull (strstr (restored_body, "Hello from a static site"));

  assert_no_secrets (fixture);
}

static void
test_workflow_unauthorized (Fixture       *fixture,
                            gconstpointer  data)
{
  ForgeTestHarness *harness = &fixture->harness;
  g_autofree char *repo = NULL;
  g_autofree char *url = NULL;

  SKIP_WITHOUT_STANDIN (fixture);

  repo = forge_test_repo_from_fixture (harness->root, "static-site");
  url = g_strconcat ("file://", repo, NULL);
  g_free (forge_test_harness_run (harness, url, "e2b", 120));
  g_assert_cmpint (harness->status, ==, FORGE_RUN_STATUS_FAILED);
  g_assert_nonnull (harness->error);
  g_assert_nonnull (strstr (harness->error, "E2B refused the API key: check it in Preferences"));
  g_assert_false (log_contains ("wrong_key_abcdef"));
  g_assert_false (forge_test_tree_contains (harness->root, "wrong_key_abcdef"));
}

/* A Node project: npm installs inside (from the real registry, through
 * the stand-in's local sandbox) and Vite serves through the proxy. */
static void
test_workflow_vite (Fixture       *fixture,
                    gconstpointer  data)
{
  ForgeTestHarness *harness = &fixture->harness;
  g_autofree char *repo = NULL;
  g_autofree char *url = NULL;
  g_autofree char *body = NULL;

  SKIP_WITHOUT_STANDIN (fixture);

  repo = forge_test_repo_from_fixture (harness->root, "vite-app");
  url = g_strconcat ("file://", repo, NULL);
  g_free (forge_test_harness_run (harness, url, "e2b", 300));
  if (harness->status != FORGE_RUN_STATUS_COMPLETED && harness->error != NULL &&
      strstr (harness->error, "ENOTFOUND") != NULL)
    {
      g_test_skip ("No npm registry from here");
      return;
    }
  g_assert_cmpstr (harness->error, ==, NULL);
  g_assert_cmpint (harness->status, ==, FORGE_RUN_STATUS_COMPLETED);
  g_assert_cmpstr (forge_test_harness_output_string (harness, "framework"), ==, "vite");
  g_assert_true (forge_test_harness_logs_contain (harness, "install: npm ci"));
  g_assert_cmpuint (forge_test_http_get (forge_test_harness_output_string (harness, "preview_url"), &body), ==, 200);
  g_assert_nonnull (strstr (body, "Forge Vite Fixture"));

  assert_no_secrets (fixture);
}

/* }}} */

/* {{{ Resume after a pause */

/* A Node server whose memory the test can see: /count answers how many
 * times it was asked (the probes' "/" does not count). A restarted
 * server starts again at 1; a resumed one goes on. No dependencies: the
 * install needs no registry. */
static char *
counter_repo (Fixture *fixture)
{
  return forge_test_repo_with_files (fixture->harness.root, "counter",
                                     "package.json",
                                     "{ \"name\": \"counter\", \"version\": \"1.0.0\", \"scripts\": { \"dev\": \"node server.js\" } }\n",
                                     "package-lock.json",
                                     "{ \"name\": \"counter\", \"version\": \"1.0.0\", \"lockfileVersion\": 3, \"requires\": true, "
                                     "\"packages\": { \"\": { \"name\": \"counter\", \"version\": \"1.0.0\" } } }\n",
                                     "server.js",
                                     "let count = 0;\n"
                                     "require('http').createServer((q, s) => {\n"
                                     "  console.log('request ' + q.url);\n"
                                     "  if (q.url === '/exit') s.end('bye', () => process.exit(7));\n"
                                     "  else if (q.url === '/count') s.end(String(++count)); else s.end('up');\n"
                                     "}).listen(+process.env.PORT, process.env.HOST);\n",
                                     NULL);
}

static guint
get_count (const char *preview)
{
  g_autofree char *url = g_uri_resolve_relative (preview, "/count", G_URI_FLAGS_NONE, NULL);
  g_autofree char *body = NULL;

  g_assert_cmpuint (forge_test_http_get (url, &body), ==, 200);
  return (guint) g_ascii_strtoull (body, NULL, 10);
}

typedef struct
{
  guint creates;
  guint connects;
  guint uploads;
  guint starts;
} Counts;

static Counts
take_counts (ForgeE2bStandin *standin)
{
  Counts counts = {
    count_requests (standin, FALSE, "POST", "/sandboxes"),
    count_requests (standin, FALSE, "POST", "/sandboxes/*/connect"),
    count_requests (standin, TRUE, "POST", "/files"),
    count_requests (standin, TRUE, "POST", "/process.Process/Start"),
  };

  return counts;
}

/* Runs the counter project, watched, with short lives; asks /count
 * twice; hides it until its sandbox expired (paused, or killed without
 * pausing), then shows it again and waits for the restore. */
static char *
run_hide_and_show (Fixture  *fixture,
                   char    **sandbox_id,
                   Counts   *before)
{
  ForgeTestHarness *harness = &fixture->harness;
  g_autofree char *repo = counter_repo (fixture);
  g_autofree char *url = g_strconcat ("file://", repo, NULL);
  g_autofree char *project_id = NULL;
  char *preview;

  forge_sandbox_manager_set_keepalive_interval (harness->manager, 1);
  forge_sandbox_manager_set_sandbox_timeout (harness->manager, 1);

  project_id = forge_test_harness_run (harness, url, "e2b", 300);
  g_assert_cmpstr (harness->error, ==, NULL);
  g_assert_cmpint (harness->status, ==, FORGE_RUN_STATUS_COMPLETED);
  g_assert_cmpstr (forge_test_harness_output_string (harness, "framework"), ==, "node");
  forge_sandbox_manager_watch (harness->manager, project_id);

  preview = g_strdup (forge_test_harness_output_string (harness, "preview_url"));
  *sandbox_id = g_strdup (forge_test_harness_output_string (harness, "sandbox_id"));
  g_assert_cmpuint (get_count (preview), ==, 1);
  g_assert_cmpuint (get_count (preview), ==, 2);

  /* The workflow gave the sandbox a life as long as its steps' limits
   * (21 minutes), which the manager never shortens: another client cuts
   * it to a few seconds, so that it ends within the test; the next
   * heartbeats read the new end. */
  {
    g_autofree char *path = g_strdup_printf ("/sandboxes/%s/timeout", *sandbox_id);
    g_autoptr(SoupSession) session = soup_session_new ();
    g_autofree char *uri = g_strconcat (forge_e2b_standin_get_api_url (fixture->standin), path, NULL);
    g_autoptr(SoupMessage) msg = soup_message_new ("POST", uri);
    g_autoptr(GBytes) body = g_bytes_new_static ("{\"timeout\": 5}", 14);
    g_autoptr(GBytes) reply = NULL;

    soup_message_headers_append (soup_message_get_request_headers (msg), "X-API-Key", API_KEY);
    soup_message_set_request_body_from_bytes (msg, "application/json", body);
    reply = soup_session_send_and_read (session, msg, NULL, NULL);
    g_assert_cmpuint (soup_message_get_status (msg), ==, 204);
  }
  forge_test_harness_run_for (1500);

  /* Hidden: no longer kept alive; E2B pauses (or kills) it at its
   * timeout, and the handle notices by itself. */
  forge_sandbox_manager_set_visible (harness->manager, project_id, FALSE);
  forge_test_harness_wait_for_state (harness, FORGE_SANDBOX_STATE_EXPIRED, 60);
  g_assert_cmpuint (forge_test_harness_count_state (harness, FORGE_SANDBOX_STATE_RESTARTING), ==, 0);

  *before = take_counts (fixture->standin);
  forge_sandbox_manager_set_visible (harness->manager, project_id, TRUE);
  forge_test_harness_wait_for_state (harness, FORGE_SANDBOX_STATE_RESTORED, 120);
  g_assert_nonnull (harness->restored_url);

  return preview;
}

typedef struct
{
  gboolean saw_count_line;
  gboolean exited;
  int      exit_code;
} Followed;

static void
followed_log_cb (ForgeSandboxManager *manager,
                 const char          *project_id,
                 const char          *stream,
                 const char          *line,
                 Followed            *followed)
{
  if (g_strcmp0 (line, "request /count") == 0)
    followed->saw_count_line = TRUE;
}

static void
followed_exited_cb (ForgeSandboxManager *manager,
                    const char          *project_id,
                    int                  exit_code,
                    Followed            *followed)
{
  followed->exited = TRUE;
  followed->exit_code = exit_code;
}

static void
test_workflow_resume (Fixture       *fixture,
                      gconstpointer  data)
{
  ForgeTestHarness *harness = &fixture->harness;
  g_autofree char *preview = NULL;
  g_autofree char *sandbox_id = NULL;
  g_autofree char *old_path = NULL;
  g_autofree char *new_path = NULL;
  Counts before, after;

  SKIP_WITHOUT_STANDIN (fixture);

  preview = run_hide_and_show (fixture, &sandbox_id, &before);

  /* Paused, not killed, while hidden. */
  {
    g_auto(GStrv) ids = forge_e2b_standin_dup_sandbox_ids (fixture->standin);

    g_assert_true (g_strv_contains ((const char * const *) ids, sandbox_id));
    g_assert_cmpuint (g_strv_length (ids), ==, 1);
  }

  after = take_counts (fixture->standin);
  g_assert_cmpuint (after.connects, >, before.connects);
  g_assert_cmpuint (after.creates, ==, before.creates);
  g_assert_cmpuint (after.uploads, ==, before.uploads);
  g_assert_cmpuint (after.starts, ==, before.starts);
  g_assert_true (log_contains ("Resumed the paused sandbox"));

  old_path = path_of (preview);
  new_path = path_of (harness->restored_url);
  g_assert_cmpstr (old_path, ==, new_path);
  /* The same server, its memory intact: the count goes on; and it is
   * followed again (Process/Connect): what it prints now reaches the
   * manager's server log. */
  {
    Followed followed = { 0 };
    gulong log_id = g_signal_connect (harness->manager, "server-log", G_CALLBACK (followed_log_cb), &followed);
    gulong exited_id = g_signal_connect (harness->manager, "server-exited", G_CALLBACK (followed_exited_cb), &followed);
    g_autofree char *exit_url = g_uri_resolve_relative (harness->restored_url, "/exit", G_URI_FLAGS_NONE, NULL);
    g_autofree char *body = NULL;
    gint64 deadline;

    g_assert_cmpuint (get_count (harness->restored_url), ==, 3);
    deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
    while (!followed.saw_count_line && g_get_monotonic_time () < deadline)
      forge_test_harness_run_for (50);
    g_assert_true (followed.saw_count_line);

    /* Its end comes with its stream, not from a heartbeat: none is due
     * in the time allowed. */
    forge_sandbox_manager_set_keepalive_interval (harness->manager, 3600);
    forge_test_harness_run_for (1100);
    forge_test_http_get (exit_url, &body);
    deadline = g_get_monotonic_time () + 3 * G_USEC_PER_SEC;
    while (!followed.exited && g_get_monotonic_time () < deadline)
      forge_test_harness_run_for (50);
    g_assert_true (followed.exited);
    g_assert_cmpint (followed.exit_code, ==, 7);

    g_signal_handler_disconnect (harness->manager, log_id);
    g_signal_handler_disconnect (harness->manager, exited_id);
  }

  assert_no_secrets (fixture);
}

/* A plan without pausing: the sandbox is created without autoPause
 * (said in the log), killed at its timeout, and the restore starts a
 * new one (said too), whose server counts from 1 again. */
static void
test_workflow_resume_refused (Fixture       *fixture,
                              gconstpointer  data)
{
  ForgeTestHarness *harness = &fixture->harness;
  g_autofree char *preview = NULL;
  g_autofree char *sandbox_id = NULL;
  g_autofree char *old_path = NULL;
  g_autofree char *new_path = NULL;
  Counts before, after;

  SKIP_WITHOUT_STANDIN (fixture);

  forge_e2b_standin_set_pause_supported (fixture->standin, FALSE);
  preview = run_hide_and_show (fixture, &sandbox_id, &before);
  g_assert_true (log_contains ("E2B would not pause sandboxes"));

  after = take_counts (fixture->standin);
  g_assert_cmpuint (after.creates, >, before.creates);
  g_assert_cmpuint (after.starts, >, before.starts);
  g_assert_true (log_contains ("Could not resume ("));
  g_assert_true (log_contains ("starting a new sandbox"));
  {
    g_auto(GStrv) ids = forge_e2b_standin_dup_sandbox_ids (fixture->standin);

    g_assert_false (g_strv_contains ((const char * const *) ids, sandbox_id));
  }

  old_path = path_of (preview);
  new_path = path_of (harness->restored_url);
  g_assert_cmpstr (old_path, ==, new_path);
  g_assert_cmpuint (get_count (harness->restored_url), ==, 1);
}

/* autoPause refused at create: created again without it, not failed. */
static void
test_create_without_pause (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(ForgeSandbox) sandbox = NULL;
  g_autoptr(GPtrArray) requests = NULL;
  guint n_creates = 0;

  SKIP_WITHOUT_STANDIN (fixture);

  forge_e2b_standin_set_pause_supported (fixture->standin, FALSE);
  sandbox = create_sandbox (fixture, fixture->harness.root);
  g_assert_true (forge_sandbox_is_running (sandbox));

  requests = forge_e2b_standin_dup_requests (fixture->standin);
  for (guint i = 0; i < requests->len; i++)
    {
      ForgeE2bStandinRequest *request = g_ptr_array_index (requests, i);
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonObject *body;

      if (request->envd || !g_str_equal (request->method, "POST") || !g_str_equal (request->path, "/sandboxes"))
        continue;
      g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (request->body, NULL),
                                                 g_bytes_get_size (request->body), NULL));
      body = json_node_get_object (json_parser_get_root (parser));
      /* First with autoPause, then without. */
      g_assert_cmpint (json_object_get_boolean_member_with_default (body, "autoPause", FALSE), ==, n_creates == 0);
      n_creates++;
    }
  g_assert_cmpuint (n_creates, ==, 2);
  g_assert_true (log_contains ("E2B would not pause sandboxes"));

  forge_sandbox_kill (sandbox);
}

/* An id E2B does not know: a clean NOT_RUNNING, nothing created. */
static void
test_reconnect_unknown (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(ForgeSandbox) sandbox = NULL;
  g_autoptr(GError) error = NULL;

  SKIP_WITHOUT_STANDIN (fixture);

  sandbox = forge_sandbox_provider_reconnect (FORGE_SANDBOX_PROVIDER (fixture->provider),
                                              "no-such-sandbox", &error);
  g_assert_null (sandbox);
  g_assert_error (error, FORGE_SANDBOX_ERROR, FORGE_SANDBOX_ERROR_NOT_RUNNING);
  g_assert_nonnull (strstr (error->message, "no-such-sandbox"));
  g_assert_cmpuint (count_requests (fixture->standin, FALSE, "POST", "/sandboxes"), ==, 0);
  g_assert_cmpuint (count_requests (fixture->standin, FALSE, "POST", "/sandboxes/*/connect"), ==, 0);
}

/* }}} */

/* {{{ Orphans */

static void
sweep_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  guint *n_killed = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (forge_e2b_provider_sweep_orphans_finish (FORGE_E2B_PROVIDER (object), result, n_killed, &error));
  g_assert_no_error (error);
}

static void
test_sweep_orphans (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(ForgeSandbox) first = NULL;
  g_autoptr(ForgeSandbox) second = NULL;
  g_autoptr(ForgeE2bProvider) keyless = NULL;
  g_auto(GStrv) keyless_env = NULL;
  guint n_killed = G_MAXUINT;

  SKIP_WITHOUT_STANDIN (fixture);

  /* Left by a process that crashed: nobody holds them. */
  first = create_sandbox (fixture, fixture->harness.root);
  second = create_sandbox (fixture, fixture->harness.root);
  g_clear_object (&first);
  g_clear_object (&second);
  g_assert_false (standin_is_empty (fixture->standin));

  /* Without a key: nothing, and no call. */
  keyless_env = standin_environ (fixture->standin, NULL);
  keyless = forge_e2b_provider_new_for_environ ((const char * const *) keyless_env, FALSE);
  forge_e2b_provider_sweep_orphans_async (keyless, NULL, sweep_done_cb, &n_killed);
  while (n_killed == G_MAXUINT)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (n_killed, ==, 0);
  g_assert_false (standin_is_empty (fixture->standin));

  n_killed = G_MAXUINT;
  forge_e2b_provider_sweep_orphans_async (fixture->provider, NULL, sweep_done_cb, &n_killed);
  while (n_killed == G_MAXUINT)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (n_killed, ==, 2);
  g_assert_true (standin_is_empty (fixture->standin));
}

/* }}} */

int
main (int   argc,
      char *argv[])
{
  captured_log = g_string_new (NULL);
  /* Debug messages too: they are where a careless line would leak. */
  g_setenv ("G_MESSAGES_DEBUG", "forge-e2b", TRUE);
  g_log_set_writer_func (capture_writer, NULL, NULL);

  g_test_init (&argc, &argv, NULL);
  forge_test_git_isolate ();

#define ADD(path, func, data) g_test_add (path, Fixture, data, fixture_set_up, func, fixture_tear_down)
  g_test_add_func ("/forge/e2b-backend/unavailable-without-key", test_unavailable_without_key);
  g_test_add_func ("/forge/e2b-backend/static-server-script", test_static_server_script);
  ADD ("/forge/e2b-backend/unauthorized", test_unauthorized, "wrong_key_abcdef");
  ADD ("/forge/e2b-backend/run-and-spawn", test_run_and_spawn, NULL);
  ADD ("/forge/e2b-backend/sync-workspace", test_sync_workspace, NULL);
  ADD ("/forge/e2b-backend/sweep-orphans", test_sweep_orphans, NULL);
  ADD ("/forge/e2b-backend/workflow/static-site", test_workflow_static_site, NULL);
  ADD ("/forge/e2b-backend/workflow/vite", test_workflow_vite, NULL);
  ADD ("/forge/e2b-backend/workflow/unauthorized", test_workflow_unauthorized, "wrong_key_abcdef");
  ADD ("/forge/e2b-backend/resume/workflow", test_workflow_resume, NULL);
  ADD ("/forge/e2b-backend/resume/refused", test_workflow_resume_refused, NULL);
  ADD ("/forge/e2b-backend/resume/create-without-pause", test_create_without_pause, NULL);
  ADD ("/forge/e2b-backend/resume/reconnect-unknown", test_reconnect_unknown, NULL);
#undef ADD

  return g_test_run ();
}
