/* forge-launch-uri.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Opens @uri in the person's web browser (GtkUriLauncher where GTK has
 * it, gtk_show_uri_full() before 4.10). A failure other than a
 * cancellation is logged, naming @what ("GitHub’s sign-in page"). */
void _forge_launch_uri (GtkWindow    *parent,
                        const char   *uri,
                        GCancellable *cancellable,
                        const char   *what);

G_END_DECLS
