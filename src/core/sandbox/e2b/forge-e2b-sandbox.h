/* forge-e2b-sandbox.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "forge-e2b-api.h"
#include "forge-sandbox.h"

G_BEGIN_DECLS

/* Where the helpers uploaded with the work tree live inside, first on
 * the PATH of every command. */
#define FORGE_E2B_HELPER_DIR   FORGE_SANDBOX_HOME_DIR "/.forge/bin"
#define FORGE_E2B_ARCHIVE_PATH FORGE_SANDBOX_HOME_DIR "/.forge/repo.tar.gz"

#define FORGE_TYPE_E2B_SANDBOX (forge_e2b_sandbox_get_type ())

G_DECLARE_FINAL_TYPE (ForgeE2bSandbox, forge_e2b_sandbox, FORGE, E2B_SANDBOX, GObject)

/* An E2B sandbox that @api created or connected to (@info, copied):
 * commands through its envd, life through the control plane. "died"
 * comes on the thread-default main context of the caller. */
ForgeE2bSandbox *forge_e2b_sandbox_new              (ForgeE2bApi                *api,
                                                     const ForgeE2bSandboxInfo  *info);
/* The SHA-256 of the work tree last unpacked inside, or NULL. */
char            *forge_e2b_sandbox_dup_synced_hash  (ForgeE2bSandbox            *self);
/* The Node script uploaded as forge-static-server; also the static
 * server of the local backend's Flatpak host mode, whose host cannot run
 * the app's own (built against its runtime). */
const char      *forge_e2b_sandbox_get_static_server_script (void);

G_END_DECLS
