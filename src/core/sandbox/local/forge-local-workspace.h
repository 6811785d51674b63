/* forge-local-workspace.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "forge-workspace.h"

G_BEGIN_DECLS

#define FORGE_TYPE_LOCAL_WORKSPACE (forge_local_workspace_get_type ())

G_DECLARE_FINAL_TYPE (ForgeLocalWorkspace, forge_local_workspace, FORGE, LOCAL_WORKSPACE, GObject)

/* The workspace of local sandboxes: the host's clone at @repo_dir, which
 * they bind read-write, read in place with forge-util's no-follow
 * readers. @repo_dir itself is trusted (the host made it). */
ForgeLocalWorkspace *forge_local_workspace_new      (const char          *repo_dir);
const char          *forge_local_workspace_get_root (ForgeLocalWorkspace *self);

G_END_DECLS
