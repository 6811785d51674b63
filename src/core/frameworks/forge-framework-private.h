/* forge-framework-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "forge-framework.h"

G_BEGIN_DECLS

/* Detection of one folder as a project of its own (its package.json,
 * lockfiles and config files), without looking for workspaces: what
 * forge_framework_detect() did before monorepos, and what a monorepo's
 * packages are looked at with. */
ForgeFramework *_forge_framework_detect_single (ForgeWorkspace  *workspace,
                                                GError         **error);

/* Whether @name (a package.json "name") can be put on a package
 * manager's command line: npm's rules, and never an option. */
gboolean        _forge_framework_package_name_is_usable (const char *name);

G_END_DECLS
