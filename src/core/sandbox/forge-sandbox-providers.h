/* forge-sandbox-providers.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "forge-sandbox-provider.h"

G_BEGIN_DECLS

#define FORGE_TYPE_SANDBOX_PROVIDERS (forge_sandbox_providers_get_type ())

G_DECLARE_FINAL_TYPE (ForgeSandboxProviders, forge_sandbox_providers, FORGE, SANDBOX_PROVIDERS, GObject)

/* The sandbox backends this process knows, by name: what a project's
 * "backend" and --backend NAME are looked up in. Any thread: workflow
 * steps look providers up on their workers. */
ForgeSandboxProviders *forge_sandbox_providers_new       (void);
/* Adds @provider under its name, replacing one of the same name. */
void                   forge_sandbox_providers_add       (ForgeSandboxProviders  *self,
                                                          ForgeSandboxProvider   *provider);
/* The provider called @name (a new reference), or NULL with a one-line
 * G_IO_ERROR_NOT_FOUND that lists the known names. */
ForgeSandboxProvider  *forge_sandbox_providers_lookup    (ForgeSandboxProviders  *self,
                                                          const char             *name,
                                                          GError                **error);
/* The known names, sorted. */
char                 **forge_sandbox_providers_dup_names (ForgeSandboxProviders  *self);

G_END_DECLS
