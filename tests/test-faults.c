/* test-faults.c
 *
 * Faults the app survives, each on real parts: a hung dev server, the
 * sandbox killed from outside, no bubblewrap, a full disk (a real small
 * tmpfs) during the clone and during the install, an unreachable npm
 * registry, and the app itself killed in the middle of an install.
 *
 * Covered elsewhere: a killed dev server (sandbox-manager,
 * headless/sandbox-events-after-kill), a port taken between choosing and
 * binding (clone-and-preview/port-taken-is-retried), the workspace's disk
 * cap (clone-and-preview/limits/…), kills during writes of projects.json
 * and journals (durable-writes, workflow-engine).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>

#include "e2e-util.h"
#include "forge-test-harness.h"
#include "forge-util.h"
#include "git-test-util.h"
#include "headless-util.h"

typedef ForgeTestHarness Fixture;

#define MB (G_GUINT64_CONSTANT (1024) * 1024)

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  forge_test_harness_set_up (fixture, data);
  forge_clone_and_preview_set_server_timeout (fixture->workflow, 60);
  forge_sandbox_manager_set_retry_delay_ms (fixture->manager, 100);
}

static char *
start_preview (Fixture    *fixture,
               const char *repo)
{
  g_autofree char *url = g_strconcat ("file://", repo, NULL);
  char *project_id = forge_test_harness_run (fixture, url, NULL, 120);

  g_assert_cmpstr (fixture->error, ==, NULL);
  g_assert_cmpint (fixture->status, ==, FORGE_RUN_STATUS_COMPLETED);
  forge_sandbox_manager_watch (fixture->manager, project_id);
  return project_id;
}

static char *
port_of (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);

  return g_strdup_printf ("%d", g_uri_get_port (uri));
}

static guint
count_steps (Fixture    *fixture,
             const char *step)
{
  guint n = 0;

  for (guint i = 0; i < fixture->steps->len; i++)
    n += g_str_equal (g_ptr_array_index (fixture->steps, i), step);
  return n;
}

static gboolean
wait_for_own_programs (const char *program,
                       guint       count)
{
  for (guint i = 0; i < 100; i++)
    {
      if (forge_test_signal_own_program (program, NULL, 0) == count)
        return TRUE;
      forge_test_harness_run_for (50);
    }
  return FALSE;
}

/* {{{ The dev server and its sandbox */

/* SIGSTOP: the server still runs, so no exit tells the manager; only the
 * keepalive's probe, which gives up on a silent server, finds it. */
static void
test_hung_server_restarted (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autofree char *repo = forge_test_repo_from_fixture (fixture->root, "static-site");
  g_autofree char *project_id = NULL;
  g_autofree char *port = NULL;
  g_autofree char *body = NULL;

  /* Longer than the probe's 5 s patience, so that the sandbox (kept for
   * two intervals) cannot expire first. */
  forge_sandbox_manager_set_keepalive_interval (fixture->manager, 6);
  project_id = start_preview (fixture, repo);
  port = port_of (forge_test_harness_output_string (fixture, "preview_url"));

  g_assert_cmpuint (forge_test_signal_own_program ("forge-static-server", port, SIGSTOP), ==, 1);
  forge_test_harness_wait_for_state (fixture, FORGE_SANDBOX_STATE_RESTORED, 60);

  g_assert_cmpuint (forge_test_harness_count_state (fixture, FORGE_SANDBOX_STATE_DIED), ==, 1);
  g_assert_cmpuint (forge_test_harness_count_state (fixture, FORGE_SANDBOX_STATE_EXPIRED), ==, 0);
  g_assert_cmpuint (forge_test_http_get (fixture->restored_url, &body), ==, 200);
  g_assert_nonnull (strstr (body, "Hello from a static site"));
  /* The hung one was killed, not left stopped beside the new one. */
  g_assert_true (wait_for_own_programs ("forge-static-server", 1));
}

/* bubblewrap itself killed from outside (an OOM killer, a user's kill):
 * the sandbox is gone, and the manager brings it back. */
static void
test_sandbox_killed_from_outside (Fixture       *fixture,
                                  gconstpointer  data)
{
  g_autofree char *repo = forge_test_repo_from_fixture (fixture->root, "static-site");
  g_autofree char *project_id = NULL;
  g_autofree char *body = NULL;

  /* A heartbeat is five minutes away: only the sandbox's end tells. */
  forge_sandbox_manager_set_keepalive_interval (fixture->manager, 300);
  project_id = start_preview (fixture, repo);

  /* The outer bwrap and the namespace's init, both bwrap. */
  g_assert_cmpuint (forge_test_signal_own_program ("bwrap", fixture->root, SIGKILL), >=, 1);
  forge_test_harness_wait_for_state (fixture, FORGE_SANDBOX_STATE_RESTORED, 60);

  g_assert_cmpuint (forge_test_http_get (fixture->restored_url, &body), ==, 200);
  g_assert_nonnull (strstr (body, "Hello from a static site"));
  g_assert_cmpint (forge_project_get_status (forge_project_store_lookup (fixture->store, project_id)),
                   ==, FORGE_PROJECT_STATUS_DEPLOYED);
}

/* }}} */

/* {{{ A full disk: a real tmpfs with a size, in a mount namespace of the
 * test's own, so that nothing outlives the test program. */

static const char *no_mount_reason;

static gboolean
mount_small_disk (const char *dir,
                  guint64     bytes)
{
  g_autofree char *options = g_strdup_printf ("size=%" G_GUINT64_FORMAT ",mode=0755", bytes);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  if (mount ("forge-test-disk", dir, "tmpfs", MS_NOSUID | MS_NODEV, options) != 0)
    {
      g_test_message ("mount tmpfs: %s", g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

static void
unmount_small_disk (const char *dir)
{
  umount2 (dir, MNT_DETACH);
}

/* The projects' folder (clones, node_modules) on a small disk. */
static char *
projects_on_small_disk (Fixture *fixture,
                        guint64  bytes)
{
  char *projects = g_build_filename (fixture->root, "cache", "forge-preview", "projects", NULL);

  if (no_mount_reason != NULL || !mount_small_disk (projects, bytes))
    {
      g_clear_pointer (&projects, g_free);
      /* The workspace's disk cap proves the same paths with an injected
       * limit: clone-and-preview/limits/clone-too-big and
       * install-fills-workspace. */
      g_test_skip (no_mount_reason != NULL ? no_mount_reason
                   : "Cannot mount a tmpfs here; the disk cap tests in clone-and-preview cover it");
    }
  return projects;
}

/* The clone step failed on the full disk, in one line, and left nothing
 * half-written to fill it further. */
static void
assert_clone_failed_on_full_disk (Fixture    *fixture,
                                  const char *project_id,
                                  const char *what)
{
  g_autofree char *workspace = forge_project_workspace_dir_for_id (project_id);
  g_autofree char *work_tree = g_build_filename (workspace, "repo", NULL);

  g_test_message ("%s on a full disk: %s", what, fixture->error);
  g_assert_cmpint (fixture->status, ==, FORGE_RUN_STATUS_FAILED);
  g_assert_cmpstr (fixture->error, ==, "The disk is full. Free some space, then try again.");
  g_assert_cmpstr (g_ptr_array_index (fixture->steps, fixture->steps->len - 1), ==, "clone-repository:error");
  g_assert_false (g_file_test (work_tree, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (forge_test_count_entries_with_prefix (workspace, "git.partial-"), ==, 0);
}

static void
test_disk_full_during_clone (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autofree char *repo = forge_test_repo_from_fixture (fixture->root, "static-site");
  g_autofree char *blob_path = g_build_filename (repo, "blob.bin", NULL);
  g_autofree char *url = g_strconcat ("file://", repo, NULL);
  g_autofree char *projects = NULL;
  g_autofree char *project_id = NULL;
  g_autofree guint8 *blob = g_malloc (24 * MB);
  g_autoptr(GError) error = NULL;

  /* Random, so that the pack does not shrink it: 24 MB of objects and as
   * much checked out do not fit in 16 MB. */
  for (gsize i = 0; i < 24 * MB / sizeof (guint32); i++)
    ((guint32 *) blob)[i] = g_random_int ();
  g_assert_true (g_file_set_contents (blob_path, (const char *) blob, 24 * MB, &error));
  g_assert_no_error (error);
  forge_test_git (repo, "add", "blob.bin", NULL);
  forge_test_git (repo, "commit", "-q", "-m", "a big blob", NULL);

  if ((projects = projects_on_small_disk (fixture, 16 * MB)) == NULL)
    return;

  project_id = forge_test_harness_run (fixture, url, NULL, 120);
  assert_clone_failed_on_full_disk (fixture, project_id, "clone");

  /* Room again: the same project clones and previews. */
  unmount_small_disk (projects);
  forge_test_harness_reset_run (fixture);
  g_free (forge_test_harness_run (fixture, url, NULL, 120));
  g_assert_cmpstr (fixture->error, ==, NULL);
  g_assert_cmpuint (forge_test_http_get (forge_test_harness_output_string (fixture, "preview_url"), NULL), ==, 200);
}

/* 40 MB of zeros, a pack of some 40 KB: the checkout streams the file
 * itself (it is past the stream threshold) and meets the full disk in
 * its own writes. */
static void
test_disk_full_during_streamed_checkout (Fixture       *fixture,
                                         gconstpointer  data)
{
  g_autofree char *repo = forge_test_repo_from_fixture (fixture->root, "static-site");
  g_autofree char *zeros_path = g_build_filename (repo, "zeros.bin", NULL);
  g_autofree char *url = g_strconcat ("file://", repo, NULL);
  g_autofree char *projects = NULL;
  g_autofree char *project_id = NULL;
  g_autofree char *zeros = g_malloc0 (40 * MB);
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (zeros_path, zeros, 40 * MB, &error));
  g_assert_no_error (error);
  forge_test_git (repo, "add", "zeros.bin", NULL);
  forge_test_git (repo, "commit", "-q", "-m", "40 MB of zeros", NULL);

  if ((projects = projects_on_small_disk (fixture, 16 * MB)) == NULL)
    return;

  project_id = forge_test_harness_run (fixture, url, NULL, 120);
  assert_clone_failed_on_full_disk (fixture, project_id, "streamed checkout");
  unmount_small_disk (projects);
}

static void
test_disk_full_during_install (Fixture       *fixture,
                               gconstpointer  data)
{
  /* npm runs the project's preinstall, which writes until the disk is
   * full; far under the workspace's own cap (10 GB). */
  g_autofree char *repo = forge_test_repo_with_files (fixture->root, "disk-filler",
                                                      "package.json",
                                                      "{ \"name\": \"filler\", \"version\": \"1.0.0\",\n"
                                                      "  \"scripts\": { \"dev\": \"node server.js\",\n"
                                                      "               \"preinstall\": \"dd if=/dev/zero of=filler bs=1M count=64\" },\n"
                                                      "  \"dependencies\": { \"local-dep\": \"file:./local-dep\" } }\n",
                                                      "local-dep/package.json",
                                                      "{ \"name\": \"local-dep\", \"version\": \"1.0.0\" }\n",
                                                      "server.js", "\n",
                                                      NULL);
  g_autofree char *url = g_strconcat ("file://", repo, NULL);
  g_autofree char *projects = NULL;
  g_autofree char *project_id = NULL;

  if ((projects = projects_on_small_disk (fixture, 24 * MB)) == NULL)
    return;

  project_id = forge_test_harness_run (fixture, url, NULL, 300);
  g_test_message ("install on a full disk: %s", fixture->error);
  g_assert_cmpint (fixture->status, ==, FORGE_RUN_STATUS_FAILED);
  g_assert_nonnull (fixture->error);
  g_assert_null (strchr (fixture->error, '\n'));
  /* The disk, not /tmp's cap nor a sandbox limit, and not tried again. */
  g_assert_nonnull (strstr (fixture->error, "ran out of disk space: the disk is full. Free some space, then try again."));
  g_assert_null (strstr (fixture->error, "/tmp"));
  g_assert_cmpstr (g_ptr_array_index (fixture->steps, fixture->steps->len - 1), ==, "install-dependencies:error");
  g_assert_cmpuint (count_steps (fixture, "install-dependencies:start"), ==, 1);

  unmount_small_disk (projects);
}

/* }}} */

/* {{{ The npm registry out of reach, then back */

static void
test_registry_unreachable (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autofree char *repo = forge_test_repo_with_files (fixture->root, "needs-registry",
                                                      "package.json",
                                                      "{ \"name\": \"needs-registry\", \"version\": \"1.0.0\",\n"
                                                      "  \"scripts\": { \"dev\": \"node server.js\" },\n"
                                                      "  \"dependencies\": { \"is-number\": \"7.0.0\" } }\n",
                                                      "server.js",
                                                      "require('http').createServer((q, s) => s.end('is-number: ' + require('is-number')(5)))\n"
                                                      "  .listen(+process.env.PORT, process.env.HOST);\n",
                                                      NULL);
  g_autofree char *url = g_strconcat ("file://", repo, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *project_id = NULL;
  g_autofree char *body = NULL;
  ForgePreviewSession *session = forge_context_open_session (fixture->context, url, &error);
  ForgeProject *project;

  g_assert_no_error (error);
  project = forge_preview_session_get_project (session);
  /* Inside the sandbox nothing listens on port 9 of its loopback: npm
   * meets a refused connection, as with a registry that is down. No npm
   * retries, so that each of the step's attempts ends at once. */
  forge_project_set_env (project, "npm_config_registry", "http://127.0.0.1:9/", FALSE);
  forge_project_set_env (project, "npm_config_fetch_retries", "0", FALSE);

  project_id = forge_test_harness_run (fixture, url, NULL, 300);
  g_test_message ("registry unreachable: %s", fixture->error);
  g_assert_cmpint (fixture->status, ==, FORGE_RUN_STATUS_FAILED);
  g_assert_cmpstr (fixture->error, ==, "Could not reach the npm registry (ECONNREFUSED): check the network, then try again.");
  g_assert_cmpstr (g_ptr_array_index (fixture->steps, fixture->steps->len - 1), ==, "install-dependencies:error");

  /* The registry is back: the same project installs and previews. */
  g_assert_true (forge_project_remove_env (project, "npm_config_registry"));
  g_assert_true (forge_project_remove_env (project, "npm_config_fetch_retries"));
  forge_test_harness_reset_run (fixture);
  g_free (forge_test_harness_run (fixture, url, NULL, 300));
  g_assert_cmpstr (fixture->error, ==, NULL);
  g_assert_cmpint (fixture->status, ==, FORGE_RUN_STATUS_COMPLETED);
  g_assert_cmpuint (forge_test_http_get (forge_test_harness_output_string (fixture, "preview_url"), &body), ==, 200);
  g_assert_cmpstr (body, ==, "is-number: true");
}

/* }}} */

/* {{{ The real binary: no bubblewrap, and the app killed mid-install */

typedef struct
{
  char *root;
} HeadlessFixture;

static void
headless_set_up (HeadlessFixture *fixture,
                 gconstpointer    data)
{
  fixture->root = g_dir_make_tmp ("forge-faults-XXXXXX", NULL);
  forge_test_isolate_xdg (fixture->root);
}

static void
headless_tear_down (HeadlessFixture *fixture,
                    gconstpointer    data)
{
  g_assert_true (forge_test_wait_no_processes (fixture->root, 5000));
  forge_remove_tree (fixture->root, NULL);
  g_free (fixture->root);
}

/* A PATH without bwrap: the app says which package to install. */
static void
test_bwrap_missing (HeadlessFixture *fixture,
                    gconstpointer    data)
{
  g_autofree char *repo = forge_test_repo_from_fixture (fixture->root, "static-site");
  g_autofree char *url = g_strconcat ("file://", repo, NULL);
  g_autofree char *empty_bin = g_build_filename (fixture->root, "bin", NULL);
  g_autoptr(GSubprocessLauncher) launcher =
    forge_test_headless_launcher (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  g_mkdir_with_parents (empty_bin, 0700);
  g_subprocess_launcher_setenv (launcher, "PATH", empty_bin, TRUE);
  process = forge_test_headless_spawn (launcher, url, NULL, &error);
  g_assert_no_error (error);

  message = forge_test_headless_expect_failure (process);
  g_test_message ("without bwrap: %s", message);
  g_assert_nonnull (strstr (message, "Bubblewrap is not installed"));
  g_assert_nonnull (strstr (message, "install the “bubblewrap” package"));
}

static void
test_killed_mid_install (HeadlessFixture *fixture,
                         gconstpointer    data)
{
  /* The first install hangs in its preinstall; the one after the crash
   * goes through. */
  g_autofree char *repo = forge_test_repo_with_files (fixture->root, "slow-install",
                                                      "package.json",
                                                      "{ \"name\": \"slow-install\", \"version\": \"1.0.0\",\n"
                                                      "  \"scripts\": { \"preinstall\": \"node slow.js\", \"dev\": \"node server.js\" } }\n",
                                                      "slow.js",
                                                      "const fs = require('fs');\n"
                                                      "if (!fs.existsSync('.second')) { fs.writeFileSync('.second', '1'); setInterval(() => {}, 1000); }\n",
                                                      "server.js",
                                                      "require('http').createServer((q, s) => s.end('installed'))"
                                                      ".listen(+process.env.PORT, process.env.HOST);\n",
                                                      NULL);
  g_autofree char *url = g_strconcat ("file://", repo, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) first = forge_test_headless_spawn (NULL, url, NULL, &error);
  g_autoptr(GSubprocess) second = NULL;
  g_autoptr(GDataInputStream) stream = NULL;
  g_autoptr(GDataInputStream) second_stream = NULL;
  g_autoptr(JsonObject) run = NULL;
  g_autoptr(JsonObject) installing = NULL;
  g_autoptr(JsonObject) second_run = NULL;
  g_autoptr(JsonObject) preview = NULL;
  g_autoptr(GPtrArray) memoized = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *marker = NULL;
  g_autofree char *body = NULL;
  gboolean install_ran_again = FALSE;
  JsonObject *event;

  g_assert_no_error (error);
  stream = g_data_input_stream_new (g_subprocess_get_stdout_pipe (first));
  run = forge_test_headless_read_until (stream, "run", NULL);
  g_assert_nonnull (run);
  installing = forge_test_headless_read_until (stream, "step", "start");
  while (installing != NULL && !g_str_equal (json_object_get_string_member (installing, "name"), "install-dependencies"))
    {
      json_object_unref (installing);
      installing = forge_test_headless_read_until (stream, "step", "start");
    }
  g_assert_nonnull (installing);

  /* Wait until the preinstall runs: its mark in the clone. */
  marker = g_build_filename (fixture->root, "cache", "forge-preview", "projects",
                             json_object_get_string_member (run, "project_id"), "repo", ".second", NULL);
  while (!g_file_test (marker, G_FILE_TEST_EXISTS))
    g_usleep (50 * 1000);

  /* SIGKILL: no handler runs; the sandbox dies with the app
   * (--die-with-parent), npm and its script with it. */
  g_subprocess_force_exit (first);
  g_subprocess_wait (first, NULL, NULL);
  g_assert_true (forge_test_wait_no_processes (fixture->root, 5000));
  g_assert_cmpuint (forge_test_signal_own_program ("node", "slow.js", 0), ==, 0);

  second = forge_test_headless_spawn (NULL, url, NULL, &error);
  g_assert_no_error (error);
  second_stream = g_data_input_stream_new (g_subprocess_get_stdout_pipe (second));
  second_run = forge_test_headless_read_until (second_stream, "run", NULL);
  g_assert_nonnull (second_run);
  g_assert_cmpstr (json_object_get_string_member (second_run, "run_id"), ==, json_object_get_string_member (run, "run_id"));

  while ((event = forge_test_headless_read_event (second_stream)) != NULL)
    {
      g_autoptr(JsonObject) owned = event;
      const char *type = json_object_get_string_member (event, "type");

      if (g_str_equal (type, "step") && g_str_equal (json_object_get_string_member (event, "state"), "memoized"))
        g_ptr_array_add (memoized, g_strdup (json_object_get_string_member (event, "name")));
      else if (g_str_equal (type, "step") && g_str_equal (json_object_get_string_member (event, "state"), "complete") &&
               g_str_equal (json_object_get_string_member (event, "name"), "install-dependencies"))
        install_ran_again = TRUE;
      else if (g_str_equal (type, "preview"))
        {
          preview = json_object_ref (event);
          break;
        }
      else if (g_str_equal (type, "error"))
        g_error ("The resumed run failed: %s", json_object_get_string_member (event, "message"));
    }

  g_assert_nonnull (preview);
  /* Resumed: what had finished is not done again; the install is. */
  g_assert_true (g_ptr_array_find_with_equal_func (memoized, "clone-repository", g_str_equal, NULL));
  g_assert_true (g_ptr_array_find_with_equal_func (memoized, "detect-framework", g_str_equal, NULL));
  g_assert_false (g_ptr_array_find_with_equal_func (memoized, "install-dependencies", g_str_equal, NULL));
  g_assert_true (install_ran_again);
  g_assert_cmpuint (forge_test_http_get (json_object_get_string_member (preview, "url"), &body), ==, 200);
  g_assert_cmpstr (body, ==, "installed");

  g_subprocess_send_signal (second, SIGTERM);
  g_assert_true (g_subprocess_wait (second, NULL, &error));
  g_assert_cmpint (g_subprocess_get_exit_status (second), ==, 0);
}

/* }}} */

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  forge_test_git_isolate ();

  /* Mounts made here vanish with this process, whatever happens to it. */
  if (unshare (CLONE_NEWNS) != 0)
    no_mount_reason = "No mount namespace of our own (not root?): the disk cap tests in clone-and-preview cover a full workspace";
  else if (mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
    no_mount_reason = "Cannot make mounts private here: the disk cap tests in clone-and-preview cover a full workspace";

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, forge_test_harness_tear_down)
  ADD ("/forge/faults/hung-server-restarted", test_hung_server_restarted);
  ADD ("/forge/faults/sandbox-killed-from-outside", test_sandbox_killed_from_outside);
  ADD ("/forge/faults/disk-full-during-clone", test_disk_full_during_clone);
  ADD ("/forge/faults/disk-full-during-streamed-checkout", test_disk_full_during_streamed_checkout);
  ADD ("/forge/faults/disk-full-during-install", test_disk_full_during_install);
  ADD ("/forge/faults/registry-unreachable", test_registry_unreachable);
#undef ADD
  g_test_add ("/forge/faults/bwrap-missing", HeadlessFixture, NULL,
              headless_set_up, test_bwrap_missing, headless_tear_down);
  g_test_add ("/forge/faults/killed-mid-install", HeadlessFixture, NULL,
              headless_set_up, test_killed_mid_install, headless_tear_down);

  return g_test_run ();
}
