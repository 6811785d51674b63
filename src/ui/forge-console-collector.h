/* forge-console-collector.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <webkit/webkit.h>

#include "forge-console-entry.h"

G_BEGIN_DECLS

#define FORGE_TYPE_CONSOLE_COLLECTOR (forge_console_collector_get_type ())

G_DECLARE_FINAL_TYPE (ForgeConsoleCollector, forge_console_collector, FORGE, CONSOLE_COLLECTOR, GObject)

/* Makes every page of web views using @manager report what it logs as an
 * error or a warning, throws or rejects unhandled: each becomes an
 * ::entry (ForgeConsoleEntry). The page's own console is untouched. Both
 * the window's preview and headless `--load-page` use it. */
ForgeConsoleCollector *forge_console_collector_new (WebKitUserContentManager *manager);

G_END_DECLS
