/* forge-local-sandbox.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "forge-sandbox.h"

G_BEGIN_DECLS

#define FORGE_TYPE_LOCAL_SANDBOX (forge_local_sandbox_get_type ())

G_DECLARE_FINAL_TYPE (ForgeLocalSandbox, forge_local_sandbox, FORGE, LOCAL_SANDBOX, GObject)

/* A sandbox made of bubblewrap containers on this computer: every command
 * is its own bwrap (own PID namespace) sharing @repo_dir (read-write at
 * FORGE_SANDBOX_REPO_DIR) and @home_dir (at FORGE_SANDBOX_HOME_DIR; keep
 * it between runs so the npm cache stays warm). The network is shared with
 * the host, so servers inside are reachable on 127.0.0.1.
 * @timeout_seconds: 0 for no time limit. */
ForgeLocalSandbox *forge_local_sandbox_new (const char  *repo_dir,
                                            const char  *home_dir,
                                            guint        timeout_seconds,
                                            GError     **error);

G_END_DECLS
