/* forge-local-provider.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "forge-sandbox-provider.h"

G_BEGIN_DECLS

#define FORGE_LOCAL_PROVIDER_NAME "local"

#define FORGE_TYPE_LOCAL_PROVIDER (forge_local_provider_get_type ())

G_DECLARE_FINAL_TYPE (ForgeLocalProvider, forge_local_provider, FORGE, LOCAL_PROVIDER, GObject)

/* The "local" backend: ForgeLocalSandbox (bubblewrap on this computer)
 * with the project's home and npm cache from its workspace, and npm's
 * content store shared between projects unless the project may be
 * private. */
ForgeLocalProvider *forge_local_provider_new                (void);
/* Runs new sandboxes on the host's network even where each could have
 * its own (for benchmarks that compare the two). Any thread. */
void                forge_local_provider_set_shared_network (ForgeLocalProvider *self,
                                                             gboolean            shared);
/* Inside Flatpak, runs new sandboxes in bubblewrap on the host rather
 * than in the portal's sub-sandbox (the "flatpak-host-sandbox" setting).
 * Any thread. */
void                forge_local_provider_set_flatpak_host   (ForgeLocalProvider *self,
                                                             gboolean            host);

G_END_DECLS
