/* watchdog.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Hostile repositories: a read that blocks (a FIFO) would hang the test
 * run instead of failing it, so such calls run under a watchdog that
 * fails the test and exits when they do not return in time. */
typedef struct
{
  GMutex      mutex;
  GCond       cond;
  gboolean    done;
  GThread    *thread;
  const char *what;
} ForgeTestWatchdog;

#define FORGE_TEST_WATCHDOG_SECONDS 10

/* @what: what blocked, for the failure message. */
void forge_test_watchdog_start (ForgeTestWatchdog *watchdog,
                                const char        *what);
void forge_test_watchdog_stop  (ForgeTestWatchdog *watchdog);

G_END_DECLS
