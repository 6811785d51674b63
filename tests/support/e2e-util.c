/* e2e-util.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <stdarg.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "e2e-util.h"
#include "git-test-util.h"

void
forge_test_isolate_xdg (const char *root)
{
  static const char *variables[] = { "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME" };
  static const char *names[] = { "data", "state", "cache" };

  for (guint i = 0; i < G_N_ELEMENTS (variables); i++)
    {
      g_autofree char *dir = g_build_filename (root, names[i], NULL);

      g_mkdir_with_parents (dir, 0700);
      g_setenv (variables[i], dir, TRUE);
    }
}

void
forge_test_preload_crash_report (GSubprocessLauncher *launcher)
{
  const char *module = g_getenv ("FORGE_TEST_CRASH_REPORT_LIB");

  if (module != NULL && g_file_test (module, G_FILE_TEST_EXISTS))
    g_subprocess_launcher_setenv (launcher, "LD_PRELOAD", module, TRUE);
}

static void
copy_tree (GFile *source,
           GFile *destination)
{
  g_autoptr(GFileEnumerator) enumerator = NULL;
  g_autoptr(GError) error = NULL;
  GFileInfo *info;

  g_file_make_directory_with_parents (destination, NULL, NULL);
  enumerator = g_file_enumerate_children (source, G_FILE_ATTRIBUTE_STANDARD_NAME "," G_FILE_ATTRIBUTE_STANDARD_TYPE,
                                          G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, &error);
  g_assert_no_error (error);

  while ((info = g_file_enumerator_next_file (enumerator, NULL, &error)) != NULL)
    {
      g_autoptr(GFileInfo) owned = info;
      g_autoptr(GFile) child = g_file_get_child (source, g_file_info_get_name (info));
      g_autoptr(GFile) target = g_file_get_child (destination, g_file_info_get_name (info));

      if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
        copy_tree (child, target);
      else
        {
          g_file_copy (child, target, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, &error);
          g_assert_no_error (error);
        }
    }
  g_assert_no_error (error);
}

static void
commit_all (const char *repo)
{
  forge_test_git (repo, "init", "-q", "-b", "main", NULL);
  forge_test_git (repo, "add", "-A", NULL);
  forge_test_git (repo, "commit", "-q", "-m", "Fixture", NULL);
}

char *
forge_test_repo_from_fixture (const char *parent,
                              const char *fixture)
{
  g_autofree char *source_path = g_build_filename (TEST_SRCDIR, "fixtures", "repos", fixture, NULL);
  g_autoptr(GFile) source = g_file_new_for_path (source_path);
  char *path = g_build_filename (parent, fixture, NULL);
  g_autoptr(GFile) destination = g_file_new_for_path (path);

  copy_tree (source, destination);
  commit_all (path);

  return path;
}

char *
forge_test_repo_with_files (const char *parent,
                            const char *name,
                            ...)
{
  char *repo = g_build_filename (parent, name, NULL);
  const char *file;
  va_list args;

  g_mkdir_with_parents (repo, 0700);

  va_start (args, name);
  while ((file = va_arg (args, const char *)) != NULL)
    {
      const char *contents = va_arg (args, const char *);
      g_autofree char *path = g_build_filename (repo, file, NULL);
      g_autofree char *dir = g_path_get_dirname (path);

      g_mkdir_with_parents (dir, 0700);
      g_assert_true (g_file_set_contents (path, contents, -1, NULL));
    }
  va_end (args);

  commit_all (repo);
  return repo;
}

guint
forge_test_http_get (const char  *url,
                     char       **body)
{
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 10, NULL);
  g_autoptr(SoupMessage) message = soup_message_new (SOUP_METHOD_GET, url);
  g_autoptr(GBytes) bytes = NULL;

  if (body != NULL)
    *body = NULL;
  if (message == NULL)
    return 0;

  bytes = soup_session_send_and_read (session, message, NULL, NULL);
  if (bytes == NULL)
    return 0;

  if (body != NULL)
    *body = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  return soup_message_get_status (message);
}

static gboolean
cmdline_mentions (const char *cmdline,
                  gsize       length,
                  const char *text)
{
  /* Arguments are NUL-separated; search each. */
  for (gsize offset = 0; offset < length; offset += strlen (cmdline + offset) + 1)
    if (strstr (cmdline + offset, text) != NULL)
      return TRUE;
  return FALSE;
}

static GPid
parent_of (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *stat = NULL;
  const char *end;

  if (!g_file_get_contents (path, &stat, NULL, NULL))
    return 0;
  /* "pid (comm) state ppid ...": comm may hold spaces and parentheses. */
  end = strrchr (stat, ')');
  if (end == NULL || strlen (end) < 4)
    return 0;
  return (GPid) atoi (end + 4);
}

static gboolean
is_descendant (GPid pid)
{
  GPid self = getpid ();

  /* A chain longer than this is a loop read across a pid's reuse. */
  for (guint depth = 0; depth < 64 && pid > 1; depth++)
    {
      pid = parent_of (pid);
      if (pid == self)
        return TRUE;
    }
  return FALSE;
}

static guint
signal_programs (const char *program,
                 const char *also,
                 int         signal_number,
                 gboolean    own_only)
{
  g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
  const char *name;
  guint count = 0;

  while (proc != NULL && (name = g_dir_read_name (proc)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autofree char *cmdline = NULL;
      gsize length;

      if (!g_ascii_isdigit (name[0]) || atoi (name) == getpid ())
        continue;

      path = g_build_filename ("/proc", name, "cmdline", NULL);
      if (!g_file_get_contents (path, &cmdline, &length, NULL) || length == 0)
        continue;

      if (strstr (cmdline, program) != NULL &&
          (also == NULL || cmdline_mentions (cmdline, length, also)) &&
          (!own_only || is_descendant (atoi (name))) &&
          kill (atoi (name), signal_number) == 0)
        count++;
    }

  return count;
}

guint
forge_test_signal_program (const char *program,
                           const char *also,
                           int         signal_number)
{
  return signal_programs (program, also, signal_number, FALSE);
}

guint
forge_test_signal_own_program (const char *program,
                               const char *also,
                               int         signal_number)
{
  return signal_programs (program, also, signal_number, TRUE);
}

guint
forge_test_count_descendants (void)
{
  g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
  const char *name;
  guint count = 0;

  while (proc != NULL && (name = g_dir_read_name (proc)) != NULL)
    if (g_ascii_isdigit (name[0]) && is_descendant (atoi (name)))
      count++;

  return count;
}

guint
forge_test_count_processes_mentioning (const char *text)
{
  g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
  const char *name;
  g_autofree char *self_pid = g_strdup_printf ("%d", getpid ());
  guint count = 0;

  while (proc != NULL && (name = g_dir_read_name (proc)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autofree char *cmdline = NULL;
      gsize length;

      if (!g_ascii_isdigit (name[0]) || g_str_equal (name, self_pid))
        continue;

      path = g_build_filename ("/proc", name, "cmdline", NULL);
      if (!g_file_get_contents (path, &cmdline, &length, NULL) || length == 0)
        continue;

      if (cmdline_mentions (cmdline, length, text))
        {
          count++;
          continue;
        }

      /* Commands of the fake backend run in the workspace without naming
       * it. (Inside a mount namespace the link shows the sandbox's view.) */
      g_free (path);
      path = g_build_filename ("/proc", name, "cwd", NULL);
      g_autofree char *cwd = g_file_read_link (path, NULL);
      if (cwd != NULL && g_str_has_prefix (cwd, text) &&
          (cwd[strlen (text)] == '\0' || cwd[strlen (text)] == '/'))
        count++;
    }

  return count;
}

gboolean
forge_test_wait_no_processes (const char *text,
                              guint       timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (forge_test_count_processes_mentioning (text) > 0)
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_usleep (50 * 1000);
    }

  return TRUE;
}

gboolean
forge_test_wait_for (gboolean (*condition) (gpointer),
                     gpointer   data,
                     guint      seconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC;

  while (!condition (data))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }

  return TRUE;
}
