/* forge-branch-dialog-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "forge-branch-dialog.h"

G_BEGIN_DECLS

/* Branches asked of GitHub per page (100 by default), and listed again:
 * for tests of the paging. */
void _forge_branch_dialog_set_per_page (ForgeBranchDialog *self,
                                        guint              per_page);

G_END_DECLS
