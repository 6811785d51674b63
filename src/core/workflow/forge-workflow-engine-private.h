/* forge-workflow-engine-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "forge-workflow-engine.h"

G_BEGIN_DECLS

/* How many batches of step, progress and log events the engine delivered
 * on its context: tests check that a flood of lines makes few. */
guint _forge_workflow_engine_get_n_event_batches (ForgeWorkflowEngine *self);

G_END_DECLS
