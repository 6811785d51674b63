/* forge-project-view-private.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <adwaita.h>

#include "forge-project-view.h"

G_BEGIN_DECLS

/* For tests: what each page shows. */

/* The status page of "preparing", "failed", "stopped" or "gave-up". */
AdwStatusPage *forge_project_view_get_status_page      (ForgeProjectView *self,
                                                        const char       *name);
/* The preparing page's last log line and time so far. */
GtkLabel      *forge_project_view_get_preparing_detail (ForgeProjectView *self);
GtkLabel      *forge_project_view_get_elapsed_label    (ForgeProjectView *self);
/* The failed page's log tail. */
GtkLabel      *forge_project_view_get_log_tail_label   (ForgeProjectView *self);

G_END_DECLS
