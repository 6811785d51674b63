/* forge-preview-session-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "forge-clone-and-preview.h"
#include "forge-preview-session.h"
#include "forge-project-store.h"
#include "forge-sandbox-manager.h"
#include "forge-workflow-engine.h"

G_BEGIN_DECLS

/* For ForgeContext, which keeps one session per project. */
ForgePreviewSession *_forge_preview_session_new       (ForgeProject        *project,
                                                       ForgeProjectStore   *store,
                                                       ForgeWorkflowEngine *engine,
                                                       ForgeSandboxManager *manager);
/* Where pulls, resets and switches find this process's tokens. */
void                 _forge_preview_session_set_workflow (ForgePreviewSession  *self,
                                                          ForgeCloneAndPreview *workflow);
/* A run of the project started elsewhere (resumed at start-up, or the
 * manager's restart when @restart): its events become the session's. */
void                 _forge_preview_session_take_run  (ForgePreviewSession *self,
                                                       const char          *run_id,
                                                       gboolean             restart);

G_END_DECLS
