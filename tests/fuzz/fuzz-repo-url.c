/* fuzz-repo-url.c
 *
 * What a person types or pastes as a repository's address, and the refs
 * and folders projects.json and events carry: every parser of them in
 * src/core/git/ (and the GitHub host names Preferences and GH_HOST give)
 * on one string. Whatever it is, each answers or fails with a one-line
 * message; a URL that is accepted normalises to itself, carries no
 * password, and a ref that is accepted is one a spec can hold.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "forge-git.h"
#include "forge-github-host.h"
#include "forge-project.h"
#include "forge-util.h"
#include "fuzz-common.h"

static void
check_normalized (const char *url)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *again = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autofree char *host = NULL;
  g_autofree char *owner = NULL;
  g_autofree char *repo = NULL;

  g_assert (*url != '\0');
  g_assert (strpbrk (url, " \t\r\n") == NULL);

  /* Sessions normalise once and the store finds projects by the result:
   * normalising it again must not make another project. */
  again = forge_git_normalize_url (url, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (again, ==, url);

  uri = g_uri_parse (url, G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED, NULL);
  if (uri != NULL)
    g_assert (g_uri_get_password (uri) == NULL || *g_uri_get_password (uri) == '\0');

  host = forge_git_dup_host (url);
  if (forge_git_parse_owner_repo (url, &owner, &repo))
    g_assert (owner != NULL && repo != NULL);
}

static void
check_ref (const char *text)
{
  g_autofree char *display = forge_git_ref_dup_display_name (text);
  g_autofree char *branch_ref = forge_git_ref_for_branch (text);

  /* What people read: only the default branch has no name. */
  if (forge_git_ref_get_kind (text) != FORGE_GIT_REF_DEFAULT)
    g_assert (display != NULL);
  if (branch_ref != NULL)
    g_assert (forge_git_ref_is_valid (branch_ref));

  if (forge_git_ref_is_valid (text))
    {
      g_autoptr(ForgeRepoSpec) spec = forge_repo_spec_new ("https://example.com/o/r.git", text, NULL);
      g_autoptr(ForgeRepoSpec) copy = forge_repo_spec_copy (spec);

      g_assert_cmpstr (forge_repo_spec_get_ref (copy), ==, text);
      if (forge_repo_spec_get_ref_kind (spec) == FORGE_GIT_REF_PULL)
        g_assert_cmpuint (forge_repo_spec_get_pull_number (spec), >, 0);
    }

  if (forge_git_subdir_is_valid (text))
    {
      g_autoptr(ForgeRepoSpec) spec = forge_repo_spec_new ("https://example.com/o/r.git", NULL, text);

      g_assert_cmpstr (forge_repo_spec_get_subdir (spec), ==, text);
    }
}

static void
check_github_host (const char *text)
{
  g_autoptr(ForgeGithubHost) by_name = NULL;
  g_autoptr(ForgeGithubHost) by_api = NULL;
  g_autoptr(ForgeGithubHost) github = forge_github_host_new_default ();
  g_autoptr(GError) error = NULL;
  g_autofree char *owner = NULL;
  g_autofree char *repo = NULL;

  by_name = forge_github_host_new (text, NULL, &error);
  if (by_name == NULL)
    fuzz_assert_one_line (error->message);
  g_clear_error (&error);

  by_api = forge_github_host_new (NULL, text, &error);
  if (by_api == NULL)
    fuzz_assert_one_line (error->message);
  else
    g_assert (forge_github_host_get_name (by_api) != NULL);

  if (forge_github_host_parse_repository_url (github, text, &owner, &repo))
    g_assert (owner != NULL && *owner != '\0' && repo != NULL && *repo != '\0');
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = NULL;
  g_autofree char *url = NULL;
  g_autoptr(ForgeRepoSpec) spec = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *host = NULL;
  g_autofree char *owner = NULL;
  g_autofree char *repo = NULL;
  g_autofree char *display = NULL;
  g_autofree char *name = NULL;

  fuzz_setup ();

  text = fuzz_dup_string (data, size);
  if (text == NULL)
    return 0;

  url = forge_git_normalize_url (text, &error);
  if (url != NULL)
    check_normalized (url);
  else
    fuzz_assert_one_line (error->message);
  g_clear_error (&error);

  spec = forge_git_parse_repo_spec (text, &error);
  if (spec != NULL)
    {
      g_autoptr(ForgeRepoSpec) copy = forge_repo_spec_copy (spec);

      g_assert (forge_git_ref_is_valid (forge_repo_spec_get_ref (spec)));
      g_assert_cmpstr (forge_repo_spec_get_ref (copy), ==, forge_repo_spec_get_ref (spec));
      check_normalized (forge_repo_spec_get_url (spec));
    }
  else
    fuzz_assert_one_line (error->message);
  g_clear_error (&error);

  /* The same text as it reaches these from a project or an event. */
  host = forge_git_dup_host (text);
  if (forge_git_parse_owner_repo (text, &owner, &repo))
    g_assert (owner != NULL && repo != NULL);
  check_ref (text);
  check_github_host (text);

  display = forge_display_url (text);
  g_assert (display != NULL);
  name = forge_project_name_for_url (text);
  g_assert (name != NULL);

  for (ForgeGitError code = FORGE_GIT_ERROR_FAILED; code <= FORGE_GIT_ERROR_DIVERGED; code++)
    {
      g_autofree char *message = forge_git_dup_error_message (code, text, code % 2, "detail");

      g_assert (message != NULL);
    }

  return 0;
}
