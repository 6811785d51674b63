/* forge-sandbox-manager-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "forge-sandbox-manager.h"

G_BEGIN_DECLS

/* For the restart benchmark, to measure against a new port at every
 * restart (what came before kept ports): when FALSE,
 * forge_sandbox_manager_ensure_preview_port() reserves nothing and
 * returns 0. TRUE by default. */
void _forge_sandbox_manager_set_keep_ports (ForgeSandboxManager *self,
                                            gboolean             keep_ports);

G_END_DECLS
