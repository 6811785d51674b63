/* forge-page-probe.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define FORGE_TYPE_PAGE_PROBE (forge_page_probe_get_type ())

G_DECLARE_FINAL_TYPE (ForgePageProbe, forge_page_probe, FORGE, PAGE_PROBE, GObject)

/* A preview with no window, for headless `--load-page`: loads a page in
 * an offscreen web view (its own ephemeral network session, the page
 * held to its origin: no other page, window, dialog, download or
 * permission) and reports what it logs and throws.
 *
 * Signals carry plain strings, so that the headless code, which knows no
 * GTK, can listen by name:
 * - ::console-message (level "error" or "warning", message, source, line)
 * - ::page-loaded (uri)
 * - ::page-failed (uri, message)
 *
 * Needs GTK initialised (a display). Setting #ForgePageProbe:uri loads. */
ForgePageProbe *forge_page_probe_new     (void);
const char     *forge_page_probe_get_uri (ForgePageProbe *self);
void            forge_page_probe_load    (ForgePageProbe *self,
                                          const char     *uri);

G_END_DECLS
