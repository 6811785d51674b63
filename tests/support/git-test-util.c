/* git-test-util.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "git-test-util.h"

static char *isolated_home;

static void
remove_isolated_home (void)
{
  if (isolated_home != NULL)
    forge_test_rm_rf (isolated_home);
  g_clear_pointer (&isolated_home, g_free);
}

void
forge_test_git_isolate (void)
{
  g_autoptr(GError) error = NULL;

  isolated_home = g_dir_make_tmp ("forge-home-XXXXXX", &error);
  g_assert_no_error (error);
  atexit (remove_isolated_home);

  g_setenv ("HOME", isolated_home, TRUE);
  g_setenv ("GIT_CONFIG_NOSYSTEM", "1", TRUE);
  g_setenv ("GIT_AUTHOR_NAME", "Forge Test", TRUE);
  g_setenv ("GIT_AUTHOR_EMAIL", "test@example.org", TRUE);
  g_setenv ("GIT_COMMITTER_NAME", "Forge Test", TRUE);
  g_setenv ("GIT_COMMITTER_EMAIL", "test@example.org", TRUE);
  g_unsetenv ("GIT_DIR");
  g_unsetenv ("GIT_WORK_TREE");
}

static void
run_git (const char *dir,
         GPtrArray  *args,
         char      **out)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  g_ptr_array_add (argv, (char *) "git");
  g_ptr_array_add (argv, (char *) "-c");
  g_ptr_array_add (argv, (char *) "user.name=Forge Test");
  g_ptr_array_add (argv, (char *) "-c");
  g_ptr_array_add (argv, (char *) "user.email=test@example.org");
  g_ptr_array_add (argv, (char *) "-c");
  g_ptr_array_add (argv, (char *) "init.defaultBranch=main");
  for (guint i = 0; i < args->len; i++)
    g_ptr_array_add (argv, args->pdata[i]);
  g_ptr_array_add (argv, NULL);

  g_spawn_sync (dir, (char **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH,
                NULL, NULL, out, &err, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("git %s failed in %s: %s", (char *) args->pdata[0], dir, err);
}

void
forge_test_git (const char *dir,
                ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  va_list ap;
  const char *arg;

  va_start (ap, dir);
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (args, (char *) arg);
  va_end (ap);

  run_git (dir, args, NULL);
}

char *
forge_test_make_upstream (const char *parent,
                          const char *name)
{
  char *path = g_build_filename (parent, name, NULL);
  g_autofree char *readme = g_build_filename (path, "README.md", NULL);
  g_autofree char *pkg = g_build_filename (path, "package.json", NULL);

  g_assert_cmpint (g_mkdir_with_parents (path, 0755), ==, 0);
  forge_test_git (path, "init", "-q", NULL);
  g_assert_true (g_file_set_contents (readme, "# Test\n", -1, NULL));
  g_assert_true (g_file_set_contents (pkg, "{ \"name\": \"test\", \"private\": true }\n", -1, NULL));
  forge_test_git (path, "add", "README.md", "package.json", NULL);
  forge_test_git (path, "commit", "-q", "-m", "Initial commit", NULL);

  return path;
}

void
forge_test_git_commit_file (const char *repo,
                            const char *path,
                            const char *contents)
{
  g_autofree char *full = g_build_filename (repo, path, NULL);
  g_autofree char *dir = g_path_get_dirname (full);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_assert_true (g_file_set_contents (full, contents, -1, NULL));
  forge_test_git (repo, "add", path, NULL);
  forge_test_git (repo, "commit", "-q", "-m", path, NULL);
}

char *
forge_test_git_output (const char *dir,
                       ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  char *out = NULL;
  va_list ap;
  const char *arg;

  va_start (ap, dir);
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (args, (char *) arg);
  va_end (ap);

  run_git (dir, args, &out);
  return out;
}

char *
forge_test_git_rev_parse (const char *repo,
                          const char *rev)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  char *out = NULL;

  g_ptr_array_add (args, (char *) "rev-parse");
  g_ptr_array_add (args, (char *) rev);
  run_git (repo, args, &out);

  return g_strstrip (out);
}

char *
forge_test_make_bare (const char *upstream,
                      const char *root,
                      const char *relpath)
{
  char *bare = g_build_filename (root, relpath, NULL);
  g_autofree char *parent = g_path_get_dirname (bare);

  g_assert_cmpint (g_mkdir_with_parents (parent, 0755), ==, 0);
  forge_test_git (parent, "clone", "-q", "--bare", upstream, bare, NULL);

  return bare;
}

void
forge_test_git_push_bare (const char *upstream,
                          const char *bare)
{
  forge_test_git (upstream, "push", "-q", bare, "main", NULL);
}

static gboolean
file_contains (const char *path,
               const char *text)
{
  g_autofree char *contents = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &contents, &len, NULL))
    return FALSE;

  return memmem (contents, len, text, strlen (text)) != NULL;
}

gboolean
forge_test_tree_contains (const char *dir,
                          const char *text)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  g_assert_nonnull (d);

  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *child = g_build_filename (dir, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        continue;
      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        {
          if (forge_test_tree_contains (child, text))
            return TRUE;
        }
      else if (file_contains (child, text))
        {
          g_test_message ("“%s” found in %s", text, child);
          return TRUE;
        }
    }

  return FALSE;
}

guint
forge_test_count_entries_with_prefix (const char *dir,
                                      const char *prefix)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  guint n = 0;

  if (d == NULL)
    return 0;

  while ((name = g_dir_read_name (d)) != NULL)
    if (g_str_has_prefix (name, prefix))
      n++;

  return n;
}

gboolean
forge_test_file_has_content (const char *dir,
                             const char *name,
                             const char *contents)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *actual = NULL;

  if (!g_file_get_contents (path, &actual, NULL, NULL))
    return FALSE;

  return g_str_equal (actual, contents);
}

void
forge_test_rm_rf (const char *path)
{
  g_autoptr(GDir) d = NULL;
  const char *name;

  if (g_file_test (path, G_FILE_TEST_IS_SYMLINK) || !g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_remove (path);
      return;
    }

  d = g_dir_open (path, 0, NULL);
  if (d != NULL)
    {
      while ((name = g_dir_read_name (d)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          forge_test_rm_rf (child);
        }
    }

  g_rmdir (path);
}
