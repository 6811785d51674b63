/* test-git-refs.c
 *
 * Branches, tags and pull requests: addresses that name them, clones
 * and switches to them, pulls and resets, against real repositories
 * served over smart HTTP on loopback.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "forge-git.h"
#include "git-http-server.h"
#include "git-test-util.h"

/* ------------------------------------------------------------------ */
/* Parsing                                                            */
/* ------------------------------------------------------------------ */

static void
test_parse_repo_spec (void)
{
  g_autofree char *long_branch = g_strnfill (300, 'b');
  g_autofree char *long_input = g_strconcat ("https://github.com/o/r/tree/", long_branch, NULL);
  g_autofree char *huge = g_strnfill (5000, 'a');
  struct {
    const char *in;
    const char *url;
    const char *ref;
    ForgeGitRefKind kind;
    const char *name;
    guint pull;
    int code;   /* -1: parses */
  } cases[] = {
    /* What forge_git_normalize_url() takes, unchanged. */
    { "owner/repo", "https://github.com/owner/repo.git", NULL, FORGE_GIT_REF_DEFAULT, NULL, 0, -1 },
    { "https://github.com/owner/repo", "https://github.com/owner/repo", NULL, FORGE_GIT_REF_DEFAULT, NULL, 0, -1 },
    { "git@github.com:owner/repo.git", "git@github.com:owner/repo.git", NULL, FORGE_GIT_REF_DEFAULT, NULL, 0, -1 },
    { "https://gitlab.com/group/sub/repo.git", "https://gitlab.com/group/sub/repo.git", NULL, FORGE_GIT_REF_DEFAULT, NULL, 0, -1 },
    /* Branches */
    { "https://github.com/owner/repo/tree/dev", "https://github.com/owner/repo", "refs/heads/dev", FORGE_GIT_REF_BRANCH, "dev", 0, -1 },
    { "https://github.com/owner/repo/tree/dev/", "https://github.com/owner/repo", "refs/heads/dev", FORGE_GIT_REF_BRANCH, "dev", 0, -1 },
    { "https://github.com/owner/repo/tree/dev?tab=readme", "https://github.com/owner/repo", "refs/heads/dev", FORGE_GIT_REF_BRANCH, "dev", 0, -1 },
    { "https://github.com/owner/repo/tree/feature%2Fx", "https://github.com/owner/repo", "refs/heads/feature/x", FORGE_GIT_REF_BRANCH, "feature/x", 0, -1 },
    { "https://github.com/owner/repo/tree/feature/x/docs", "https://github.com/owner/repo", "tree:feature/x/docs", FORGE_GIT_REF_TREE, "feature/x/docs", 0, -1 },
    { "owner/repo#dev", "https://github.com/owner/repo.git", "refs/heads/dev", FORGE_GIT_REF_BRANCH, "dev", 0, -1 },
    { "owner/repo#feature/x", "https://github.com/owner/repo.git", "refs/heads/feature/x", FORGE_GIT_REF_BRANCH, "feature/x", 0, -1 },
    { "https://github.com/owner/repo#dev", "https://github.com/owner/repo", "refs/heads/dev", FORGE_GIT_REF_BRANCH, "dev", 0, -1 },
    /* Pull requests, tags */
    { "https://github.com/owner/repo/pull/7", "https://github.com/owner/repo", "refs/pull/7/head", FORGE_GIT_REF_PULL, "7", 7, -1 },
    { "https://github.com/owner/repo/pull/42/files", "https://github.com/owner/repo", "refs/pull/42/head", FORGE_GIT_REF_PULL, "42", 42, -1 },
    { "https://github.com/owner/repo/releases/tag/v1.0", "https://github.com/owner/repo", "refs/tags/v1.0", FORGE_GIT_REF_TAG, "v1.0", 0, -1 },
    /* GitHub Enterprise, loopback, GitLab's "/-/" */
    { "https://ghe.example.com/team/app/tree/main", "https://ghe.example.com/team/app", "refs/heads/main", FORGE_GIT_REF_BRANCH, "main", 0, -1 },
    { "https://ghe.example.com/team/app/pull/3", "https://ghe.example.com/team/app", "refs/pull/3/head", FORGE_GIT_REF_PULL, "3", 3, -1 },
    { "http://127.0.0.1:8080/owner/repo/tree/dev", "http://127.0.0.1:8080/owner/repo", "refs/heads/dev", FORGE_GIT_REF_BRANCH, "dev", 0, -1 },
    { "http://127.0.0.1:8080/owner/repo/pull/9", "http://127.0.0.1:8080/owner/repo", "refs/pull/9/head", FORGE_GIT_REF_PULL, "9", 9, -1 },
    { "https://gitlab.com/group/project/-/tree/main", "https://gitlab.com/group/project", "refs/heads/main", FORGE_GIT_REF_BRANCH, "main", 0, -1 },
    /* Hostile or broken */
    { "https://user:ghp_secret@github.com/owner/repo/tree/dev", NULL, NULL, 0, NULL, 0, FORGE_GIT_ERROR_INVALID_URL },
    { "https://ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/o/r/pull/1", NULL, NULL, 0, NULL, 0, FORGE_GIT_ERROR_INVALID_URL },
    { "https://github.com/owner/repo/tree/..", NULL, NULL, 0, NULL, 0, FORGE_GIT_ERROR_INVALID_URL },
    { "https://github.com/owner/repo/tree/main/../../etc", NULL, NULL, 0, NULL, 0, FORGE_GIT_ERROR_INVALID_URL },
    { "https://github.com/owner/repo/tree/a..b", NULL, NULL, 0, NULL, 0, FORGE_GIT_ERROR_INVALID_URL },
    { "https://github.com/owner/repo/tree/%2E%2E", NULL, NULL, 0, NULL, 0, FORGE_GIT_ERROR_INVALID_URL },
    { "https://github.com/owner/repo/tree/ma%00in", NULL, NULL, 0, NULL, 0, FORGE_GIT_ERROR_INVALID_URL },
    { "https://github.com/owner/repo/tree/my%20branch", NULL, NULL, 0, NULL, 0, FORGE_GIT_ERROR_INVALID_URL },
    { "https://github.com/owner/repo/tree/x%0Ay", NULL, NULL, 0, NULL, 0, FORGE_GIT_ERROR_INVALID_URL },
    { "https://github.com/owner/repo/tree/-rf", NULL, NULL, 0, NULL, 0, FORGE_GIT_ERROR_INVALID_URL },
    { "https://github.com/owner/repo/tree/", NULL, NULL, 0, NULL, 0, FORGE_GIT_ERROR_INVALID_URL },
    { "https://github.com/owner/repo/tree/a/.git/hooks", NULL, NULL, 0, NULL, 0, FORGE_GIT_ERROR_INVALID_URL },
    { "https://github.com/owner/repo/pull/abc", NULL, NULL, 0, NULL, 0, FORGE_GIT_ERROR_INVALID_URL },
    { "https://github.com/owner/repo/pull/0", NULL, NULL, 0, NULL, 0, FORGE_GIT_ERROR_INVALID_URL },
    { "https://github.com/owner/repo/pull/99999999999", NULL, NULL, 0, NULL, 0, FORGE_GIT_ERROR_INVALID_URL },
    { "https://github.com/owner/repo/pull/-1", NULL, NULL, 0, NULL, 0, FORGE_GIT_ERROR_INVALID_URL },
    { "owner/repo#", NULL, NULL, 0, NULL, 0, FORGE_GIT_ERROR_INVALID_URL },
    { "owner/repo#a b", NULL, NULL, 0, NULL, 0, FORGE_GIT_ERROR_INVALID_URL },
    { "owner/repo#x..y", NULL, NULL, 0, NULL, 0, FORGE_GIT_ERROR_INVALID_URL },
    { "owner/repo#a~1", NULL, NULL, 0, NULL, 0, FORGE_GIT_ERROR_INVALID_URL },
    { "https://github.com/owner/repo/tree/dev#other", NULL, NULL, 0, NULL, 0, FORGE_GIT_ERROR_INVALID_URL },
    { "hello world/repo#main", NULL, NULL, 0, NULL, 0, FORGE_GIT_ERROR_INVALID_URL },
    { long_input, NULL, NULL, 0, NULL, 0, FORGE_GIT_ERROR_INVALID_URL },
    { huge, NULL, NULL, 0, NULL, 0, FORGE_GIT_ERROR_INVALID_URL },
    { "", NULL, NULL, 0, NULL, 0, FORGE_GIT_ERROR_INVALID_URL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ForgeRepoSpec) spec = forge_git_parse_repo_spec (cases[i].in, &error);

      g_test_message ("parse “%.80s” → %s", cases[i].in, error ? error->message : "ok");

      if (cases[i].code != -1)
        {
          g_assert_error (error, FORGE_GIT_ERROR, cases[i].code);
          g_assert_null (spec);
          g_assert_null (strchr (error->message, '\n'));
          g_assert_null (strstr (error->message, "secret"));
          g_assert_null (strstr (error->message, "ghp_"));
          g_assert_cmpuint (strlen (error->message), <, 600);
          continue;
        }

      g_assert_no_error (error);
      g_assert_nonnull (spec);
      g_assert_cmpstr (forge_repo_spec_get_url (spec), ==, cases[i].url);
      g_assert_cmpstr (forge_repo_spec_get_ref (spec), ==, cases[i].ref);
      g_assert_cmpint (forge_repo_spec_get_ref_kind (spec), ==, cases[i].kind);
      g_assert_cmpstr (forge_repo_spec_get_ref_name (spec), ==, cases[i].name);
      g_assert_cmpuint (forge_repo_spec_get_pull_number (spec), ==, cases[i].pull);
      g_assert_null (forge_repo_spec_get_subdir (spec));
      g_assert_true (forge_git_ref_is_valid (forge_repo_spec_get_ref (spec)));
    }

  /* Stored refs are checked again when they come back from disk. */
  g_assert_true (forge_git_ref_is_valid (NULL));
  g_assert_false (forge_git_ref_is_valid ("refs/remotes/origin/main"));
  g_assert_false (forge_git_ref_is_valid ("refs/heads/../x"));
  g_assert_false (forge_git_ref_is_valid ("refs/pull/7/merge"));
  g_assert_false (forge_git_ref_is_valid ("tree:a/../b"));
  g_assert_false (forge_git_ref_is_valid ("main"));
  /* Prefix and suffix overlap: the number's length came out as -1, and
   * copying it crashed (found by fuzzing; a projects.json or a journal
   * holding this crashed the app as it loaded them). */
  g_assert_false (forge_git_ref_is_valid ("refs/pull/head"));
  g_assert_false (forge_git_ref_is_valid ("refs/pull//head"));
  {
    g_autofree char *display = forge_git_ref_dup_display_name ("refs/pull/7/head");
    g_assert_cmpstr (display, ==, "#7");
  }
}

/* ------------------------------------------------------------------ */
/* A served repository with branches, a tag and a pull request         */
/* ------------------------------------------------------------------ */

typedef struct
{
  char               *tmp;
  char               *upstream;
  char               *bare;
  ForgeTestGitServer *server;
  char               *url;
  char               *git_dir;
  char               *work_tree;
  char               *tag_oid;
  char               *pr_oid;
} Served;

static void
push_all (Served *served)
{
  forge_test_git (served->upstream, "push", "-q", "--force", served->bare,
                  "refs/heads/*:refs/heads/*", "refs/tags/*:refs/tags/*", NULL);
}

static void
served_set_up (Served     *served,
               const char *token)
{
  g_autofree char *root = NULL;

  served->tmp = g_dir_make_tmp ("forge-git-refs-XXXXXX", NULL);
  root = g_build_filename (served->tmp, "srv", NULL);
  served->upstream = forge_test_make_upstream (served->tmp, "upstream");

  forge_test_git (served->upstream, "tag", "v1.0", NULL);
  served->tag_oid = forge_test_git_rev_parse (served->upstream, "v1.0");
  forge_test_git_commit_file (served->upstream, "main.txt", "main 2\n");

  forge_test_git (served->upstream, "checkout", "-q", "-b", "feature/x", NULL);
  forge_test_git_commit_file (served->upstream, "docs/feature.txt", "feature\n");
  forge_test_git (served->upstream, "checkout", "-q", "-b", "pr-7", "main", NULL);
  forge_test_git_commit_file (served->upstream, "pr.txt", "pull request\n");
  served->pr_oid = forge_test_git_rev_parse (served->upstream, "HEAD");
  forge_test_git (served->upstream, "checkout", "-q", "main", NULL);

  served->bare = forge_test_make_bare (served->upstream, root, "owner/app.git");
  push_all (served);
  /* As GitHub keeps them: not a branch, only refs/pull/N/head. */
  forge_test_git (served->bare, "update-ref", "refs/pull/7/head", served->pr_oid, NULL);
  forge_test_git (served->bare, "branch", "-q", "-D", "pr-7", NULL);
  forge_test_git (served->upstream, "branch", "-q", "-D", "pr-7", NULL);

  served->server = forge_test_git_server_new (root, token);
  served->url = forge_test_git_server_dup_url (served->server, "owner/app.git");
  served->git_dir = g_build_filename (served->tmp, "ws", "git", NULL);
  served->work_tree = g_build_filename (served->tmp, "ws", "repo", NULL);
}

static void
served_tear_down (Served *served)
{
  g_clear_pointer (&served->server, forge_test_git_server_free);
  forge_test_rm_rf (served->tmp);
  g_free (served->tmp);
  g_free (served->upstream);
  g_free (served->bare);
  g_free (served->url);
  g_free (served->git_dir);
  g_free (served->work_tree);
  g_free (served->tag_oid);
  g_free (served->pr_oid);
}

static gboolean
file_exists (Served     *served,
             const char *relative)
{
  g_autofree char *path = g_build_filename (served->work_tree, relative, NULL);
  return g_file_test (path, G_FILE_TEST_EXISTS);
}

static void
assert_head (Served     *served,
             const char *oid,
             const char *ref)
{
  g_autofree char *head_oid = NULL;
  g_autofree char *head_ref = NULL;

  g_assert_true (forge_git_dup_head (served->git_dir, &head_oid, &head_ref));
  if (oid != NULL)
    g_assert_cmpstr (head_oid, ==, oid);
  g_assert_cmpstr (head_ref, ==, ref);
}

static gboolean
checkout (Served      *served,
          const char  *ref,
          const char  *token,
          GError     **error)
{
  return forge_git_clone_or_update_ref (served->url, ref, served->git_dir, served->work_tree, token,
                                        NULL, NULL, NULL, NULL, NULL, error);
}

static void
test_clone_refs (void)
{
  struct { const char *ref; const char *file; const char *absent; const char *head_ref; } cases[] = {
    { NULL, "main.txt", "pr.txt", "refs/heads/main" },
    { "refs/heads/feature/x", "docs/feature.txt", "pr.txt", "refs/heads/feature/x" },
    { "refs/tags/v1.0", "README.md", "main.txt", NULL },
    { "refs/pull/7/head", "pr.txt", "docs/feature.txt", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      Served served = { 0 };
      g_autoptr(GError) error = NULL;
      g_autofree char *oid = NULL;

      g_test_message ("clone %s", cases[i].ref);
      served_set_up (&served, NULL);
      g_assert_true (forge_git_clone_or_update_ref (served.url, cases[i].ref, served.git_dir, served.work_tree,
                                                    NULL, NULL, NULL, &oid, NULL, NULL, &error));
      g_assert_no_error (error);
      g_assert_true (file_exists (&served, cases[i].file));
      g_assert_false (file_exists (&served, cases[i].absent));
      g_assert_false (file_exists (&served, ".git"));
      assert_head (&served, oid, cases[i].head_ref);
      if (g_strcmp0 (cases[i].ref, "refs/tags/v1.0") == 0)
        g_assert_cmpstr (oid, ==, served.tag_oid);
      if (g_strcmp0 (cases[i].ref, "refs/pull/7/head") == 0)
        g_assert_cmpstr (oid, ==, served.pr_oid);

      /* Updating it again stays on the ref. */
      g_assert_true (checkout (&served, cases[i].ref, NULL, &error));
      g_assert_no_error (error);
      assert_head (&served, oid, cases[i].head_ref);
      served_tear_down (&served);
    }

  /* Refs the remote does not have: a clear error, nothing left behind. */
  {
    const char *missing[] = { "refs/heads/nope", "refs/tags/v9", "refs/pull/8/head" };

    for (guint i = 0; i < G_N_ELEMENTS (missing); i++)
      {
        Served served = { 0 };
        g_autoptr(GError) error = NULL;
        g_autofree char *ws = NULL;

        served_set_up (&served, NULL);
        g_assert_false (checkout (&served, missing[i], NULL, &error));
        g_test_message ("%s: %s", missing[i], error->message);
        g_assert_error (error, FORGE_GIT_ERROR, FORGE_GIT_ERROR_REF_NOT_FOUND);
        g_assert_null (strchr (error->message, '\n'));
        g_assert_false (g_file_test (served.git_dir, G_FILE_TEST_EXISTS));
        ws = g_path_get_dirname (served.git_dir);
        g_assert_cmpuint (forge_test_count_entries_with_prefix (ws, "git.partial-"), ==, 0);
        served_tear_down (&served);
      }
  }
}

static void
test_switch_ref (void)
{
  Served served = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *nm_file = NULL;
  g_autofree char *main_oid = NULL;

  served_set_up (&served, NULL);
  main_oid = forge_test_git_rev_parse (served.upstream, "main");
  g_assert_true (checkout (&served, NULL, NULL, &error));
  g_assert_no_error (error);

  nm_file = g_build_filename (served.work_tree, "node_modules", "pkg", "index.js", NULL);
  {
    g_autofree char *dir = g_path_get_dirname (nm_file);

    g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  }
  g_assert_true (g_file_set_contents (nm_file, "module.exports = 1;\n", -1, NULL));

  /* To a branch, a pull request, a tag and back to the default one:
   * node_modules comes along each time. */
  g_assert_true (checkout (&served, "refs/heads/feature/x", NULL, &error));
  g_assert_no_error (error);
  g_assert_true (file_exists (&served, "docs/feature.txt"));
  g_assert_true (g_file_test (nm_file, G_FILE_TEST_IS_REGULAR));
  assert_head (&served, NULL, "refs/heads/feature/x");

  g_assert_true (checkout (&served, "refs/pull/7/head", NULL, &error));
  g_assert_no_error (error);
  g_assert_true (file_exists (&served, "pr.txt"));
  g_assert_false (file_exists (&served, "docs/feature.txt"));
  g_assert_true (g_file_test (nm_file, G_FILE_TEST_IS_REGULAR));
  assert_head (&served, served.pr_oid, NULL);

  g_assert_true (checkout (&served, "refs/tags/v1.0", NULL, &error));
  g_assert_no_error (error);
  assert_head (&served, served.tag_oid, NULL);

  g_assert_true (checkout (&served, NULL, NULL, &error));
  g_assert_no_error (error);
  assert_head (&served, main_oid, "refs/heads/main");
  g_assert_true (g_file_test (nm_file, G_FILE_TEST_IS_REGULAR));
  g_assert_false (forge_git_work_tree_is_dirty (served.git_dir, served.work_tree, NULL, &error));
  g_assert_no_error (error);

  served_tear_down (&served);
}

static void
test_remote_branches (void)
{
  Served served = { 0 };
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) branches = NULL;
  g_autofree char *default_branch = NULL;
  struct { const char *path; const char *ref; const char *subdir; } cases[] = {
    { "main", "refs/heads/main", NULL },
    { "feature/x", "refs/heads/feature/x", NULL },
    { "feature/x/docs", "refs/heads/feature/x", "docs" },
    { "main/src/app", "refs/heads/main", "src/app" },
    { "v1.0/src", "refs/tags/v1.0", "src" },
  };

  served_set_up (&served, NULL);

  branches = forge_git_list_remote_branches (served.url, NULL, &default_branch, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (branches), ==, 2);
  g_assert_cmpstr (branches[0], ==, "feature/x");
  g_assert_cmpstr (branches[1], ==, "main");
  g_assert_cmpstr (default_branch, ==, "main");

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *ref = NULL;
      g_autofree char *subdir = NULL;

      g_assert_true (forge_git_resolve_tree_path (served.url, cases[i].path, NULL, &ref, &subdir, NULL, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (ref, ==, cases[i].ref);
      g_assert_cmpstr (subdir, ==, cases[i].subdir);
    }

  {
    g_autofree char *ref = NULL;
    g_autofree char *subdir = NULL;

    g_assert_false (forge_git_resolve_tree_path (served.url, "feature/y/docs", NULL, &ref, &subdir, NULL, &error));
    g_assert_error (error, FORGE_GIT_ERROR, FORGE_GIT_ERROR_REF_NOT_FOUND);
    g_clear_error (&error);
    g_assert_false (forge_git_resolve_tree_path (served.url, "main/../x", NULL, &ref, &subdir, NULL, &error));
    g_assert_error (error, FORGE_GIT_ERROR, FORGE_GIT_ERROR_INVALID_URL);
  }

  served_tear_down (&served);
}

static gboolean
pull (Served      *served,
      const char  *ref,
      const char  *token,
      gboolean    *updated,
      GError     **error)
{
  return forge_git_pull (served->url, ref, served->git_dir, served->work_tree, token,
                         NULL, NULL, NULL, updated, NULL, NULL, error);
}

static void
write_work_file (Served     *served,
                 const char *relative,
                 const char *contents)
{
  g_autofree char *path = g_build_filename (served->work_tree, relative, NULL);
  g_autofree char *dir = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_assert_true (g_file_set_contents (path, contents, -1, NULL));
}

static void
assert_pull_refused (Served *served,
                     int     code)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL;
  gboolean updated = TRUE;

  g_assert_true (forge_git_dup_head (served->git_dir, &before, NULL));
  g_assert_false (pull (served, NULL, NULL, &updated, &error));
  g_test_message ("refused: %s", error->message);
  g_assert_error (error, FORGE_GIT_ERROR, code);
  g_assert_null (strchr (error->message, '\n'));
  assert_head (served, before, "refs/heads/main");
}

static void
test_pull (void)
{
  Served served = { 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *remote_oid = NULL;
  g_autofree char *fifo = NULL;
  gboolean updated = FALSE;

  served_set_up (&served, NULL);

  /* Without a clone, a pull clones. */
  g_assert_true (pull (&served, NULL, NULL, &updated, &error));
  g_assert_no_error (error);
  g_assert_true (updated);

  /* What the sandbox leaves that is not the user's: node_modules and a
   * lockfile the install wrote. */
  write_work_file (&served, "node_modules/pkg/index.js", "module.exports = 1;\n");
  write_work_file (&served, "package-lock.json", "{}\n");
  g_assert_false (forge_git_work_tree_is_dirty (served.git_dir, served.work_tree, NULL, &error));
  g_assert_no_error (error);

  /* Up to date */
  g_assert_true (pull (&served, NULL, NULL, &updated, &error));
  g_assert_no_error (error);
  g_assert_false (updated);

  /* A fast-forward */
  forge_test_git_commit_file (served.upstream, "new.txt", "new\n");
  push_all (&served);
  remote_oid = forge_test_git_rev_parse (served.upstream, "main");
  g_assert_true (pull (&served, NULL, NULL, &updated, &error));
  g_assert_no_error (error);
  g_assert_true (updated);
  assert_head (&served, remote_oid, "refs/heads/main");
  g_assert_true (file_exists (&served, "new.txt"));
  g_assert_true (file_exists (&served, "node_modules/pkg/index.js"));

  /* Dirty: an edit, a new file, a deletion, a special file. */
  forge_test_git_commit_file (served.upstream, "later.txt", "later\n");
  push_all (&served);

  write_work_file (&served, "README.md", "edited\n");
  assert_pull_refused (&served, FORGE_GIT_ERROR_DIRTY);
  g_assert_true (forge_git_clone_or_update_ref (served.url, NULL, served.git_dir, served.work_tree, NULL,
                                            NULL, NULL, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (file_exists (&served, "later.txt"));
  g_assert_true (forge_test_file_has_content (served.work_tree, "README.md", "# Test\n"));
  g_assert_true (file_exists (&served, "node_modules/pkg/index.js"));

  write_work_file (&served, "src/added.js", "1;\n");
  assert_pull_refused (&served, FORGE_GIT_ERROR_DIRTY);
  g_assert_true (forge_git_clone_or_update_ref (served.url, NULL, served.git_dir, served.work_tree, NULL,
                                            NULL, NULL, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (file_exists (&served, "src/added.js"));

  {
    g_autofree char *readme = g_build_filename (served.work_tree, "README.md", NULL);
    g_assert_cmpint (g_unlink (readme), ==, 0);
    assert_pull_refused (&served, FORGE_GIT_ERROR_DIRTY);
    g_assert_true (forge_git_clone_or_update_ref (served.url, NULL, served.git_dir, served.work_tree, NULL,
                                              NULL, NULL, NULL, NULL, NULL, &error));
    g_assert_no_error (error);
  }

  /* A FIFO for a .gitignore would block whoever opens it. */
  fifo = g_build_filename (served.work_tree, "docs", ".gitignore", NULL);
  {
    g_autofree char *dir = g_path_get_dirname (fifo);

    g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  }
  g_assert_cmpint (mkfifo (fifo, 0644), ==, 0);
  assert_pull_refused (&served, FORGE_GIT_ERROR_DIRTY);
  g_assert_true (forge_git_clone_or_update_ref (served.url, NULL, served.git_dir, served.work_tree, NULL,
                                            NULL, NULL, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (fifo, G_FILE_TEST_EXISTS));

  /* Diverged: the remote's history was rewritten. */
  forge_test_git (served.upstream, "commit", "-q", "--amend", "-m", "rewritten", NULL);
  push_all (&served);
  g_free (remote_oid);
  remote_oid = forge_test_git_rev_parse (served.upstream, "main");
  assert_pull_refused (&served, FORGE_GIT_ERROR_DIVERGED);
  g_assert_true (forge_git_clone_or_update_ref (served.url, NULL, served.git_dir, served.work_tree, NULL,
                                            NULL, NULL, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  assert_head (&served, remote_oid, "refs/heads/main");
  g_assert_true (pull (&served, NULL, NULL, &updated, &error));
  g_assert_no_error (error);
  g_assert_false (updated);

  /* A pull on a branch follows that branch. */
  g_assert_true (checkout (&served, "refs/heads/feature/x", NULL, &error));
  g_assert_no_error (error);
  forge_test_git (served.upstream, "checkout", "-q", "feature/x", NULL);
  forge_test_git_commit_file (served.upstream, "docs/more.txt", "more\n");
  forge_test_git (served.upstream, "checkout", "-q", "main", NULL);
  push_all (&served);
  g_assert_true (pull (&served, "refs/heads/feature/x", NULL, &updated, &error));
  g_assert_no_error (error);
  g_assert_true (updated);
  g_assert_true (file_exists (&served, "docs/more.txt"));
  assert_head (&served, NULL, "refs/heads/feature/x");

  served_tear_down (&served);
}

static void
test_private_refs (void)
{
  const char *token = "tok-refs-5a1c93e0d2";
  Served served = { 0 };
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) branches = NULL;
  gboolean updated = FALSE;

  served_set_up (&served, token);

  branches = forge_git_list_remote_branches (served.url, NULL, NULL, NULL, &error);
  g_assert_null (branches);
  g_assert_error (error, FORGE_GIT_ERROR, FORGE_GIT_ERROR_AUTH_REQUIRED);
  g_clear_error (&error);
  branches = forge_git_list_remote_branches (served.url, "wrong-token", NULL, NULL, &error);
  g_assert_null (branches);
  g_assert_error (error, FORGE_GIT_ERROR, FORGE_GIT_ERROR_AUTH_REQUIRED);
  g_clear_error (&error);
  branches = forge_git_list_remote_branches (served.url, token, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (branches), ==, 2);

  g_assert_false (checkout (&served, "refs/pull/7/head", NULL, &error));
  g_assert_error (error, FORGE_GIT_ERROR, FORGE_GIT_ERROR_AUTH_REQUIRED);
  g_clear_error (&error);
  g_assert_false (checkout (&served, "refs/pull/7/head", "wrong-token", &error));
  g_assert_error (error, FORGE_GIT_ERROR, FORGE_GIT_ERROR_AUTH_REQUIRED);
  g_clear_error (&error);
  g_assert_true (checkout (&served, "refs/pull/7/head", token, &error));
  g_assert_no_error (error);
  g_assert_true (file_exists (&served, "pr.txt"));

  g_assert_true (checkout (&served, "refs/heads/main", token, &error));
  g_assert_no_error (error);
  forge_test_git_commit_file (served.upstream, "new.txt", "new\n");
  push_all (&served);
  g_assert_false (pull (&served, "refs/heads/main", "wrong-token", &updated, &error));
  g_assert_error (error, FORGE_GIT_ERROR, FORGE_GIT_ERROR_AUTH_REQUIRED);
  g_clear_error (&error);
  g_assert_true (pull (&served, "refs/heads/main", token, &updated, &error));
  g_assert_no_error (error);
  g_assert_true (updated);

  g_assert_false (forge_test_tree_contains (served.work_tree, token));
  g_assert_false (forge_test_tree_contains (served.git_dir, token));

  served_tear_down (&served);
}

int
main (int   argc,
      char *argv[])
{
  forge_test_git_isolate ();
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/git-refs/parse-repo-spec", test_parse_repo_spec);
  g_test_add_func ("/git-refs/clone-refs", test_clone_refs);
  g_test_add_func ("/git-refs/switch-ref", test_switch_ref);
  g_test_add_func ("/git-refs/remote-branches", test_remote_branches);
  g_test_add_func ("/git-refs/pull", test_pull);
  g_test_add_func ("/git-refs/private-refs", test_private_refs);

  return g_test_run ();
}
