/* forge-headless.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* Makes what `--load-page` loads the preview in: a ForgePageProbe (see
 * src/ui/forge-page-probe.h; its signals carry plain strings), or NULL
 * with @error when it cannot (no display). The program passes it in, so
 * that headless runs without --load-page never touch GTK. */
typedef GObject *(*ForgeHeadlessPageProbeFactory) (GError **error);

gboolean forge_headless_requested (int                            argc,
                                   char                         **argv);
int      forge_headless_main      (int                            argc,
                                   char                         **argv,
                                   ForgeHeadlessPageProbeFactory  page_probe_factory);

G_END_DECLS
