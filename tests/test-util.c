/* test-util.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "forge-util.h"
#include "watchdog.h"

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
test_display_url (void)
{
  g_autofree char *home = g_strdup (g_get_home_dir ());
  g_autofree char *in_home = g_strconcat ("file://", home, "/Projects/site", NULL);
  g_autofree char *beside_home = g_strconcat ("file://", home, "-other/site", NULL);
  g_autofree char *shown = NULL;

  shown = forge_display_url (in_home);
  g_assert_cmpstr (shown, ==, "~/Projects/site");
  g_clear_pointer (&shown, g_free);

  /* Only the home folder itself, not a sibling that starts alike. */
  shown = forge_display_url (beside_home);
  g_assert_true (g_str_has_suffix (shown, "-other/site"));
  g_assert_false (g_str_has_prefix (shown, "~"));
  g_clear_pointer (&shown, g_free);

  shown = forge_display_url ("file:///srv/repos/site%20two");
  g_assert_cmpstr (shown, ==, "/srv/repos/site two");
  g_clear_pointer (&shown, g_free);

  shown = forge_display_url ("https://github.com/gnome/gnome-text-editor");
  g_assert_cmpstr (shown, ==, "https://github.com/gnome/gnome-text-editor");
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

typedef struct
{
  char *root;       /* the "repository" */
  char *outside;    /* a host folder it must not reach */
} Hostile;

static void
hostile_set_up (Hostile       *fixture,
                gconstpointer  data)
{
  g_autofree char *secret = NULL;
  g_autofree char *nested = NULL;

  fixture->root = g_dir_make_tmp ("forge-repo-XXXXXX", NULL);
  fixture->outside = g_dir_make_tmp ("forge-host-XXXXXX", NULL);
  secret = g_build_filename (fixture->outside, "id_rsa", NULL);
  g_assert_true (g_file_set_contents (secret, "{\"secret\": true}", -1, NULL));

  nested = g_build_filename (fixture->root, "real", NULL);
  g_assert_cmpint (g_mkdir (nested, 0700), ==, 0);
  g_clear_pointer (&nested, g_free);
  nested = g_build_filename (fixture->root, "real", "package-lock.json", NULL);
  g_assert_true (g_file_set_contents (nested, "{\"lockfileVersion\": 3}", -1, NULL));
}

static void
hostile_tear_down (Hostile       *fixture,
                   gconstpointer  data)
{
  forge_remove_tree (fixture->root, NULL);
  forge_remove_tree (fixture->outside, NULL);
  g_free (fixture->root);
  g_free (fixture->outside);
}

static void
hostile_symlink (Hostile    *fixture,
                 const char *target,
                 const char *name)
{
  g_autofree char *link = g_build_filename (fixture->root, name, NULL);

  g_assert_cmpint (symlink (target, link), ==, 0);
}

static void
test_read_repo_file_regular (Hostile       *fixture,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *sum = NULL;
  gsize length = 0;

  g_assert_true (forge_read_repo_file (fixture->root, "real/package-lock.json", 1024,
                                       &contents, &length, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (contents, ==, "{\"lockfileVersion\": 3}");
  g_assert_cmpuint (length, ==, strlen (contents));

  g_assert_true (forge_repo_test (fixture->root, "real", FORGE_REPO_TEST_IS_DIR));
  g_assert_true (forge_repo_test (fixture->root, "real/package-lock.json", FORGE_REPO_TEST_IS_REGULAR));
  g_assert_true (forge_repo_test (fixture->root, "./real//package-lock.json", FORGE_REPO_TEST_IS_REGULAR));
  g_assert_true (forge_repo_test (fixture->root, "", FORGE_REPO_TEST_IS_DIR));
  g_assert_false (forge_repo_test (fixture->root, "real/missing", FORGE_REPO_TEST_IS_REGULAR));

  sum = forge_checksum_file (fixture->root, "real/package-lock.json", 1024, &error);
  g_assert_no_error (error);
  {
    g_autofree char *expected = g_compute_checksum_for_string (G_CHECKSUM_SHA256, contents, -1);
    g_assert_cmpstr (sum, ==, expected);
  }
}

/* package.json -> ~/.ssh/id_rsa: not read, whatever it holds. */
static void
test_read_repo_file_symlink (Hostile       *fixture,
                             gconstpointer  data)
{
  g_autofree char *secret = g_build_filename (fixture->outside, "id_rsa", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *sum = NULL;

  hostile_symlink (fixture, secret, "package.json");
  /* Even a link that stays inside the repository: what it points at can
   * change between a check and a read. */
  hostile_symlink (fixture, "real/package-lock.json", "package-lock.json");

  g_assert_false (forge_read_repo_file (fixture->root, "package.json", 1024, &contents, NULL, &error));
  g_assert_error (error, FORGE_REPO_FILE_ERROR, FORGE_REPO_FILE_ERROR_SYMLINK);
  g_assert_null (contents);
  g_clear_error (&error);

  g_assert_false (forge_read_repo_file (fixture->root, "package-lock.json", 1024, &contents, NULL, &error));
  g_assert_error (error, FORGE_REPO_FILE_ERROR, FORGE_REPO_FILE_ERROR_SYMLINK);
  g_clear_error (&error);

  sum = forge_checksum_file (fixture->root, "package.json", 1024, &error);
  g_assert_error (error, FORGE_REPO_FILE_ERROR, FORGE_REPO_FILE_ERROR_SYMLINK);
  g_assert_null (sum);
  g_clear_error (&error);

  g_assert_false (forge_repo_test (fixture->root, "package.json", FORGE_REPO_TEST_IS_REGULAR));
  g_assert_true (forge_repo_test (fixture->root, "package.json", FORGE_REPO_TEST_IS_SYMLINK));
}

/* apps -> /etc: a symlinked folder on the way is not followed either. */
static void
test_read_repo_file_symlinked_dir (Hostile       *fixture,
                                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *sum = NULL;

  hostile_symlink (fixture, "/etc", "apps");
  hostile_symlink (fixture, fixture->outside, "config");

  g_assert_false (forge_read_repo_file (fixture->root, "apps/passwd", FORGE_REPO_CONFIG_MAX_SIZE,
                                        &contents, NULL, &error));
  g_assert_error (error, FORGE_REPO_FILE_ERROR, FORGE_REPO_FILE_ERROR_SYMLINK);
  g_clear_error (&error);

  sum = forge_checksum_file (fixture->root, "config/id_rsa", 1024, &error);
  g_assert_error (error, FORGE_REPO_FILE_ERROR, FORGE_REPO_FILE_ERROR_SYMLINK);
  g_assert_null (sum);
  g_clear_error (&error);

  g_assert_false (forge_repo_test (fixture->root, "apps/passwd", FORGE_REPO_TEST_IS_REGULAR));
  g_assert_false (forge_repo_test (fixture->root, "apps", FORGE_REPO_TEST_IS_DIR));
  g_assert_false (forge_repo_test (fixture->root, "config/id_rsa",
                                   FORGE_REPO_TEST_IS_REGULAR | FORGE_REPO_TEST_IS_SYMLINK));
}

/* A FIFO would block a plain open() until a writer comes: never. */
static void
test_read_repo_file_fifo (Hostile       *fixture,
                          gconstpointer  data)
{
  g_autofree char *fifo = g_build_filename (fixture->root, "yarn.lock", NULL);
  g_autofree char *link_target = g_build_filename (fixture->root, "pipe", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *sum = NULL;
  ForgeTestWatchdog watchdog;

  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  g_assert_cmpint (mkfifo (link_target, 0600), ==, 0);
  hostile_symlink (fixture, link_target, "package-lock.json");

  forge_test_watchdog_start (&watchdog, "A read of a hostile repository file");

  g_assert_false (forge_read_repo_file (fixture->root, "yarn.lock", FORGE_REPO_LOCKFILE_MAX_SIZE,
                                        &contents, NULL, &error));
  g_assert_error (error, FORGE_REPO_FILE_ERROR, FORGE_REPO_FILE_ERROR_NOT_REGULAR);
  g_clear_error (&error);

  sum = forge_checksum_file (fixture->root, "yarn.lock", FORGE_REPO_LOCKFILE_MAX_SIZE, &error);
  g_assert_error (error, FORGE_REPO_FILE_ERROR, FORGE_REPO_FILE_ERROR_NOT_REGULAR);
  g_assert_null (sum);
  g_clear_error (&error);

  sum = forge_checksum_file (fixture->root, "package-lock.json", FORGE_REPO_LOCKFILE_MAX_SIZE, &error);
  g_assert_error (error, FORGE_REPO_FILE_ERROR, FORGE_REPO_FILE_ERROR_SYMLINK);
  g_assert_null (sum);
  g_clear_error (&error);

  g_assert_false (forge_repo_test (fixture->root, "yarn.lock", FORGE_REPO_TEST_IS_REGULAR));

  forge_test_watchdog_stop (&watchdog);
}

static void
test_read_repo_file_too_large (Hostile       *fixture,
                               gconstpointer  data)
{
  g_autofree char *path = g_build_filename (fixture->root, "package.json", NULL);
  g_autofree char *big = g_strnfill (4096 + 1, ' ');
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *sum = NULL;

  g_assert_true (g_file_set_contents (path, big, -1, NULL));

  g_assert_false (forge_read_repo_file (fixture->root, "package.json", 4096, &contents, NULL, &error));
  g_assert_error (error, FORGE_REPO_FILE_ERROR, FORGE_REPO_FILE_ERROR_TOO_LARGE);
  g_assert_null (contents);
  g_clear_error (&error);

  sum = forge_checksum_file (fixture->root, "package.json", 4096, &error);
  g_assert_error (error, FORGE_REPO_FILE_ERROR, FORGE_REPO_FILE_ERROR_TOO_LARGE);
  g_clear_error (&error);

  /* One byte less fits. */
  g_assert_true (forge_read_repo_file (fixture->root, "package.json", 4097, &contents, NULL, &error));
  g_assert_no_error (error);
}

static void
test_read_repo_file_outside_paths (Hostile       *fixture,
                                   gconstpointer  data)
{
  g_autofree char *secret = g_build_filename (fixture->outside, "id_rsa", NULL);
  g_autofree char *outside_name = g_path_get_basename (fixture->outside);
  g_autofree char *relative = g_build_filename ("..", outside_name, "id_rsa", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;

  g_assert_false (forge_read_repo_file (fixture->root, secret, 1024, &contents, NULL, &error));
  g_assert_error (error, FORGE_REPO_FILE_ERROR, FORGE_REPO_FILE_ERROR_INVALID_PATH);
  g_clear_error (&error);

  g_assert_false (forge_read_repo_file (fixture->root, relative, 1024, &contents, NULL, &error));
  g_assert_error (error, FORGE_REPO_FILE_ERROR, FORGE_REPO_FILE_ERROR_INVALID_PATH);
  g_clear_error (&error);

  g_assert_false (forge_repo_test (fixture->root, relative, FORGE_REPO_TEST_IS_REGULAR));
}

static void
test_format_duration (void)
{
  static const struct
  {
    gint64      ms;
    const char *text;
  } cases[] = {
    { 0, "less than a second" },
    { 999, "less than a second" },
    { -5, "less than a second" },
    { 1000, "1 s" },
    { 59999, "59 s" },
    { 65000, "1 min 5 s" },
    { 3600000 + 20 * 60000 + 5000, "1 h 20 min" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = forge_format_duration (cases[i].ms);

      g_assert_cmpstr (text, ==, cases[i].text);
    }
}

static void
test_json_single_value (void)
{
  static const struct { const char *text; gboolean single; } cases[] = {
    { "", TRUE },
    { "{}", TRUE },
    { "\xEF\xBB\xBF{\"a\": [1, 2, {\"b\": \"}{\"}]}\n", TRUE },
    { "  42  ", TRUE },
    { "\"a \\\" {} b\"", TRUE },
    { "{}{}", FALSE },
    { "{} {}", FALSE },
    { "[1] [2]", FALSE },
    { "1 2", FALSE },
    { "{}\"x\"", FALSE },
    { "true false", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    if (forge_json_single_value (cases[i].text, strlen (cases[i].text)) != cases[i].single)
      g_error ("forge_json_single_value (%s) should be %s", cases[i].text, cases[i].single ? "TRUE" : "FALSE");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/forge/util/strip-ansi", test_strip_ansi);
  g_test_add_func ("/forge/util/xdg-dirs", test_xdg_dirs_follow_environment);
  g_test_add_func ("/forge/util/atomic-write", test_atomic_write);
  g_test_add_func ("/forge/util/display-url", test_display_url);
  g_test_add_func ("/forge/util/format-duration", test_format_duration);
  g_test_add_func ("/forge/util/find-local-url", test_find_local_url);
  g_test_add_func ("/forge/util/free-port", test_free_port);
  g_test_add_func ("/forge/util/remove-tree", test_remove_tree);
  g_test_add_func ("/forge/util/json-single-value", test_json_single_value);
  g_test_add ("/forge/util/repo-file/regular", Hostile, NULL,
              hostile_set_up, test_read_repo_file_regular, hostile_tear_down);
  g_test_add ("/forge/util/repo-file/symlink", Hostile, NULL,
              hostile_set_up, test_read_repo_file_symlink, hostile_tear_down);
  g_test_add ("/forge/util/repo-file/symlinked-dir", Hostile, NULL,
              hostile_set_up, test_read_repo_file_symlinked_dir, hostile_tear_down);
  g_test_add ("/forge/util/repo-file/fifo", Hostile, NULL,
              hostile_set_up, test_read_repo_file_fifo, hostile_tear_down);
  g_test_add ("/forge/util/repo-file/too-large", Hostile, NULL,
              hostile_set_up, test_read_repo_file_too_large, hostile_tear_down);
  g_test_add ("/forge/util/repo-file/outside-paths", Hostile, NULL,
              hostile_set_up, test_read_repo_file_outside_paths, hostile_tear_down);

  return g_test_run ();
}
