/* test-util.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>

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

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/forge/util/strip-ansi", test_strip_ansi);
  g_test_add_func ("/forge/util/xdg-dirs", test_xdg_dirs_follow_environment);
  g_test_add_func ("/forge/util/atomic-write", test_atomic_write);

  return g_test_run ();
}
