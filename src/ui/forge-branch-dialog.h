/* forge-branch-dialog.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "forge-github-host.h"

G_BEGIN_DECLS

#define FORGE_TYPE_BRANCH_DIALOG (forge_branch_dialog_get_type ())

G_DECLARE_FINAL_TYPE (ForgeBranchDialog, forge_branch_dialog, FORGE, BRANCH_DIALOG, AdwWindow)

/* Lists the branches of the repository at @url, with the keyring's token
 * for its host: from @github's API when the repository is there, else
 * from the remote itself (git's ls-remote). The one of @current_ref is
 * marked; "switch" (with the chosen branch's ref, "refs/heads/NAME")
 * when the person picks another. */
GtkWidget *forge_branch_dialog_new (GtkWindow       *parent,
                                    const char      *url,
                                    const char      *current_ref,
                                    ForgeGithubHost *github);

G_END_DECLS
