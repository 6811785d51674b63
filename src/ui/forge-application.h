/* forge-application.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "forge-context.h"
#include "forge-project-store.h"
#include "forge-sandbox-manager.h"
#include "forge-workflow-engine.h"

G_BEGIN_DECLS

#define FORGE_TYPE_APPLICATION (forge_application_get_type ())

G_DECLARE_FINAL_TYPE (ForgeApplication, forge_application, FORGE, APPLICATION, AdwApplication)

ForgeApplication    *forge_application_new          (void);
GSettings           *forge_application_get_settings (ForgeApplication *self);
/* The core's objects: NULL before startup. */
ForgeContext        *forge_application_get_context  (ForgeApplication *self);
ForgeProjectStore   *forge_application_get_store    (ForgeApplication *self);
ForgeWorkflowEngine *forge_application_get_engine   (ForgeApplication *self);
ForgeSandboxManager *forge_application_get_manager  (ForgeApplication *self);

G_END_DECLS
