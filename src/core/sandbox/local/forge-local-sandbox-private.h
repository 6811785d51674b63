/* forge-local-sandbox-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "forge-cgroup.h"
#include "forge-flatpak.h"
#include "forge-local-sandbox.h"

G_BEGIN_DECLS

/* The command line that would run @argv, as if inside Flatpak or not. */
char **_forge_local_sandbox_dup_command_line (ForgeLocalSandbox  *self,
                                              gboolean            in_flatpak,
                                              const char * const *argv);

/* How its commands run: inside Flatpak or not, and how. */
ForgeFlatpakMode _forge_local_sandbox_get_flatpak_mode (ForgeLocalSandbox *self);

/* forge_local_sandbox_set_limits() in @cgroup (NULL: one it finds). */
void   _forge_local_sandbox_set_limits_in_cgroup (ForgeLocalSandbox        *self,
                                                  const ForgeSandboxLimits *limits,
                                                  ForgeCgroup              *cgroup);

G_END_DECLS
