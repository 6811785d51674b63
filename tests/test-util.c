/* test-util.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "forge-util.h"

static void
test_strip_ansi (void)
{
  struct { const char *in; const char *out; } cases[] = {
    { "plain", "plain" },
    { "\033[32m➜\033[39m  \033[1mLocal\033[22m:   \033[36mhttp://127.0.0.1:\033[1m5173\033[22m/\033[39m",
      "➜  Local:   http://127.0.0.1:5173/" },
    { "\033]8;;http://x\033\\link\033]8;;\a", "link" },
    { "progress\r\n", "progress\n" },
    { "cut\033[", "cut" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *stripped = forge_strip_ansi (cases[i].in);
      g_assert_cmpstr (stripped, ==, cases[i].out);
    }
}

static void
test_xdg_dirs_follow_environment (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("forge-util-XXXXXX", NULL);
  g_autofree char *data = NULL;
  g_autofree char *expected = g_build_filename (tmp, "forge-preview", NULL);

  g_setenv ("XDG_DATA_HOME", tmp, TRUE);
  data = forge_data_dir ();
  g_assert_cmpstr (data, ==, expected);
  g_rmdir (tmp);
}

static void
test_atomic_write (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("forge-util-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (tmp, "nested", "file.json", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  GStatBuf st;

  g_assert_true (forge_write_file_atomic (path, "{\"a\":1}", -1, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "{\"a\":1}");
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  g_assert_true (forge_write_file_atomic (path, "[]", -1, &error));
  g_clear_pointer (&contents, g_free);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "[]");
}

static void
test_find_local_url (void)
{
  struct { const char *line; const char *url; } cases[] = {
    { "  \033[32m➜\033[39m  \033[1mLocal\033[22m:   \033[36mhttp://127.0.0.1:\033[1m5173\033[22m/app/\033[39m", "http://127.0.0.1:5173/app/" },
    { "   - Local:        http://127.0.0.1:3000", "http://127.0.0.1:3000/" },
    { "┃ Local    http://localhost:4321/", "http://localhost:4321/" },
    { "  Local:            http://localhost:3000", "http://localhost:3000/" },
    { "  ➜  Network: http://192.168.1.20:5173/", NULL },
    { "See https://nextjs.org/docs for help", NULL },
    { "Listening on http://[::1]:8080/ (press ctrl-c)", "http://[::1]:8080/" },
    { "no url here", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *url = forge_find_local_url (cases[i].line);
      g_assert_cmpstr (url, ==, cases[i].url);
    }
}

static void
test_free_port (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  guint port = forge_pick_free_port (&error);

  g_assert_no_error (error);
  g_assert_cmpuint (port, >, 1024);
  /* Free means someone can listen there right now. */
  g_assert_true (g_socket_listener_add_inet_port (listener, port, NULL, &error));
  g_assert_no_error (error);
}

static void
test_remove_tree (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("forge-util-XXXXXX", NULL);
  g_autofree char *outside = g_dir_make_tmp ("forge-util-outside-XXXXXX", NULL);
  g_autofree char *nested = g_build_filename (tmp, "a", "b", NULL);
  g_autofree char *file = g_build_filename (nested, "f.txt", NULL);
  g_autofree char *keep = g_build_filename (outside, "keep.txt", NULL);
  g_autofree char *link = g_build_filename (tmp, "link", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (nested, 0700), ==, 0);
  g_assert_true (g_file_set_contents (file, "x", -1, NULL));
  g_assert_true (g_file_set_contents (keep, "x", -1, NULL));
  g_assert_cmpint (symlink (outside, link), ==, 0);

  g_assert_true (forge_remove_tree (tmp, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (tmp, G_FILE_TEST_EXISTS));
  /* A symlink is removed, never followed. */
  g_assert_true (g_file_test (keep, G_FILE_TEST_EXISTS));
  forge_remove_tree (outside, NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/forge/util/strip-ansi", test_strip_ansi);
  g_test_add_func ("/forge/util/xdg-dirs", test_xdg_dirs_follow_environment);
  g_test_add_func ("/forge/util/atomic-write", test_atomic_write);
  g_test_add_func ("/forge/util/find-local-url", test_find_local_url);
  g_test_add_func ("/forge/util/free-port", test_free_port);
  g_test_add_func ("/forge/util/remove-tree", test_remove_tree);

  return g_test_run ();
}
