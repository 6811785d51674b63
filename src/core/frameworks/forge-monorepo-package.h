/* forge-monorepo-package.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "forge-framework.h"

G_BEGIN_DECLS

#define FORGE_TYPE_MONOREPO_PACKAGE (forge_monorepo_package_get_type ())

G_DECLARE_FINAL_TYPE (ForgeMonorepoPackage, forge_monorepo_package, FORGE, MONOREPO_PACKAGE, GObject)

/* One package of a monorepo's workspaces, as detection found it.
 * Immutable. */
ForgeMonorepoPackage *forge_monorepo_package_new           (const char           *folder,
                                                            const char           *name,
                                                            ForgeFramework       *framework);
/* Relative to the repository's root: "apps/web". */
const char           *forge_monorepo_package_get_folder    (ForgeMonorepoPackage *self);
/* Its package.json "name" when it is one a package manager can be given
 * on its command line, else NULL. */
const char           *forge_monorepo_package_get_name      (ForgeMonorepoPackage *self);
/* What detection found in its folder alone (its package manager is not
 * the workspace's), or NULL when nothing there runs. */
ForgeFramework       *forge_monorepo_package_get_framework (ForgeMonorepoPackage *self);
/* An app: a known web framework and a dev script to start it. A library
 * (no framework, or "vite build" as its only script) is not one. */
gboolean              forge_monorepo_package_is_app        (ForgeMonorepoPackage *self);
/* What people read: the name, else the folder. */
const char           *forge_monorepo_package_get_title     (ForgeMonorepoPackage *self);

G_END_DECLS
