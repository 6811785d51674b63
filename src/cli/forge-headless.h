/* forge-headless.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean forge_headless_requested (int    argc,
                                   char **argv);
int      forge_headless_main      (int    argc,
                                   char **argv);

G_END_DECLS
