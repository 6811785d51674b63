/* headless-util.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include "e2e-util.h"
#include "headless-util.h"

static void
stop_with_test (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

GSubprocessLauncher *
forge_test_headless_launcher (GSubprocessFlags flags)
{
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (flags);

  /* A failed assertion aborts the test: the app must not outlive it. */
  g_subprocess_launcher_set_child_setup (launcher, stop_with_test, NULL, NULL);
  forge_test_preload_crash_report (launcher);
  /* The bare built binary, as tools/run starts it: it finds its helpers
   * (the static file server, the loopback relay) by itself. */
  g_subprocess_launcher_unsetenv (launcher, "FORGE_HELPER_DIR");

  return launcher;
}

GSubprocess *
forge_test_headless_spawn (GSubprocessLauncher  *launcher,
                           const char           *url,
                           const char * const   *extra_args,
                           GError              **error)
{
  const char *binary = g_getenv ("FORGE_PREVIEW_BINARY");
  g_autoptr(GSubprocessLauncher) own = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  const char *args[] = { binary, "--headless", "--json", "--server-timeout", "120",
                         "--keepalive-interval", "1", "--sandbox-timeout", "2" };

  g_assert_nonnull (binary);
  if (launcher == NULL)
    launcher = own = forge_test_headless_launcher (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);

  for (guint i = 0; i < G_N_ELEMENTS (args); i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  for (guint i = 0; extra_args != NULL && extra_args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) extra_args[i]);
  g_ptr_array_add (argv, (gpointer) url);
  g_ptr_array_add (argv, NULL);

  return g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, error);
}

JsonObject *
forge_test_headless_read_event (GDataInputStream *stream)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *line = g_data_input_stream_read_line_utf8 (stream, NULL, NULL, &error);
  JsonNode *root;

  g_assert_no_error (error);
  if (line == NULL)
    return NULL;

  /* Every line is one JSON object: nothing else may reach stdout. */
  if (!json_parser_load_from_data (parser, line, -1, &error))
    g_error ("Not a JSON line on stdout: %s (%s)", line, error->message);
  root = json_parser_get_root (parser);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  g_assert_true (json_object_has_member (json_node_get_object (root), "type"));

  return json_object_ref (json_node_get_object (root));
}

JsonObject *
forge_test_headless_read_until (GDataInputStream *stream,
                                const char       *type,
                                const char       *state)
{
  JsonObject *event;

  while ((event = forge_test_headless_read_event (stream)) != NULL)
    {
      if (g_str_equal (json_object_get_string_member (event, "type"), type) &&
          (state == NULL || g_strcmp0 (json_object_get_string_member_with_default (event, "state", NULL), state) == 0))
        return event;
      json_object_unref (event);
    }

  return NULL;
}

char *
forge_test_headless_expect_failure (GSubprocess *process)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *stdout_text = NULL;
  char *stderr_text = NULL;

  g_assert_true (g_subprocess_communicate_utf8 (process, NULL, NULL, &stdout_text, &stderr_text, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 1);
  g_assert_true (g_str_has_prefix (stderr_text, "forge-preview: "));
  g_assert_true (strchr (stderr_text, '\n') == stderr_text + strlen (stderr_text) - 1);
  return stderr_text;
}

void
forge_test_headless_stop (GSubprocess *process,
                          int          signal_number)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_send_signal (process, signal_number);
  g_assert_true (g_subprocess_wait (process, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);
}
