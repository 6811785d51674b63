/* git-test-util.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Test helpers around the git CLI, for tests that need real repositories. */

/* Points HOME at a private temp dir (removed at exit) and keeps the system
 * git config out. Call first in main(), before any thread starts. */
void      forge_test_git_isolate              (void);
/* Runs git with argv (NULL-terminated) in dir; asserts it succeeds. */
void      forge_test_git                      (const char  *dir,
                                               ...) G_GNUC_NULL_TERMINATED;
/* The same, and what git printed on stdout. */
char     *forge_test_git_output               (const char  *dir,
                                               ...) G_GNUC_NULL_TERMINATED;
/* parent/name: a repository on branch main with one commit (README.md). */
char     *forge_test_make_upstream            (const char  *parent,
                                               const char  *name);
void      forge_test_git_commit_file          (const char  *repo,
                                               const char  *path,
                                               const char  *contents);
char     *forge_test_git_rev_parse            (const char  *repo,
                                               const char  *rev);
/* A bare clone of upstream at root/relpath (for the HTTP server). */
char     *forge_test_make_bare                (const char  *upstream,
                                               const char  *root,
                                               const char  *relpath);
void      forge_test_git_push_bare            (const char  *upstream,
                                               const char  *bare);
/* TRUE if any file under dir (recursively, .git included) contains text. */
gboolean  forge_test_tree_contains            (const char  *dir,
                                               const char  *text);
guint     forge_test_count_entries_with_prefix (const char *dir,
                                               const char  *prefix);
gboolean  forge_test_file_has_content         (const char  *dir,
                                               const char  *name,
                                               const char  *contents);
void      forge_test_rm_rf                    (const char  *path);

G_END_DECLS
