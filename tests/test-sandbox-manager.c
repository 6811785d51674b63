/* test-sandbox-manager.c
 *
 * Keepalive and transparent restart, with short intervals and real
 * sandboxes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <signal.h>

#include "e2e-util.h"
#include "forge-clone-and-preview.h"
#include "forge-context.h"
#include "forge-util.h"
#include "git-test-util.h"

typedef struct
{
  char                 *root;
  ForgeContext         *context;
  /* The context's: */
  ForgeProjectStore    *store;
  ForgeSandboxManager  *manager;
  ForgeWorkflowEngine  *engine;
  ForgeCloneAndPreview *workflow;
  GMainLoop            *loop;

  char                 *run_id;
  ForgeRunStatus        status;        /* once the run finished */
  char                 *error;
  JsonNode             *output;
  GArray               *states;        /* ForgeSandboxState, in order */
  char                 *restored_url;
  gint64                restart_ms;
} Fixture;

static void
on_finished (ForgeWorkflowEngine *engine,
             const char          *run_id,
             ForgeRunStatus       status,
             JsonNode            *output,
             const char          *error_message,
             Fixture             *fixture)
{
  if (g_strcmp0 (run_id, fixture->run_id) != 0)
    return;

  fixture->status = status;
  fixture->error = g_strdup (error_message);
  fixture->output = output ? json_node_copy (output) : NULL;
  g_main_loop_quit (fixture->loop);
}

static void
on_state (ForgeSandboxManager *manager,
          const char          *project_id,
          ForgeSandboxState    state,
          const char          *url,
          gint64               restart_ms,
          Fixture             *fixture)
{
  g_array_append_val (fixture->states, state);
  if (state == FORGE_SANDBOX_STATE_RESTORED)
    {
      g_free (fixture->restored_url);
      fixture->restored_url = g_strdup (url);
      fixture->restart_ms = restart_ms;
    }
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->root = g_dir_make_tmp ("forge-manager-XXXXXX", NULL);
  forge_test_isolate_xdg (fixture->root);

  fixture->loop = g_main_loop_new (NULL, FALSE);
  fixture->context = forge_context_new (NULL, NULL);
  fixture->store = forge_context_get_store (fixture->context);
  fixture->manager = forge_context_get_manager (fixture->context);
  fixture->engine = forge_context_get_engine (fixture->context);
  fixture->workflow = forge_context_get_workflow (fixture->context);
  forge_clone_and_preview_set_server_timeout (fixture->workflow, 60);
  fixture->states = g_array_new (FALSE, FALSE, sizeof (ForgeSandboxState));

  forge_sandbox_manager_set_retry_delay_ms (fixture->manager, 100);
  g_signal_connect (fixture->engine, "run-finished", G_CALLBACK (on_finished), fixture);
  g_signal_connect (fixture->manager, "sandbox-state", G_CALLBACK (on_state), fixture);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  forge_sandbox_manager_stop_all (fixture->manager);
  /* Restart runs may still be winding down. */
  while (forge_workflow_engine_get_n_active (fixture->engine) > 0)
    g_main_context_iteration (NULL, TRUE);
  forge_sandbox_manager_stop_all (fixture->manager);
  g_assert_true (forge_test_wait_no_processes (fixture->root, 5000));

  g_clear_object (&fixture->context);
  g_clear_pointer (&fixture->loop, g_main_loop_unref);
  g_clear_pointer (&fixture->output, json_node_unref);
  g_array_unref (fixture->states);
  g_free (fixture->run_id);
  g_free (fixture->error);
  g_free (fixture->restored_url);
  forge_remove_tree (fixture->root, NULL);
  g_free (fixture->root);
}

static gboolean
fail_on_timeout (gpointer user_data)
{
  g_error ("Timed out: %s", (const char *) user_data);
  return G_SOURCE_REMOVE;
}

/* Runs clone-and-preview and watches the project. Returns its id. */
static char *
start_preview (Fixture    *fixture,
               const char *repo)
{
  g_autofree char *url = g_strconcat ("file://", repo, NULL);
  g_autoptr(GError) error = NULL;
  char *project_id = NULL;
  guint timeout;

  fixture->run_id = forge_clone_and_preview_start (fixture->engine, fixture->store, url, NULL, &project_id, &error);
  g_assert_no_error (error);

  timeout = g_timeout_add_seconds (120, fail_on_timeout, (gpointer) "the first preview");
  g_main_loop_run (fixture->loop);
  g_source_remove (timeout);

  g_assert_cmpstr (fixture->error, ==, NULL);
  g_assert_cmpint (fixture->status, ==, FORGE_RUN_STATUS_COMPLETED);
  forge_sandbox_manager_watch (fixture->manager, project_id);

  return project_id;
}

static const char *
preview_url (Fixture *fixture)
{
  return json_object_get_string_member (json_node_get_object (fixture->output), "preview_url");
}

static guint
count_state (Fixture           *fixture,
             ForgeSandboxState  state)
{
  guint count = 0;

  for (guint i = 0; i < fixture->states->len; i++)
    if (g_array_index (fixture->states, ForgeSandboxState, i) == state)
      count++;
  return count;
}

static gboolean
has_state (Fixture           *fixture,
           ForgeSandboxState  state)
{
  return count_state (fixture, state) > 0;
}

static void
wait_for_state (Fixture           *fixture,
                ForgeSandboxState  state,
                guint              seconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC;

  while (!has_state (fixture, state))
    {
      if (g_get_monotonic_time () > deadline)
        {
          for (guint i = 0; i < fixture->states->len; i++)
            g_test_message ("state: %s",
                            forge_sandbox_state_to_string (g_array_index (fixture->states, ForgeSandboxState, i)));
          g_error ("No “%s” within %u s", forge_sandbox_state_to_string (state), seconds);
        }
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

static void
run_for (guint milliseconds)
{
  gint64 until = g_get_monotonic_time () + (gint64) milliseconds * 1000;

  while (g_get_monotonic_time () < until)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

static guint
kill_static_server (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  g_autofree char *port = g_strdup_printf ("%d", g_uri_get_port (uri));

  return forge_test_signal_program ("forge-static-server", port, SIGKILL);
}

static void
test_heartbeat_extends_timeout (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autofree char *repo = forge_test_repo_from_fixture (fixture->root, "static-site");
  g_autofree char *project_id = NULL;

  /* Without heartbeats this sandbox would expire after 2 s. */
  forge_clone_and_preview_set_sandbox_timeout (fixture->workflow, 2);
  forge_sandbox_manager_set_keepalive_interval (fixture->manager, 1);
  project_id = start_preview (fixture, repo);

  run_for (10000);

  g_assert_false (has_state (fixture, FORGE_SANDBOX_STATE_EXPIRED));
  g_assert_false (has_state (fixture, FORGE_SANDBOX_STATE_RESTARTING));
  g_assert_true (has_state (fixture, FORGE_SANDBOX_STATE_ALIVE));
  g_assert_cmpuint (forge_test_http_get (preview_url (fixture), NULL), ==, 200);
  g_assert_cmpstr (forge_sandbox_manager_get_state (fixture->manager, project_id), ==, "alive");
}

static void
test_killed_server_is_restored_at_once (Fixture       *fixture,
                                        gconstpointer  data)
{
  g_autofree char *repo = forge_test_repo_from_fixture (fixture->root, "static-site");
  g_autofree char *project_id = NULL;
  g_autofree char *body = NULL;
  ForgeProject *project;

  /* A heartbeat is five minutes away: only the exit can trigger this. */
  forge_sandbox_manager_set_keepalive_interval (fixture->manager, 300);
  project_id = start_preview (fixture, repo);

  g_assert_cmpuint (kill_static_server (preview_url (fixture)), ==, 1);
  wait_for_state (fixture, FORGE_SANDBOX_STATE_RESTORED, 30);

  g_assert_true (has_state (fixture, FORGE_SANDBOX_STATE_DIED));
  g_assert_true (has_state (fixture, FORGE_SANDBOX_STATE_RESTARTING));
  g_assert_nonnull (fixture->restored_url);
  g_assert_cmpuint (forge_test_http_get (fixture->restored_url, &body), ==, 200);
  g_assert_nonnull (strstr (body, "Hello from a static site"));
  g_assert_cmpint (fixture->restart_ms, >, 0);

  project = forge_project_store_lookup (fixture->store, project_id);
  g_assert_cmpstr (forge_project_get_preview_url (project), ==, fixture->restored_url);
  g_assert_cmpint (forge_project_get_status (project), ==, FORGE_PROJECT_STATUS_DEPLOYED);
  g_assert_cmpuint (forge_sandbox_manager_get_n_sandboxes (fixture->manager), ==, 1);
}

static void
test_expired_sandbox_restored_when_visible (Fixture       *fixture,
                                            gconstpointer  data)
{
  g_autofree char *repo = forge_test_repo_from_fixture (fixture->root, "static-site");
  g_autofree char *project_id = NULL;

  forge_clone_and_preview_set_sandbox_timeout (fixture->workflow, 2);
  forge_sandbox_manager_set_keepalive_interval (fixture->manager, 1);
  forge_sandbox_manager_set_sandbox_timeout (fixture->manager, 1);
  project_id = start_preview (fixture, repo);

  /* Hidden: no more heartbeats once the timeout has passed, so it expires. */
  forge_sandbox_manager_set_visible (fixture->manager, project_id, FALSE);
  wait_for_state (fixture, FORGE_SANDBOX_STATE_EXPIRED, 20);
  g_assert_false (has_state (fixture, FORGE_SANDBOX_STATE_RESTARTING));
  g_assert_cmpuint (forge_test_http_get (preview_url (fixture), NULL), ==, 0);

  forge_sandbox_manager_set_visible (fixture->manager, project_id, TRUE);
  wait_for_state (fixture, FORGE_SANDBOX_STATE_RESTORED, 30);
  g_assert_cmpuint (forge_test_http_get (fixture->restored_url, NULL), ==, 200);
}

static void
test_crash_loop_gives_up (Fixture       *fixture,
                          gconstpointer  data)
{
  /* Serves once; every later start crashes at once. */
  g_autofree char *repo = forge_test_repo_with_files (fixture->root, "crash-loop",
                                                      "package.json",
                                                      "{ \"name\": \"loop\", \"scripts\": { \"dev\": \"node server.js\" } }\n",
                                                      "server.js",
                                                      "const fs = require('fs');\n"
                                                      "if (fs.existsSync('.started')) { console.error('Error: database is gone'); process.exit(1); }\n"
                                                      "fs.writeFileSync('.started', '1');\n"
                                                      "require('http').createServer((q, s) => s.end('once')).listen(+process.env.PORT, process.env.HOST);\n",
                                                      NULL);
  g_autofree char *project_id = NULL;

  forge_sandbox_manager_set_keepalive_interval (fixture->manager, 300);
  project_id = start_preview (fixture, repo);

  /* Past the first half second, its death is not a failed start. */
  run_for (700);
  g_assert_cmpuint (forge_test_signal_program ("node", "server.js", SIGKILL), ==, 1);
  wait_for_state (fixture, FORGE_SANDBOX_STATE_GAVE_UP, 60);

  g_assert_cmpuint (count_state (fixture, FORGE_SANDBOX_STATE_RESTARTING), ==, 3);
  g_assert_false (has_state (fixture, FORGE_SANDBOX_STATE_RESTORED));
  g_assert_cmpstr (forge_sandbox_manager_get_state (fixture->manager, project_id), ==, "gave-up");
  g_assert_cmpint (forge_project_get_status (forge_project_store_lookup (fixture->store, project_id)),
                   ==, FORGE_PROJECT_STATUS_FAILED);

  /* No more tries on its own. */
  run_for (1500);
  g_assert_cmpuint (count_state (fixture, FORGE_SANDBOX_STATE_RESTARTING), ==, 3);
}

static void
test_network_change_checks_at_once (Fixture       *fixture,
                                    gconstpointer  data)
{
  g_autofree char *repo = forge_test_repo_from_fixture (fixture->root, "static-site");
  g_autofree char *project_id = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autofree char *port = NULL;

  /* A hung server: alive, so no exit to notice, and the next heartbeat is
   * five minutes away. Only the check a network change triggers finds it. */
  forge_sandbox_manager_set_keepalive_interval (fixture->manager, 300);
  project_id = start_preview (fixture, repo);

  uri = g_uri_parse (preview_url (fixture), G_URI_FLAGS_NONE, NULL);
  port = g_strdup_printf ("%d", g_uri_get_port (uri));
  g_assert_cmpuint (forge_test_signal_program ("forge-static-server", port, SIGSTOP), ==, 1);
  run_for (1000);
  g_assert_false (has_state (fixture, FORGE_SANDBOX_STATE_RESTARTING));

  g_signal_emit_by_name (g_network_monitor_get_default (), "network-changed", TRUE);
  wait_for_state (fixture, FORGE_SANDBOX_STATE_RESTORED, 60);
  g_assert_true (has_state (fixture, FORGE_SANDBOX_STATE_DIED));
  g_assert_cmpuint (forge_test_http_get (fixture->restored_url, NULL), ==, 200);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  forge_test_git_isolate ();

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/forge/sandbox-manager/heartbeat-extends-timeout", test_heartbeat_extends_timeout);
  ADD ("/forge/sandbox-manager/killed-server-restored-at-once", test_killed_server_is_restored_at_once);
  ADD ("/forge/sandbox-manager/expired-restored-when-visible", test_expired_sandbox_restored_when_visible);
  ADD ("/forge/sandbox-manager/crash-loop-gives-up", test_crash_loop_gives_up);
  ADD ("/forge/sandbox-manager/network-change-checks-at-once", test_network_change_checks_at_once);
#undef ADD

  return g_test_run ();
}
