/* test-sandbox-manager.c
 *
 * Keepalive and transparent restart, with short intervals: with real
 * sandboxes, and with the fake backend for what the manager decides.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <signal.h>

#include "e2e-util.h"
#include "forge-test-harness.h"
#include "forge-util.h"
#include "git-test-util.h"

typedef ForgeTestHarness Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  forge_test_harness_set_up (fixture, data);
  forge_clone_and_preview_set_server_timeout (fixture->workflow, 60);
  forge_sandbox_manager_set_retry_delay_ms (fixture->manager, 100);
}

/* Runs clone-and-preview on @backend and watches the project. Returns its id. */
static char *
start_preview_on (Fixture    *fixture,
                  const char *repo,
                  const char *backend)
{
  g_autofree char *url = g_strconcat ("file://", repo, NULL);
  char *project_id = forge_test_harness_run (fixture, url, backend, 120);

  g_assert_cmpstr (fixture->error, ==, NULL);
  g_assert_cmpint (fixture->status, ==, FORGE_RUN_STATUS_COMPLETED);
  forge_sandbox_manager_watch (fixture->manager, project_id);

  return project_id;
}

static char *
start_preview (Fixture    *fixture,
               const char *repo)
{
  return start_preview_on (fixture, repo, NULL);
}

static const char *
preview_url (Fixture *fixture)
{
  return forge_test_harness_output_string (fixture, "preview_url");
}

static gboolean
has_state (Fixture           *fixture,
           ForgeSandboxState  state)
{
  return forge_test_harness_count_state (fixture, state) > 0;
}

static guint
kill_static_server (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  g_autofree char *port = g_strdup_printf ("%d", g_uri_get_port (uri));

  return forge_test_signal_own_program ("forge-static-server", port, SIGKILL);
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

  forge_test_harness_run_for (10000);

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
  forge_test_harness_wait_for_state (fixture, FORGE_SANDBOX_STATE_RESTORED, 30);

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

static gboolean
plain_bind (guint port)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, (guint16) port);

  return g_socket_bind (socket, address, FALSE, NULL);
}

/* The page keeps its origin (and so its storage) across restarts and new
 * runs, and the port is let go once the preview is stopped. */
static void
test_restore_keeps_url (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autofree char *repo = forge_test_repo_from_fixture (fixture->root, "static-site");
  g_autofree char *project_id = NULL;
  g_autofree char *url = NULL;
  g_autofree char *again = NULL;
  g_autofree char *repo_url = g_strconcat ("file://", repo, NULL);
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GError) error = NULL;
  guint port;

  forge_sandbox_manager_set_keepalive_interval (fixture->manager, 300);
  project_id = start_preview (fixture, repo);
  url = g_strdup (preview_url (fixture));
  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  port = (guint) g_uri_get_port (uri);
  g_assert_cmpuint (forge_sandbox_manager_ensure_preview_port (fixture->manager, project_id, &error), ==, port);
  g_assert_no_error (error);

  g_assert_cmpuint (kill_static_server (url), ==, 1);
  /* Between the old server and the new one nothing else may take it. */
  g_assert_false (plain_bind (port));
  forge_test_harness_wait_for_state (fixture, FORGE_SANDBOX_STATE_RESTORED, 30);
  g_assert_cmpstr (fixture->restored_url, ==, url);
  g_assert_cmpuint (forge_test_http_get (url, NULL), ==, 200);

  /* A new run of the project keeps it too, even while the old server
   * still runs. */
  forge_sandbox_manager_unwatch (fixture->manager, project_id);
  forge_test_harness_reset_run (fixture);
  g_free (forge_test_harness_run (fixture, repo_url, NULL, 120));
  g_assert_cmpint (fixture->status, ==, FORGE_RUN_STATUS_COMPLETED);
  again = g_strdup (preview_url (fixture));
  g_assert_cmpstr (again, ==, url);
  g_assert_false (forge_test_harness_logs_contain (fixture, "is taken by another program"));

  /* Restart by hand, the server still answering: the same. */
  forge_sandbox_manager_watch (fixture->manager, project_id);
  g_clear_pointer (&fixture->restored_url, g_free);
  forge_sandbox_manager_restart (fixture->manager, project_id);
  while (forge_test_harness_count_state (fixture, FORGE_SANDBOX_STATE_RESTORED) < 2)
    {
      g_assert_cmpuint (forge_test_harness_count_state (fixture, FORGE_SANDBOX_STATE_GAVE_UP), ==, 0);
      g_main_context_iteration (NULL, TRUE);
    }
  g_assert_cmpstr (fixture->restored_url, ==, url);
  g_assert_cmpuint (forge_test_http_get (url, NULL), ==, 200);

  /* Stopped: the port is free for anyone. */
  g_assert_true (forge_sandbox_manager_stop (fixture->manager, project_id));
  g_assert_true (plain_bind (port));
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
  forge_test_harness_wait_for_state (fixture, FORGE_SANDBOX_STATE_EXPIRED, 20);
  g_assert_false (has_state (fixture, FORGE_SANDBOX_STATE_RESTARTING));
  g_assert_cmpuint (forge_test_http_get (preview_url (fixture), NULL), ==, 0);

  forge_sandbox_manager_set_visible (fixture->manager, project_id, TRUE);
  forge_test_harness_wait_for_state (fixture, FORGE_SANDBOX_STATE_RESTORED, 30);
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
  forge_test_harness_run_for (700);
  g_assert_cmpuint (forge_test_signal_own_program ("node", "server.js", SIGKILL), ==, 1);
  forge_test_harness_wait_for_state (fixture, FORGE_SANDBOX_STATE_GAVE_UP, 60);

  g_assert_cmpuint (forge_test_harness_count_state (fixture, FORGE_SANDBOX_STATE_RESTARTING), ==, 3);
  g_assert_false (has_state (fixture, FORGE_SANDBOX_STATE_RESTORED));
  g_assert_cmpstr (forge_sandbox_manager_get_state (fixture->manager, project_id), ==, "gave-up");
  g_assert_cmpint (forge_project_get_status (forge_project_store_lookup (fixture->store, project_id)),
                   ==, FORGE_PROJECT_STATUS_FAILED);

  /* No more tries on its own. */
  forge_test_harness_run_for (1500);
  g_assert_cmpuint (forge_test_harness_count_state (fixture, FORGE_SANDBOX_STATE_RESTARTING), ==, 3);
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
  g_assert_cmpuint (forge_test_signal_own_program ("forge-static-server", port, SIGSTOP), ==, 1);
  forge_test_harness_run_for (1000);
  g_assert_false (has_state (fixture, FORGE_SANDBOX_STATE_RESTARTING));

  g_signal_emit_by_name (g_network_monitor_get_default (), "network-changed", TRUE);
  forge_test_harness_wait_for_state (fixture, FORGE_SANDBOX_STATE_RESTORED, 60);
  g_assert_true (has_state (fixture, FORGE_SANDBOX_STATE_DIED));
  g_assert_cmpuint (forge_test_http_get (fixture->restored_url, NULL), ==, 200);
}

/* The manager through the fake backend: what it decides, without
 * bubblewrap in the way. */

static ForgeFakeSandbox *
fake_sandbox (Fixture *fixture)
{
  ForgeFakeSandbox *sandbox = forge_fake_provider_dup_last_sandbox (fixture->fake);

  g_assert_nonnull (sandbox);
  return sandbox;
}

static void
test_fake_heartbeat_sets_timeout (Fixture       *fixture,
                                  gconstpointer  data)
{
  g_autofree char *repo = forge_test_repo_from_fixture (fixture->root, "static-site");
  g_autofree char *project_id = NULL;
  g_autoptr(ForgeFakeSandbox) sandbox = NULL;
  gint64 deadline;
  guint before;

  forge_sandbox_manager_set_keepalive_interval (fixture->manager, 1);
  project_id = start_preview_on (fixture, repo, "fake");
  sandbox = fake_sandbox (fixture);
  g_assert_cmpuint (forge_fake_provider_get_n_created (fixture->fake), ==, 1);
  g_assert_cmpuint (forge_fake_sandbox_get_n_spawned (sandbox), >=, 1);

  /* Each heartbeat gives it two intervals more. (A deadline, not a
   * duration: a loaded machine may delay heartbeats.) */
  before = forge_fake_sandbox_get_n_set_timeout (sandbox);
  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (forge_fake_sandbox_get_n_set_timeout (sandbox) < before + 2)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      forge_test_harness_run_for (100);
    }
  g_assert_cmpuint (forge_fake_sandbox_get_last_timeout (sandbox), ==, 2);
  g_assert_false (has_state (fixture, FORGE_SANDBOX_STATE_EXPIRED));
  g_assert_false (has_state (fixture, FORGE_SANDBOX_STATE_RESTARTING));
  g_assert_cmpuint (forge_fake_provider_get_n_created (fixture->fake), ==, 1);

  /* Hidden, it is kept alive for the manager's sandbox timeout, then the
   * heartbeats stop and the sandbox's own timeout ends it. */
  forge_sandbox_manager_set_sandbox_timeout (fixture->manager, 1);
  forge_sandbox_manager_set_visible (fixture->manager, project_id, FALSE);
  forge_test_harness_run_for (2200);
  before = forge_fake_sandbox_get_n_set_timeout (sandbox);
  forge_test_harness_wait_for_state (fixture, FORGE_SANDBOX_STATE_EXPIRED, 10);
  g_assert_cmpuint (forge_fake_sandbox_get_n_set_timeout (sandbox), ==, before);
  g_assert_false (has_state (fixture, FORGE_SANDBOX_STATE_RESTARTING));
  g_assert_cmpuint (forge_test_http_get (preview_url (fixture), NULL), ==, 0);
}

static void
test_fake_crash_restored (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autofree char *repo = forge_test_repo_from_fixture (fixture->root, "static-site");
  g_autofree char *project_id = NULL;
  g_autoptr(ForgeFakeSandbox) sandbox = NULL;
  g_autoptr(ForgeFakeSandbox) second = NULL;
  g_autofree char *body = NULL;

  forge_sandbox_manager_set_keepalive_interval (fixture->manager, 300);
  project_id = start_preview_on (fixture, repo, "fake");
  sandbox = fake_sandbox (fixture);

  forge_fake_sandbox_crash (sandbox);
  forge_test_harness_wait_for_state (fixture, FORGE_SANDBOX_STATE_RESTORED, 30);

  g_assert_true (has_state (fixture, FORGE_SANDBOX_STATE_DIED));
  g_assert_cmpuint (forge_fake_provider_get_n_created (fixture->fake), ==, 2);
  second = fake_sandbox (fixture);
  g_assert_true (second != sandbox);
  g_assert_true (forge_sandbox_is_running (FORGE_SANDBOX (second)));
  g_assert_cmpuint (forge_test_http_get (fixture->restored_url, &body), ==, 200);
  g_assert_nonnull (strstr (body, "Hello from a static site"));
  g_assert_cmpstr (forge_project_get_preview_url (forge_project_store_lookup (fixture->store, project_id)),
                   ==, fixture->restored_url);
}

static void
test_fake_expired_waits_until_visible (Fixture       *fixture,
                                       gconstpointer  data)
{
  g_autofree char *repo = forge_test_repo_from_fixture (fixture->root, "static-site");
  g_autofree char *project_id = NULL;
  g_autoptr(ForgeFakeSandbox) sandbox = NULL;

  forge_sandbox_manager_set_keepalive_interval (fixture->manager, 1);
  project_id = start_preview_on (fixture, repo, "fake");
  sandbox = fake_sandbox (fixture);

  /* Hidden for longer than a hidden preview is kept (the next heartbeat
   * notices). */
  forge_sandbox_manager_set_sandbox_timeout (fixture->manager, 1);
  forge_sandbox_manager_set_visible (fixture->manager, project_id, FALSE);
  forge_test_harness_run_for (2500);
  forge_fake_sandbox_expire (sandbox);
  forge_test_harness_wait_for_state (fixture, FORGE_SANDBOX_STATE_EXPIRED, 10);
  forge_test_harness_run_for (1000);
  g_assert_false (has_state (fixture, FORGE_SANDBOX_STATE_RESTARTING));
  g_assert_cmpuint (forge_fake_provider_get_n_created (fixture->fake), ==, 1);

  forge_sandbox_manager_set_visible (fixture->manager, project_id, TRUE);
  forge_test_harness_wait_for_state (fixture, FORGE_SANDBOX_STATE_RESTORED, 30);
  g_assert_cmpuint (forge_fake_provider_get_n_created (fixture->fake), ==, 2);
  g_assert_cmpuint (forge_test_http_get (fixture->restored_url, NULL), ==, 200);
}

static void
test_fake_backend_down_gives_up (Fixture       *fixture,
                                 gconstpointer  data)
{
  g_autofree char *repo = forge_test_repo_from_fixture (fixture->root, "static-site");
  g_autofree char *project_id = NULL;
  g_autoptr(ForgeFakeSandbox) sandbox = NULL;

  forge_sandbox_manager_set_keepalive_interval (fixture->manager, 300);
  project_id = start_preview_on (fixture, repo, "fake");
  sandbox = fake_sandbox (fixture);

  /* Past the first half second, its death is not a failed start. */
  forge_test_harness_run_for (700);
  forge_fake_provider_fail_next (fixture->fake, 100);
  forge_fake_sandbox_crash (sandbox);
  forge_test_harness_wait_for_state (fixture, FORGE_SANDBOX_STATE_GAVE_UP, 60);

  g_assert_cmpuint (forge_test_harness_count_state (fixture, FORGE_SANDBOX_STATE_RESTARTING), ==, 3);
  g_assert_false (has_state (fixture, FORGE_SANDBOX_STATE_RESTORED));
  g_assert_cmpuint (forge_fake_provider_get_n_created (fixture->fake), ==, 1);
  g_assert_cmpint (forge_project_get_status (forge_project_store_lookup (fixture->store, project_id)),
                   ==, FORGE_PROJECT_STATUS_FAILED);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  forge_test_git_isolate ();

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, forge_test_harness_tear_down)
  ADD ("/forge/sandbox-manager/heartbeat-extends-timeout", test_heartbeat_extends_timeout);
  ADD ("/forge/sandbox-manager/killed-server-restored-at-once", test_killed_server_is_restored_at_once);
  ADD ("/forge/sandbox-manager/restore-keeps-url", test_restore_keeps_url);
  ADD ("/forge/sandbox-manager/expired-restored-when-visible", test_expired_sandbox_restored_when_visible);
  ADD ("/forge/sandbox-manager/crash-loop-gives-up", test_crash_loop_gives_up);
  ADD ("/forge/sandbox-manager/network-change-checks-at-once", test_network_change_checks_at_once);
  ADD ("/forge/sandbox-manager/fake/heartbeat-sets-timeout", test_fake_heartbeat_sets_timeout);
  ADD ("/forge/sandbox-manager/fake/crash-restored", test_fake_crash_restored);
  ADD ("/forge/sandbox-manager/fake/expired-waits-until-visible", test_fake_expired_waits_until_visible);
  ADD ("/forge/sandbox-manager/fake/backend-down-gives-up", test_fake_backend_down_gives_up);
#undef ADD

  return g_test_run ();
}
