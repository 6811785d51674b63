/* forge-local-preview-urls.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "forge-sandbox.h"

G_BEGIN_DECLS

/* ForgeLocalSandbox's forge_sandbox_dup_preview_urls(). */
char **_forge_local_sandbox_dup_preview_urls (ForgeSandbox *sandbox,
                                              const char   *authority,
                                              const char   *url);

G_END_DECLS
