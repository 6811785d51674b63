/* test-headless.c
 *
 * The `--headless --json` contract, checked on the real binary.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <signal.h>

#include "e2e-util.h"
#include "forge-util.h"
#include "git-http-server.h"
#include "git-test-util.h"
#include "headless-util.h"

typedef struct
{
  char *root;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->root = g_dir_make_tmp ("forge-headless-XXXXXX", NULL);
  forge_test_isolate_xdg (fixture->root);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_assert_true (forge_test_wait_no_processes (fixture->root, 5000));
  forge_remove_tree (fixture->root, NULL);
  g_free (fixture->root);
}

/* @extra_args (NULL-terminated, may be NULL) go before the URL. */
static GSubprocess *
spawn_headless_full (const char          *url,
                     const char * const  *extra_args,
                     gboolean             without_display,
                     GError             **error)
{
  g_autoptr(GSubprocessLauncher) launcher =
    forge_test_headless_launcher (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);

  if (without_display)
    {
      g_subprocess_launcher_unsetenv (launcher, "DISPLAY");
      g_subprocess_launcher_unsetenv (launcher, "WAYLAND_DISPLAY");
    }

  return forge_test_headless_spawn (launcher, url, extra_args, error);
}

/* @subdir: --subdir's folder, or NULL. */
static GSubprocess *
spawn_headless_in (const char  *url,
                   const char  *subdir,
                   GError     **error)
{
  const char * const extra[] = { "--subdir", subdir, NULL };

  return spawn_headless_full (url, subdir != NULL ? extra : NULL, FALSE, error);
}

static GSubprocess *
spawn_headless (const char  *url,
                GError     **error)
{
  return spawn_headless_full (url, NULL, FALSE, error);
}

#define read_event forge_test_headless_read_event
#define read_until forge_test_headless_read_until

static void
test_json_events_in_order (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autofree char *repo = forge_test_repo_from_fixture (fixture->root, "static-site");
  g_autofree char *url = g_strconcat ("file://", repo, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = spawn_headless (url, &error);
  g_autoptr(GDataInputStream) stream = NULL;
  g_autoptr(GPtrArray) steps = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(JsonObject) preview = NULL;
  g_autofree char *project_id = NULL;
  g_autofree char *body = NULL;
  static const char *expected_steps[] = {
    "get-github-integration:start", "get-github-integration:complete",
    "clone-repository:start", "clone-repository:complete",
    "detect-framework:start", "detect-framework:complete",
    "start-sandbox:start", "start-sandbox:complete",
    "install-dependencies:start", "install-dependencies:complete",
    "start-preview-server:start", "start-preview-server:complete",
    "update-project:start", "update-project:complete",
  };
  JsonObject *event;
  guint n_events = 0;

  g_assert_no_error (error);
  stream = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));

  while (preview == NULL && (event = read_event (stream)) != NULL)
    {
      g_autoptr(JsonObject) owned = event;
      const char *type = json_object_get_string_member (event, "type");

      if (n_events++ == 0)
        {
          g_assert_cmpstr (type, ==, "run");
          g_assert_nonnull (json_object_get_string_member (event, "run_id"));
          project_id = g_strdup (json_object_get_string_member (event, "project_id"));
          continue;
        }

      if (g_str_equal (type, "step"))
        {
          const char *state = json_object_get_string_member (event, "state");

          g_ptr_array_add (steps, g_strdup_printf ("%s:%s", json_object_get_string_member (event, "name"), state));
          g_assert_cmpint (json_object_get_int_member (event, "attempt"), ==, 1);
          if (!g_str_equal (state, "start"))
            g_assert_cmpint (json_object_get_int_member (event, "duration_ms"), >=, 0);
        }
      else if (g_str_equal (type, "preview"))
        preview = json_object_ref (event);
      else if (g_str_equal (type, "log"))
        g_assert_nonnull (json_object_get_string_member (event, "line"));
      else if (g_str_equal (type, "progress"))
        g_assert_nonnull (json_object_get_string_member (event, "step"));
      else
        g_error ("Unexpected event type %s", type);
    }

  g_assert_nonnull (preview);
  g_assert_cmpuint (steps->len, ==, G_N_ELEMENTS (expected_steps));
  for (guint i = 0; i < G_N_ELEMENTS (expected_steps); i++)
    g_assert_cmpstr (g_ptr_array_index (steps, i), ==, expected_steps[i]);

  g_assert_cmpstr (json_object_get_string_member (preview, "framework"), ==, "static");
  /* slirp4netns is installed wherever the tests run (tools/setup). */
  g_assert_cmpstr (json_object_get_string_member (preview, "network"), ==, "isolated");
  g_assert_true (g_str_has_prefix (json_object_get_string_member (preview, "url"), "http://127.0.0.1:"));
  g_assert_cmpuint (forge_test_http_get (json_object_get_string_member (preview, "url"), &body), ==, 200);
  g_assert_nonnull (strstr (body, "Hello from a static site"));

  /* The sandbox lives until told to stop, then nothing is left behind. */
  forge_test_headless_stop (process, SIGTERM);
  g_assert_true (forge_test_wait_no_processes (fixture->root, 5000));
  g_assert_cmpuint (forge_test_http_get (json_object_get_string_member (preview, "url"), NULL), ==, 0);
}

/* A real install (npm, from the registry, in bubblewrap) reports its
 * progress: events of the running step, with what npm printed. */
static void
test_progress_events (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autofree char *repo = forge_test_repo_with_files (fixture->root, "left-pad-site",
                                                      "package.json",
                                                      "{ \"name\": \"left-pad-site\", \"version\": \"1.0.0\",\n"
                                                      "  \"scripts\": { \"dev\": \"node server.js\" },\n"
                                                      "  \"dependencies\": { \"left-pad\": \"1.3.0\" } }\n",
                                                      "server.js",
                                                      "const pad = require('left-pad');\n"
                                                      "require('http').createServer((q, s) => s.end(pad('padded', 10)))"
                                                      ".listen(+process.env.PORT, process.env.HOST);\n",
                                                      NULL);
  g_autofree char *url = g_strconcat ("file://", repo, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = spawn_headless (url, &error);
  g_autoptr(GDataInputStream) stream = NULL;
  g_autoptr(JsonObject) preview = NULL;
  g_autofree char *running = NULL;
  g_autofree char *last_install_text = NULL;
  guint n_install = 0;
  JsonObject *event;

  g_assert_no_error (error);
  stream = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));

  while (preview == NULL && (event = read_event (stream)) != NULL)
    {
      g_autoptr(JsonObject) owned = event;
      const char *type = json_object_get_string_member (event, "type");

      if (g_str_equal (type, "step"))
        {
          const char *state = json_object_get_string_member (event, "state");

          g_clear_pointer (&running, g_free);
          if (g_str_equal (state, "start"))
            running = g_strdup (json_object_get_string_member (event, "name"));
        }
      else if (g_str_equal (type, "progress"))
        {
          JsonNode *fraction = json_object_get_member (event, "fraction");
          const char *text = json_object_get_string_member (event, "text");

          /* Only ever of the step that runs. */
          g_assert_cmpstr (json_object_get_string_member (event, "step"), ==, running);
          g_assert_nonnull (fraction);
          if (!JSON_NODE_HOLDS_NULL (fraction))
            {
              g_assert_cmpfloat (json_node_get_double (fraction), >=, 0.0);
              g_assert_cmpfloat (json_node_get_double (fraction), <=, 1.0);
            }
          g_assert_nonnull (text);
          g_assert_true (strchr (text, '\n') == NULL);

          if (g_str_equal (running, "install-dependencies"))
            {
              n_install++;
              g_free (last_install_text);
              last_install_text = g_strdup (text);
            }
        }
      else if (g_str_equal (type, "preview"))
        preview = json_object_ref (event);
      else if (g_str_equal (type, "error"))
        g_error ("The run failed: %s", json_object_get_string_member (event, "message"));
    }

  g_assert_nonnull (preview);
  /* The command first, then npm's own summary, the last one before the
   * step ended. */
  g_assert_cmpuint (n_install, >=, 1);
  g_test_message ("install's last progress: %s", last_install_text);
  g_assert_true (g_regex_match_simple ("^added 1 package\\b", last_install_text, 0, 0));

  forge_test_headless_stop (process, SIGTERM);
}

static void
test_sandbox_events_after_kill (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autofree char *repo = forge_test_repo_from_fixture (fixture->root, "static-site");
  g_autofree char *url = g_strconcat ("file://", repo, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = spawn_headless (url, &error);
  g_autoptr(GDataInputStream) stream = NULL;
  g_autoptr(JsonObject) preview = NULL;
  g_autoptr(JsonObject) alive = NULL;
  g_autoptr(JsonObject) restored = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autofree char *port = NULL;

  g_assert_no_error (error);
  stream = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));

  preview = read_until (stream, "preview", NULL);
  g_assert_nonnull (preview);

  /* With a 2 s timeout, only the 1 s heartbeat keeps it up this long. */
  alive = read_until (stream, "sandbox", "alive");
  g_assert_nonnull (alive);
  g_usleep (3 * G_USEC_PER_SEC);
  g_assert_cmpuint (forge_test_http_get (json_object_get_string_member (preview, "url"), NULL), ==, 200);

  uri = g_uri_parse (json_object_get_string_member (preview, "url"), G_URI_FLAGS_NONE, NULL);
  port = g_strdup_printf ("%d", g_uri_get_port (uri));
  g_assert_cmpuint (forge_test_signal_program ("forge-static-server", port, SIGKILL), ==, 1);

  restored = read_until (stream, "sandbox", "restored");
  g_assert_nonnull (restored);
  g_assert_cmpint (json_object_get_int_member (restored, "restart_ms"), >, 0);
  g_assert_cmpuint (forge_test_http_get (json_object_get_string_member (restored, "url"), NULL), ==, 200);

  forge_test_headless_stop (process, SIGINT);
}

/* `--load-page`: once the preview is up, the page is loaded offscreen and
 * what it logs and throws arrives as "console" events, with where. */
static void
test_load_page_console (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autofree char *repo = forge_test_repo_from_fixture (fixture->root, "console-page");
  g_autofree char *url = g_strconcat ("file://", repo, NULL);
  const char * const extra[] = { "--load-page", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = spawn_headless_full (url, extra, FALSE, &error);
  g_autoptr(GDataInputStream) stream = NULL;
  g_autoptr(GPtrArray) console = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_autoptr(JsonObject) preview = NULL;
  g_autoptr(JsonObject) page = NULL;
  const char *preview_url;
  JsonObject *event;

  g_assert_no_error (error);
  stream = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  preview = read_until (stream, "preview", NULL);
  g_assert_nonnull (preview);
  preview_url = json_object_get_string_member (preview, "url");

  /* The page's scripts run as it loads: their events come before it is
   * loaded. */
  while (page == NULL && (event = read_event (stream)) != NULL)
    {
      const char *type = json_object_get_string_member (event, "type");

      if (g_str_equal (type, "console"))
        g_ptr_array_add (console, event);
      else if (g_str_equal (type, "page"))
        page = event;
      else
        json_object_unref (event);
    }

  g_assert_nonnull (page);
  if (json_object_has_member (page, "error"))
    g_test_message ("The page did not load: %s", json_object_get_string_member (page, "error"));
  g_assert_cmpstr (json_object_get_string_member (page, "state"), ==, "loaded");
  g_assert_cmpstr (json_object_get_string_member (page, "url"), ==, preview_url);

  g_assert_cmpuint (console->len, ==, 3);
  {
    static const struct { const char *level; const char *message; gint64 line; } expected[] = {
      { "warning", "careful: a fixture warning", 10 },
      { "error", "x", 11 },
      { "error", "Error: fixture boom", 12 },
    };

    for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
      {
        JsonObject *entry = g_ptr_array_index (console, i);

        g_assert_cmpstr (json_object_get_string_member (entry, "level"), ==, expected[i].level);
        g_assert_cmpstr (json_object_get_string_member (entry, "message"), ==, expected[i].message);
        g_assert_cmpstr (json_object_get_string_member (entry, "source"), ==, preview_url);
        g_assert_cmpint (json_object_get_int_member (entry, "line"), ==, expected[i].line);
      }
  }

  forge_test_headless_stop (process, SIGTERM);
}

/* Without a display `--load-page` cannot work: it says so in one line
 * before anything is cloned. */
static void
test_load_page_needs_display (Fixture       *fixture,
                              gconstpointer  data)
{
  g_autofree char *repo = forge_test_repo_from_fixture (fixture->root, "console-page");
  g_autofree char *url = g_strconcat ("file://", repo, NULL);
  const char * const extra[] = { "--load-page", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = spawn_headless_full (url, extra, TRUE, &error);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *projects = g_build_filename (fixture->root, "data", "forge-preview", "projects.json", NULL);

  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (process, NULL, NULL, &out, &err, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 1);
  g_assert_cmpstr (out, ==, "");
  g_assert_nonnull (strstr (err, "--load-page needs a display"));
  g_assert_cmpuint (strlen (err), ==, strcspn (err, "\n") + 1);
  g_assert_false (g_file_test (projects, G_FILE_TEST_EXISTS));
}

/* The app crashing where a test started it leaves its threads' stacks in
 * the test's log, as a crashing test program does, and nothing of its
 * preview running. */
static void
test_crash_leaves_stack (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autofree char *repo = forge_test_repo_from_fixture (fixture->root, "static-site");
  g_autofree char *url = g_strconcat ("file://", repo, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) stream = NULL;
  g_autoptr(JsonObject) preview = NULL;
  g_autoptr(GBytes) err_bytes = NULL;
  g_autoptr(GOutputStream) err = g_memory_output_stream_new_resizable ();
  const char *text;

  if (g_getenv ("FORGE_TEST_CRASH_REPORT_LIB") == NULL)
    {
      g_test_skip ("Run through meson test, which builds the crash report module");
      return;
    }

  process = spawn_headless (url, &error);
  g_assert_no_error (error);
  stream = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  preview = read_until (stream, "preview", NULL);
  g_assert_nonnull (preview);

  g_subprocess_send_signal (process, SIGSEGV);
  g_assert_true (g_subprocess_wait (process, NULL, &error));
  g_assert_true (g_subprocess_get_if_signaled (process));
  g_assert_cmpint (g_subprocess_get_term_sig (process), ==, SIGSEGV);

  g_output_stream_splice (err, g_subprocess_get_stderr_pipe (process),
                          G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, &error);
  g_assert_no_error (error);
  err_bytes = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (err));
  text = g_bytes_get_size (err_bytes) > 0 ? g_bytes_get_data (err_bytes, NULL) : "";
  g_test_message ("stderr of the crashed app:\n%.*s", (int) g_bytes_get_size (err_bytes), text);
  g_assert_nonnull (g_strstr_len (text, g_bytes_get_size (err_bytes), "crashed with signal 11"));
  g_assert_nonnull (g_strstr_len (text, g_bytes_get_size (err_bytes), "*** End of the stack ***"));

  /* The sandbox dies with it (bubblewrap's --die-with-parent). */
  g_assert_true (forge_test_wait_no_processes (fixture->root, 5000));
  g_assert_cmpuint (forge_test_http_get (json_object_get_string_member (preview, "url"), NULL), ==, 0);
}

static void
test_resume_after_kill (Fixture       *fixture,
                        gconstpointer  data)
{
  /* The first server never answers; the one started after the crash does. */
  g_autofree char *repo = forge_test_repo_with_files (fixture->root, "slow-first",
                                                      "package.json",
                                                      "{ \"name\": \"slow\", \"scripts\": { \"dev\": \"node server.js\" } }\n",
                                                      "server.js",
                                                      "const fs = require('fs');\n"
                                                      "if (!fs.existsSync('.second')) { fs.writeFileSync('.second', '1'); console.log('warming up'); setInterval(() => {}, 1000); }\n"
                                                      "else require('http').createServer((q, s) => s.end('resumed')).listen(+process.env.PORT, process.env.HOST);\n",
                                                      NULL);
  g_autofree char *url = g_strconcat ("file://", repo, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) first = spawn_headless (url, &error);
  g_autoptr(GSubprocess) second = NULL;
  g_autoptr(GDataInputStream) stream = NULL;
  g_autoptr(GDataInputStream) second_stream = NULL;
  g_autoptr(JsonObject) run = NULL;
  g_autoptr(JsonObject) second_run = NULL;
  g_autoptr(JsonObject) preview = NULL;
  g_autoptr(GPtrArray) memoized = g_ptr_array_new_with_free_func (g_free);
  JsonObject *event;

  g_assert_no_error (error);
  stream = g_data_input_stream_new (g_subprocess_get_stdout_pipe (first));
  run = read_until (stream, "run", NULL);
  g_assert_nonnull (run);
  g_autoptr(JsonObject) waiting = read_until (stream, "log", NULL);
  while (waiting != NULL && strstr (json_object_get_string_member (waiting, "line"), "warming up") == NULL)
    {
      json_object_unref (waiting);
      waiting = read_until (stream, "log", NULL);
    }
  g_assert_nonnull (waiting);

  /* A crash in the middle of start-preview-server. */
  g_subprocess_force_exit (first);
  g_subprocess_wait (first, NULL, NULL);
  g_assert_true (forge_test_wait_no_processes (fixture->root, 5000));

  second = spawn_headless (url, &error);
  g_assert_no_error (error);
  second_stream = g_data_input_stream_new (g_subprocess_get_stdout_pipe (second));
  second_run = read_until (second_stream, "run", NULL);
  g_assert_cmpstr (json_object_get_string_member (second_run, "run_id"), ==, json_object_get_string_member (run, "run_id"));

  while ((event = read_event (second_stream)) != NULL)
    {
      g_autoptr(JsonObject) owned = event;
      const char *type = json_object_get_string_member (event, "type");

      if (g_str_equal (type, "step") && g_str_equal (json_object_get_string_member (event, "state"), "memoized"))
        g_ptr_array_add (memoized, g_strdup (json_object_get_string_member (event, "name")));
      else if (g_str_equal (type, "preview"))
        {
          preview = json_object_ref (event);
          break;
        }
      else if (g_str_equal (type, "error"))
        g_error ("The resumed run failed: %s", json_object_get_string_member (event, "message"));
    }

  g_assert_nonnull (preview);
  g_assert_cmpuint (memoized->len, ==, 5);
  g_assert_cmpstr (g_ptr_array_index (memoized, 0), ==, "get-github-integration");
  g_assert_cmpstr (g_ptr_array_index (memoized, 1), ==, "clone-repository");
  g_assert_cmpstr (g_ptr_array_index (memoized, 2), ==, "detect-framework");
  /* Its sandbox died with the process: the next step that needs one
   * makes it, with the work tree. */
  g_assert_cmpstr (g_ptr_array_index (memoized, 3), ==, "start-sandbox");
  g_assert_cmpstr (g_ptr_array_index (memoized, 4), ==, "install-dependencies");
  {
    g_autofree char *body = NULL;

    g_assert_cmpuint (forge_test_http_get (json_object_get_string_member (preview, "url"), &body), ==, 200);
    g_assert_cmpstr (body, ==, "resumed");
  }

  g_subprocess_send_signal (second, SIGTERM);
  g_assert_true (g_subprocess_wait (second, NULL, &error));
  g_assert_cmpint (g_subprocess_get_exit_status (second), ==, 0);
}

static void
test_failure_is_one_line (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autofree char *missing = g_build_filename (fixture->root, "missing-repo", NULL);
  g_autofree char *url = g_strconcat ("file://", missing, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = spawn_headless (url, &error);
  g_autofree char *stdout_text = NULL;
  g_autofree char *stderr_text = NULL;
  g_auto(GStrv) out_lines = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *last;
  guint n;

  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (process, NULL, NULL, &stdout_text, &stderr_text, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 1);

  /* stderr: exactly one line, which says what happened. */
  g_assert_true (g_str_has_suffix (stderr_text, "\n"));
  g_assert_true (strchr (stderr_text, '\n') == stderr_text + strlen (stderr_text) - 1);
  g_assert_true (g_str_has_prefix (stderr_text, "forge-preview: "));
  g_assert_nonnull (strstr (stderr_text, "missing-repo"));

  out_lines = g_strsplit (g_strstrip (stdout_text), "\n", -1);
  n = g_strv_length (out_lines);
  g_assert_cmpuint (n, >=, 2);
  g_assert_true (json_parser_load_from_data (parser, out_lines[n - 1], -1, NULL));
  last = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (last, "type"), ==, "error");
  g_assert_nonnull (strstr (json_object_get_string_member (last, "message"), "missing-repo"));
}

static void
test_bad_url (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = spawn_headless ("not a url at all", &error);
  g_autofree char *stderr_text = NULL;

  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (process, NULL, NULL, NULL, &stderr_text, &error));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 1);
  g_assert_true (g_str_has_prefix (stderr_text, "forge-preview: "));
}

/* Runs headless to its end: exit status 1 and one line on stderr,
 * which is returned. */
static char *
headless_failure (const char *url,
                  const char *subdir)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = spawn_headless_in (url, subdir, &error);

  g_assert_no_error (error);
  return forge_test_headless_expect_failure (process);
}

#define WORKSPACE_APP(name, title) \
  "apps/" name "/package.json", \
  "{ \"name\": \"" name "\", \"private\": true, \"scripts\": { \"dev\": \"vite\", \"build\": \"vite build\" },\n" \
  "  \"dependencies\": { \"@acme/theme\": \"*\" }, \"devDependencies\": { \"vite\": \"6.3.5\" } }\n", \
  "apps/" name "/index.html", "<!doctype html><title>" title "</title><p>" title "</p>\n"

/* npm workspaces with two apps: without a choice headless fails, naming
 * both and --subdir; with --subdir the one chosen is installed (once,
 * at the root) and previewed; a folder that is not there is named. */
static void
test_monorepo_subdir (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autofree char *repo = forge_test_repo_with_files (fixture->root, "npm-monorepo",
                                                      "package.json",
                                                      "{ \"name\": \"acme\", \"private\": true, \"workspaces\": [\"apps/*\", \"packages/*\"],\n"
                                                      "  \"scripts\": { \"build\": \"npm run build --workspaces\" } }\n",
                                                      "packages/theme/package.json",
                                                      "{ \"name\": \"@acme/theme\", \"version\": \"1.0.0\", \"main\": \"index.js\" }\n",
                                                      "packages/theme/index.js", "module.exports = 'dark'\n",
                                                      WORKSPACE_APP ("admin", "Acme Admin"),
                                                      WORKSPACE_APP ("site", "Acme Site"),
                                                      NULL);
  g_autofree char *url = g_strconcat ("file://", repo, NULL);
  g_autofree char *message = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) stream = NULL;
  g_autoptr(JsonObject) preview = NULL;
  g_autofree char *body = NULL;

  message = headless_failure (url, NULL);
  g_assert_nonnull (strstr (message, "2 apps"));
  g_assert_nonnull (strstr (message, "apps/admin (Vite)"));
  g_assert_nonnull (strstr (message, "apps/site (Vite)"));
  g_assert_nonnull (strstr (message, "--subdir"));

  process = spawn_headless_in (url, "./apps/site/", &error);
  g_assert_no_error (error);
  stream = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  preview = read_until (stream, "preview", NULL);
  g_assert_nonnull (preview);
  g_assert_cmpstr (json_object_get_string_member (preview, "package_dir"), ==, "apps/site");
  g_assert_cmpstr (json_object_get_string_member (preview, "framework"), ==, "vite");
  g_assert_cmpstr (json_object_get_string_member (preview, "package_manager"), ==, "npm");
  g_assert_cmpuint (forge_test_http_get (json_object_get_string_member (preview, "url"), &body), ==, 200);
  g_assert_nonnull (strstr (body, "Acme Site"));

  forge_test_headless_stop (process, SIGTERM);
  g_assert_true (forge_test_wait_no_processes (fixture->root, 5000));

  g_clear_pointer (&message, g_free);
  message = headless_failure (url, "apps/shop");
  g_assert_nonnull (strstr (message, "“apps/shop”"));

  g_clear_pointer (&message, g_free);
  message = headless_failure (url, "../elsewhere");
  g_assert_nonnull (strstr (message, "--subdir"));
}

/* A backend name that is not registered is refused before anything
 * starts, naming the ones that are. */
static void
test_unknown_backend (Fixture       *fixture,
                      gconstpointer  data)
{
  const char *binary = g_getenv ("FORGE_PREVIEW_BINARY");
  g_autofree char *missing = g_build_filename (fixture->root, "never-cloned", NULL);
  g_autofree char *url = g_strconcat ("file://", missing, NULL);
  g_autoptr(GSubprocessLauncher) launcher = forge_test_headless_launcher (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *stdout_text = NULL;
  g_autofree char *stderr_text = NULL;

  process = g_subprocess_launcher_spawn (launcher, &error, binary, "--headless", "--json",
                                         "--backend", "nosuch", url, NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (process, NULL, NULL, &stdout_text, &stderr_text, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 1);

  /* stderr: exactly one line, naming the bad backend and the known one. */
  g_assert_true (g_str_has_suffix (stderr_text, "\n"));
  g_assert_true (strchr (stderr_text, '\n') == stderr_text + strlen (stderr_text) - 1);
  g_assert_true (g_str_has_prefix (stderr_text, "forge-preview: "));
  g_assert_nonnull (strstr (stderr_text, "nosuch"));
  g_assert_nonnull (strstr (stderr_text, "local"));
  /* No run started. */
  g_assert_cmpstr (stdout_text, ==, "");
}

/* GH_TOKEN for a private clone, then --pull: the token is used for its
 * host, for the run, and is found nowhere afterwards (workspace, state,
 * data and cache dirs, output, any other process's environment). */
#define HEADLESS_TOKEN "tok-headless-3b7e90c1f5"

static GSubprocess *
spawn_headless_with_token (const char  *url,
                           gboolean     pull,
                           GError     **error)
{
  const char *binary = g_getenv ("FORGE_PREVIEW_BINARY");
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();

  launcher = forge_test_headless_launcher (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_setenv (launcher, "GH_TOKEN", HEADLESS_TOKEN, TRUE);
  g_subprocess_launcher_setenv (launcher, "GITHUB_TOKEN", "not-this-one", TRUE);

  {
    const char *args[] = { binary, "--headless", "--json", "--server-timeout", "120",
                           pull ? "--pull" : url, pull ? url : NULL, NULL };

    for (guint i = 0; args[i] != NULL; i++)
      g_ptr_array_add (argv, (gpointer) args[i]);
    g_ptr_array_add (argv, NULL);
  }
  return g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, error);
}

static void
assert_no_token_in_processes (GSubprocess *except)
{
  g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
  const char *identifier = g_subprocess_get_identifier (except);
  const char *name;

  while ((name = g_dir_read_name (proc)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autofree char *text = NULL;
      gsize length = 0;

      /* Its own initial environment is where the token came from. */
      if (!g_ascii_isdigit (name[0]) || g_strcmp0 (name, identifier) == 0)
        continue;
      path = g_build_filename ("/proc", name, "environ", NULL);
      if (g_file_get_contents (path, &text, &length, NULL))
        g_assert_null (g_strstr_len (text, length, HEADLESS_TOKEN));
    }
}

/* Reads events until @type, failing on an error event; every line is
 * checked for the token. */
static JsonObject *
read_until_checked (GDataInputStream *stream,
                    const char       *type)
{
  JsonObject *event;

  while ((event = read_event (stream)) != NULL)
    {
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
      g_autofree char *text = NULL;

      json_node_set_object (node, event);
      text = json_to_string (node, FALSE);
      g_assert_null (strstr (text, HEADLESS_TOKEN));
      if (g_str_equal (json_object_get_string_member (event, "type"), "error"))
        g_error ("headless failed: %s", text);
      if (g_str_equal (json_object_get_string_member (event, "type"), type))
        return event;
      json_object_unref (event);
    }

  return NULL;
}

static void
test_gh_token_and_pull (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autofree char *srv = g_build_filename (fixture->root, "srv", NULL);
  g_autofree char *upstream = forge_test_repo_from_fixture (fixture->root, "static-site");
  g_autofree char *bare = forge_test_make_bare (upstream, srv, "owner/site.git");
  g_autoptr(ForgeTestGitServer) server = forge_test_git_server_new (srv, HEADLESS_TOKEN);
  g_autofree char *url = forge_test_git_server_dup_url (server, "owner/site.git");
  g_autoptr(GError) error = NULL;

  for (guint round = 0; round < 2; round++)
    {
      g_autoptr(GSubprocess) process = spawn_headless_with_token (url, round == 1, &error);
      g_autoptr(GDataInputStream) stream = NULL;
      g_autoptr(JsonObject) preview = NULL;
      g_autofree char *body = NULL;

      g_assert_no_error (error);
      stream = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));

      if (round == 1)
        {
          g_autoptr(JsonObject) pulled = read_until_checked (stream, "pull");

          g_assert_nonnull (pulled);
          g_assert_true (json_object_get_boolean_member (pulled, "updated"));
        }

      preview = read_until_checked (stream, "preview");
      g_assert_nonnull (preview);
      g_assert_cmpuint (forge_test_http_get (json_object_get_string_member (preview, "url"), &body), ==, 200);
      if (round == 1)
        g_assert_nonnull (strstr (body, "pulled"));

      assert_no_token_in_processes (process);

      forge_test_headless_stop (process, SIGTERM);
      g_assert_false (forge_test_tree_contains (fixture->root, HEADLESS_TOKEN));

      if (round == 0)
        {
          forge_test_git_commit_file (upstream, "index.html", "<!doctype html><title>pulled</title><p>pulled</p>\n");
          forge_test_git_push_bare (upstream, bare);
        }
    }

  g_clear_pointer (&server, forge_test_git_server_free);
}

/* --env, --env-file and --dev-command reach the dev server of that run;
 * none of it is stored. */
static void
test_env_and_commands (Fixture       *fixture,
                       gconstpointer  data)
{
  const char *binary = g_getenv ("FORGE_PREVIEW_BINARY");
  g_autofree char *repo = forge_test_repo_with_files (fixture->root, "env-app",
                                                      "package.json",
                                                      "{ \"name\": \"env-app\", \"scripts\": { \"dev\": \"node server.js\" } }\n",
                                                      "server.js",
                                                      "const page = [process.env.FOO, process.env.FROM_FILE, process.env.BOTH, process.argv[2]].join(' ');\n"
                                                      "require('http').createServer((q, s) => s.end(page)).listen(+process.env.PORT, process.env.HOST);\n",
                                                      NULL);
  g_autofree char *url = g_strconcat ("file://", repo, NULL);
  g_autofree char *env_file = g_build_filename (fixture->root, "run.env", NULL);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) stream = NULL;
  g_autoptr(JsonObject) preview = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *body = NULL;
  g_autofree char *projects = NULL;
  g_autofree char *projects_path = NULL;

  g_assert_true (g_file_set_contents (env_file, "# for this run\nFROM_FILE=file-value-77\nBOTH=from-file\n", -1, NULL));

  launcher = forge_test_headless_launcher (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  process = g_subprocess_launcher_spawn (launcher, &error, binary, "--headless", "--json", "--server-timeout", "120",
                                         "--env", "FOO=cli-value-55", "--env-file", env_file, "--env", "BOTH=from-cli",
                                         "--dev-command", "node server.js headless-command",
                                         url, NULL);
  g_assert_no_error (error);
  stream = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));

  preview = read_until (stream, "preview", NULL);
  g_assert_nonnull (preview);
  g_assert_cmpuint (forge_test_http_get (json_object_get_string_member (preview, "url"), &body), ==, 200);
  g_assert_cmpstr (body, ==, "cli-value-55 file-value-77 from-cli headless-command");

  forge_test_headless_stop (process, SIGTERM);

  /* For that run only: the project keeps none of it. */
  projects_path = g_build_filename (fixture->root, "data", "forge-preview", "projects.json", NULL);
  g_assert_true (g_file_get_contents (projects_path, &projects, NULL, NULL));
  g_assert_null (strstr (projects, "cli-value-55"));
  g_assert_null (strstr (projects, "file-value-77"));
  g_assert_null (strstr (projects, "headless-command"));
  g_assert_false (forge_test_tree_contains (fixture->root, "cli-value-55"));
}

/* Stopped before the preview is up: the run is interrupted, not failed.
 * A "stopped" event and no "error", the shell's status for death by that
 * signal, and nothing the run started is left running. */
static void
test_stopped_mid_install (Fixture       *fixture,
                          gconstpointer  data)
{
  const char *binary = g_getenv ("FORGE_PREVIEW_BINARY");
  const int signals[] = { SIGINT, SIGTERM };

  for (guint i = 0; i < G_N_ELEMENTS (signals); i++)
    {
      g_autofree char *name = g_strdup_printf ("slow-install-%u", i);
      g_autofree char *marker = g_strdup_printf ("forge-install-marker-%u-%d", i, (int) getpid ());
      g_autofree char *install = g_strdup_printf ("sleep 600; : %s", marker);
      g_autofree char *repo = forge_test_repo_with_files (fixture->root, name,
                                                          "package.json",
                                                          "{ \"name\": \"slow\", \"scripts\": { \"dev\": \"node server.js\" } }\n",
                                                          "server.js", "\n",
                                                          NULL);
      g_autofree char *url = g_strconcat ("file://", repo, NULL);
      g_autoptr(GSubprocessLauncher) launcher = NULL;
      g_autoptr(GSubprocess) process = NULL;
      g_autoptr(GDataInputStream) stream = NULL;
      g_autoptr(JsonObject) started = NULL;
      g_autoptr(JsonObject) stopped = NULL;
      g_autoptr(GError) error = NULL;
      JsonObject *event;

      launcher = forge_test_headless_launcher (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
      process = g_subprocess_launcher_spawn (launcher, &error, binary, "--headless", "--json",
                                             "--install-command", install, url, NULL);
      g_assert_no_error (error);
      stream = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));

      started = read_until (stream, "step", "start");
      while (started != NULL && !g_str_equal (json_object_get_string_member (started, "name"), "install-dependencies"))
        {
          g_clear_pointer (&started, json_object_unref);
          started = read_until (stream, "step", "start");
        }
      g_assert_nonnull (started);
      /* The install command itself is running, not only its step. */
      for (guint tries = 0; forge_test_count_processes_mentioning (marker) == 0; tries++)
        {
          g_assert_cmpuint (tries, <, 600);
          g_usleep (100 * 1000);
        }

      g_subprocess_send_signal (process, signals[i]);

      while ((event = read_event (stream)) != NULL)
        {
          g_autoptr(JsonObject) owned = event;
          const char *type = json_object_get_string_member (event, "type");

          g_assert_cmpstr (type, !=, "error");
          g_assert_cmpstr (type, !=, "preview");
          if (g_str_equal (type, "stopped"))
            stopped = json_object_ref (event);
        }
      g_assert_nonnull (stopped);
      g_assert_cmpstr (json_object_get_string_member (stopped, "signal"), ==, signals[i] == SIGINT ? "SIGINT" : "SIGTERM");
      g_assert_false (json_object_get_boolean_member (stopped, "previewing"));

      g_assert_true (g_subprocess_wait (process, NULL, &error));
      g_assert_no_error (error);
      g_assert_true (g_subprocess_get_if_exited (process));
      g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 128 + signals[i]);
      g_assert_cmpuint (forge_test_count_processes_mentioning (marker), ==, 0);
    }
}

/* A malformed --env or an unreadable --env-file is one line, before
 * anything starts. */
static void
test_bad_env (Fixture       *fixture,
              gconstpointer  data)
{
  const char *binary = g_getenv ("FORGE_PREVIEW_BINARY");
  g_autofree char *missing = g_build_filename (fixture->root, "no-such.env", NULL);
  const char *cases[][3] = {
    { "--env", "NOEQUALS", "NOEQUALS" },
    { "--env", "1BAD=x", "1BAD" },
    { "--env-file", missing, "no-such.env" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GSubprocessLauncher) launcher = forge_test_headless_launcher (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
      g_autoptr(GSubprocess) process = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *stdout_text = NULL;
      g_autofree char *stderr_text = NULL;

      process = g_subprocess_launcher_spawn (launcher, &error, binary, "--headless", "--json",
                                             cases[i][0], cases[i][1], "owner/repo", NULL);
      g_assert_no_error (error);
      g_assert_true (g_subprocess_communicate_utf8 (process, NULL, NULL, &stdout_text, &stderr_text, &error));
      g_assert_no_error (error);
      g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 2);
      g_assert_true (g_str_has_prefix (stderr_text, "forge-preview: "));
      g_assert_true (strchr (stderr_text, '\n') == stderr_text + strlen (stderr_text) - 1);
      g_assert_nonnull (strstr (stderr_text, cases[i][2]));
      g_assert_cmpstr (stdout_text, ==, "");
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  forge_test_git_isolate ();

  g_test_add ("/forge/headless/json-events-in-order", Fixture, NULL, fixture_set_up, test_json_events_in_order, fixture_tear_down);
  g_test_add ("/forge/headless/progress-events", Fixture, NULL, fixture_set_up, test_progress_events, fixture_tear_down);
  g_test_add ("/forge/headless/sandbox-events-after-kill", Fixture, NULL, fixture_set_up, test_sandbox_events_after_kill, fixture_tear_down);
  g_test_add ("/forge/headless/resume-after-kill", Fixture, NULL, fixture_set_up, test_resume_after_kill, fixture_tear_down);
  g_test_add ("/forge/headless/failure-is-one-line", Fixture, NULL, fixture_set_up, test_failure_is_one_line, fixture_tear_down);
  g_test_add ("/forge/headless/bad-url", Fixture, NULL, fixture_set_up, test_bad_url, fixture_tear_down);
  g_test_add ("/forge/headless/unknown-backend", Fixture, NULL, fixture_set_up, test_unknown_backend, fixture_tear_down);
  g_test_add ("/forge/headless/load-page-console", Fixture, NULL, fixture_set_up, test_load_page_console, fixture_tear_down);
  g_test_add ("/forge/headless/load-page-needs-display", Fixture, NULL, fixture_set_up, test_load_page_needs_display, fixture_tear_down);
  g_test_add ("/forge/headless/crash-leaves-stack", Fixture, NULL, fixture_set_up, test_crash_leaves_stack, fixture_tear_down);
  g_test_add ("/forge/headless/monorepo-subdir", Fixture, NULL, fixture_set_up, test_monorepo_subdir, fixture_tear_down);
  g_test_add ("/forge/headless/gh-token-and-pull", Fixture, NULL, fixture_set_up, test_gh_token_and_pull, fixture_tear_down);
  g_test_add ("/forge/headless/env-and-commands", Fixture, NULL, fixture_set_up, test_env_and_commands, fixture_tear_down);
  g_test_add ("/forge/headless/stopped-mid-install", Fixture, NULL, fixture_set_up, test_stopped_mid_install, fixture_tear_down);
  g_test_add ("/forge/headless/bad-env", Fixture, NULL, fixture_set_up, test_bad_env, fixture_tear_down);

  return g_test_run ();
}
