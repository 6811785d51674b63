/* forge-run-info-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "forge-run-info.h"

G_BEGIN_DECLS

/* Built by forge_run_journal_dup_info(). */
ForgeStepInfo *_forge_step_info_new (const char     *step_id,
                                     ForgeStepState  state,
                                     guint           attempt,
                                     gint64          started_at,
                                     gint64          duration_ms,
                                     gboolean        will_retry,
                                     const char     *error_message,
                                     const char     *error_log_tail);
/* steps: ForgeStepInfo *, in order; the run info holds its own references. */
ForgeRunInfo  *_forge_run_info_new  (const char     *run_id,
                                     const char     *function_id,
                                     ForgeRunStatus  status,
                                     JsonNode       *event_data,
                                     gint64          created_at,
                                     gint64          finished_at,
                                     guint           attempts,
                                     const char     *error_message,
                                     const char     *error_log_tail,
                                     GPtrArray      *steps);

G_END_DECLS
