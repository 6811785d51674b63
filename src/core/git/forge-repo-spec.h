/* forge-repo-spec.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* Which commit of a repository a project shows. */
typedef enum
{
  /* The remote's default branch (for an existing clone: the branch it
   * is on). */
  FORGE_GIT_REF_DEFAULT,
  FORGE_GIT_REF_BRANCH,
  FORGE_GIT_REF_TAG,
  /* A pull request's head: refs/pull/N/head. */
  FORGE_GIT_REF_PULL,
  /* "BRANCH[/SUBDIR]" from a /tree/ address whose split is not known
   * yet: the clone resolves it against the remote's branches and tags
   * (forge_git_resolve_tree_path()). */
  FORGE_GIT_REF_TREE,
} ForgeGitRefKind;

/* Refs as projects store them (projects.json "git_ref"), in events and
 * in the git API: NULL for the default branch, else "refs/heads/NAME",
 * "refs/tags/NAME", "refs/pull/N/head", or "tree:PATH" until resolved. */
#define FORGE_GIT_REF_TREE_PREFIX "tree:"

ForgeGitRefKind  forge_git_ref_get_kind            (const char *ref);
/* What people read: "main", "v1.0", "#7"; NULL for the default branch. */
char            *forge_git_ref_dup_display_name    (const char *ref);
/* Whether ref is NULL or one of the forms above with a valid name. */
gboolean         forge_git_ref_is_valid            (const char *ref);
/* "refs/heads/NAME" for a valid branch name, else NULL. */
char            *forge_git_ref_for_branch          (const char *branch);
/* Whether path is relative, in canonical form ("a/b": no "", ".", ".."
 * segment, no backslash, no control character) and short enough. */
gboolean         forge_git_subdir_is_valid         (const char *path);

#define FORGE_TYPE_REPO_SPEC (forge_repo_spec_get_type ())

/* What a repository address names: the URL to clone, a ref and a
 * subdirectory (see forge_git_parse_repo_spec()). Immutable. */
typedef struct _ForgeRepoSpec ForgeRepoSpec;

GType            forge_repo_spec_get_type          (void) G_GNUC_CONST;
/* ref: as above; subdir: NULL or valid (forge_git_subdir_is_valid()). */
ForgeRepoSpec   *forge_repo_spec_new               (const char    *url,
                                                    const char    *ref,
                                                    const char    *subdir);
ForgeRepoSpec   *forge_repo_spec_copy              (ForgeRepoSpec *self);
void             forge_repo_spec_free              (ForgeRepoSpec *self);
const char      *forge_repo_spec_get_url           (ForgeRepoSpec *self);
/* NULL for the default branch. */
const char      *forge_repo_spec_get_ref           (ForgeRepoSpec *self);
ForgeGitRefKind  forge_repo_spec_get_ref_kind      (ForgeRepoSpec *self);
/* The branch or tag name, the tree path, or the pull request's number
 * as text; NULL for the default branch. */
const char      *forge_repo_spec_get_ref_name      (ForgeRepoSpec *self);
/* The pull request's number, 0 for other kinds. */
guint            forge_repo_spec_get_pull_number   (ForgeRepoSpec *self);
/* NULL or a relative path in the repository. */
const char      *forge_repo_spec_get_subdir        (ForgeRepoSpec *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ForgeRepoSpec, forge_repo_spec_free)

G_END_DECLS
