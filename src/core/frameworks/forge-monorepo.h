/* forge-monorepo.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "forge-monorepo-package.h"
#include "forge-workspace.h"

G_BEGIN_DECLS

/* A repository holds at most this many packages as far as detection is
 * concerned; the others are not looked at. */
#define FORGE_MONOREPO_MAX_PACKAGES 200

#define FORGE_TYPE_MONOREPO (forge_monorepo_get_type ())

G_DECLARE_FINAL_TYPE (ForgeMonorepo, forge_monorepo, FORGE, MONOREPO, GObject)

/* The packages of a repository whose root declares workspaces:
 * package.json "workspaces" (npm, yarn, bun), pnpm-workspace.yaml,
 * lerna.json "packages", or turbo.json / nx.json alone (every folder
 * in their usual "apps" and "packages"). Globs take the common forms: a
 * star for any folder at one level, two stars for zero to three levels,
 * stars within a name ("app-" and a star), explicit folders, and
 * "!folder" to leave some out. Everything is read through @workspace,
 * bounded: a folder that is a symlink is never entered, and the search
 * stops at FORGE_MONOREPO_MAX_PACKAGES packages or a few hundred folders
 * looked into. Blocking: call from a worker thread. NULL when the root
 * declares no workspaces. */
ForgeMonorepo        *forge_monorepo_detect           (ForgeWorkspace *workspace);

/* Where the list came from: "pnpm", "workspaces", "lerna", "nx" or
 * "turbo". */
const char           *forge_monorepo_get_kind         (ForgeMonorepo  *self);
/* Every package found (a folder with a package.json), by folder:
 * ForgeMonorepoPackage items. */
GListModel           *forge_monorepo_get_packages     (ForgeMonorepo  *self);
/* The packages that are apps (forge_monorepo_package_is_app()), by
 * folder: a new list. */
GListModel           *forge_monorepo_dup_apps         (ForgeMonorepo  *self);
ForgeMonorepoPackage *forge_monorepo_lookup           (ForgeMonorepo  *self,
                                                       const char     *folder);
/* Whether a bound cut the search short. */
gboolean              forge_monorepo_is_truncated     (ForgeMonorepo  *self);

G_END_DECLS
