/* forge-folder-workspace.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "forge-workspace.h"

G_BEGIN_DECLS

#define FORGE_TYPE_FOLDER_WORKSPACE (forge_folder_workspace_get_type ())

G_DECLARE_FINAL_TYPE (ForgeFolderWorkspace, forge_folder_workspace, FORGE, FOLDER_WORKSPACE, GObject)

/* One folder of @parent as a workspace of its own: a monorepo's package
 * is read as if it were a repository's root. Every path goes to @parent
 * with @folder before it, so @parent's rules hold for the folder too (a
 * symlink anywhere on the way, the folder's own included, is never
 * followed). @folder: relative, canonical (forge_git_subdir_is_valid()). */
ForgeWorkspace *forge_folder_workspace_new        (ForgeWorkspace       *parent,
                                                   const char           *folder);
const char     *forge_folder_workspace_get_folder (ForgeFolderWorkspace *self);

G_END_DECLS
