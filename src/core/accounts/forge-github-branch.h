/* forge-github-branch.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define FORGE_TYPE_GITHUB_BRANCH (forge_github_branch_get_type ())

G_DECLARE_FINAL_TYPE (ForgeGithubBranch, forge_github_branch, FORGE, GITHUB_BRANCH, GObject)

/* A branch of a repository (GET /repos/{owner}/{repo}/branches).
 * Immutable; read-only properties "name" and "sha". */

const char *forge_github_branch_get_name (ForgeGithubBranch *self);
/* The commit it points at: 40 (or 64) lower-case hex digits. */
const char *forge_github_branch_get_sha  (ForgeGithubBranch *self);

G_END_DECLS
