/* forge-repo-spec.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-git"

#include "config.h"

#include <string.h>

#include <git2.h>

#include "forge-repo-spec.h"

/* Longer names are refused: GitHub's own limit is 255 bytes, and every
 * name ends up in a path, a log line and projects.json. */
#define MAX_REF_NAME 255
#define MAX_SUBDIR   1024

struct _ForgeRepoSpec
{
  char *url;
  char *ref;
  char *name;   /* see forge_repo_spec_get_ref_name() */
  char *subdir;
};

G_DEFINE_BOXED_TYPE (ForgeRepoSpec, forge_repo_spec, forge_repo_spec_copy, forge_repo_spec_free)

static void
ensure_libgit2 (void)
{
  static gsize initialized = 0;

  /* git_reference_name_is_valid() allocates through libgit2's allocator,
   * which only git_libgit2_init() sets up. */
  if (g_once_init_enter (&initialized))
    {
      git_libgit2_init ();
      g_once_init_leave (&initialized, 1);
    }
}

static gboolean
is_pull_number (const char *s)
{
  gsize len = s != NULL ? strlen (s) : 0;

  if (len == 0 || len > 9 || s[0] == '0')
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isdigit (s[i]))
      return FALSE;
  return TRUE;
}

/* A branch or tag name as git allows it, minus what could be mistaken
 * for an option or breaks a one-line message. */
static gboolean
is_valid_short_name (const char *prefix,
                     const char *name)
{
  g_autofree char *full = NULL;
  int valid = 0;

  if (name == NULL || *name == '\0' || strlen (name) > MAX_REF_NAME || name[0] == '-')
    return FALSE;
  if (!g_utf8_validate (name, -1, NULL))
    return FALSE;
  for (const char *p = name; *p; p++)
    if (g_ascii_iscntrl (*p) || *p == ' ')
      return FALSE;

  ensure_libgit2 ();
  full = g_strconcat (prefix, name, NULL);
  return git_reference_name_is_valid (&valid, full) == 0 && valid;
}

gboolean
forge_git_subdir_is_valid (const char *path)
{
  g_auto(GStrv) segments = NULL;

  if (path == NULL || *path == '\0' || strlen (path) > MAX_SUBDIR || path[0] == '/')
    return FALSE;
  if (!g_utf8_validate (path, -1, NULL) || strchr (path, '\\') != NULL)
    return FALSE;
  for (const char *p = path; *p; p++)
    if (g_ascii_iscntrl (*p))
      return FALSE;

  segments = g_strsplit (path, "/", -1);
  for (guint i = 0; segments[i] != NULL; i++)
    {
      if (*segments[i] == '\0' || g_str_equal (segments[i], ".") || g_str_equal (segments[i], "..") ||
          g_ascii_strcasecmp (segments[i], ".git") == 0)
        return FALSE;
    }

  return TRUE;
}

ForgeGitRefKind
forge_git_ref_get_kind (const char *ref)
{
  if (ref == NULL)
    return FORGE_GIT_REF_DEFAULT;
  if (g_str_has_prefix (ref, "refs/heads/"))
    return FORGE_GIT_REF_BRANCH;
  if (g_str_has_prefix (ref, "refs/tags/"))
    return FORGE_GIT_REF_TAG;
  if (g_str_has_prefix (ref, "refs/pull/"))
    return FORGE_GIT_REF_PULL;
  if (g_str_has_prefix (ref, FORGE_GIT_REF_TREE_PREFIX))
    return FORGE_GIT_REF_TREE;
  return FORGE_GIT_REF_DEFAULT;
}

gboolean
forge_git_ref_is_valid (const char *ref)
{
  if (ref == NULL)
    return TRUE;

  if (g_str_has_prefix (ref, "refs/heads/"))
    return is_valid_short_name ("refs/heads/", ref + strlen ("refs/heads/"));
  if (g_str_has_prefix (ref, "refs/tags/"))
    return is_valid_short_name ("refs/tags/", ref + strlen ("refs/tags/"));
  /* "refs/pull/head" has both, overlapping: no number at all. */
  if (g_str_has_prefix (ref, "refs/pull/") && g_str_has_suffix (ref, "/head") &&
      strlen (ref) > strlen ("refs/pull/") + strlen ("/head"))
    {
      g_autofree char *number = g_strndup (ref + strlen ("refs/pull/"),
                                           strlen (ref) - strlen ("refs/pull/") - strlen ("/head"));
      return is_pull_number (number);
    }
  if (g_str_has_prefix (ref, FORGE_GIT_REF_TREE_PREFIX))
    {
      const char *path = ref + strlen (FORGE_GIT_REF_TREE_PREFIX);

      /* Some prefix of it will be a branch, the rest a folder: each
       * part's rules apply to the whole. */
      return forge_git_subdir_is_valid (path) && is_valid_short_name ("refs/heads/", path);
    }

  return FALSE;
}

char *
forge_git_ref_for_branch (const char *branch)
{
  if (!is_valid_short_name ("refs/heads/", branch))
    return NULL;
  return g_strconcat ("refs/heads/", branch, NULL);
}

char *
forge_git_ref_dup_display_name (const char *ref)
{
  switch (forge_git_ref_get_kind (ref))
    {
    case FORGE_GIT_REF_BRANCH:
      return g_strdup (ref + strlen ("refs/heads/"));
    case FORGE_GIT_REF_TAG:
      return g_strdup (ref + strlen ("refs/tags/"));
    case FORGE_GIT_REF_PULL:
      return g_strdup_printf ("#%.*s", (int) (strlen (ref) - strlen ("refs/pull/") - strlen ("/head")),
                              ref + strlen ("refs/pull/"));
    case FORGE_GIT_REF_TREE:
      return g_strdup (ref + strlen (FORGE_GIT_REF_TREE_PREFIX));
    case FORGE_GIT_REF_DEFAULT:
    default:
      return NULL;
    }
}

ForgeRepoSpec *
forge_repo_spec_new (const char *url,
                     const char *ref,
                     const char *subdir)
{
  ForgeRepoSpec *self;

  g_return_val_if_fail (url != NULL, NULL);
  g_return_val_if_fail (forge_git_ref_is_valid (ref), NULL);
  g_return_val_if_fail (subdir == NULL || forge_git_subdir_is_valid (subdir), NULL);

  self = g_new0 (ForgeRepoSpec, 1);
  self->url = g_strdup (url);
  self->ref = g_strdup (ref);
  self->subdir = g_strdup (subdir);
  if (forge_git_ref_get_kind (ref) == FORGE_GIT_REF_PULL)
    self->name = g_strndup (ref + strlen ("refs/pull/"), strlen (ref) - strlen ("refs/pull/") - strlen ("/head"));
  else
    self->name = forge_git_ref_dup_display_name (ref);
  return self;
}

ForgeRepoSpec *
forge_repo_spec_copy (ForgeRepoSpec *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return forge_repo_spec_new (self->url, self->ref, self->subdir);
}

void
forge_repo_spec_free (ForgeRepoSpec *self)
{
  if (self == NULL)
    return;
  g_free (self->url);
  g_free (self->ref);
  g_free (self->name);
  g_free (self->subdir);
  g_free (self);
}

const char *
forge_repo_spec_get_url (ForgeRepoSpec *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->url;
}

const char *
forge_repo_spec_get_ref (ForgeRepoSpec *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->ref;
}

ForgeGitRefKind
forge_repo_spec_get_ref_kind (ForgeRepoSpec *self)
{
  g_return_val_if_fail (self != NULL, FORGE_GIT_REF_DEFAULT);
  return forge_git_ref_get_kind (self->ref);
}

const char *
forge_repo_spec_get_ref_name (ForgeRepoSpec *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->name;
}

guint
forge_repo_spec_get_pull_number (ForgeRepoSpec *self)
{
  g_return_val_if_fail (self != NULL, 0);

  if (forge_git_ref_get_kind (self->ref) != FORGE_GIT_REF_PULL)
    return 0;
  return (guint) g_ascii_strtoull (self->ref + strlen ("refs/pull/"), NULL, 10);
}

const char *
forge_repo_spec_get_subdir (ForgeRepoSpec *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->subdir;
}
