/* forge-run-env.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Shorter secret values are not masked: "1", "true" or "dev" would
 * blank out half of a log, and give nothing away. */
#define FORGE_RUN_ENV_MASK_MIN_LENGTH 4
#define FORGE_RUN_ENV_MASK            "••••"

/* What a run's commands get beside the framework's own: the project's
 * variables (secret ones with their values from the keyring), the
 * overrides of its install command, dev command and port, and headless
 * options for one process. Built on one thread, then only read (from
 * any thread: the sandbox's reader threads mask lines with it). Values
 * live in memory only: never a step output, an event or a log line. */
typedef struct _ForgeRunEnv ForgeRunEnv;

ForgeRunEnv  *forge_run_env_new                 (void);
ForgeRunEnv  *forge_run_env_ref                 (ForgeRunEnv        *self);
void          forge_run_env_unref               (ForgeRunEnv        *self);

/* Sets @name (replacing it, in place, when set already). A secret's
 * value is masked in output and never part of the digest. */
void          forge_run_env_set                 (ForgeRunEnv        *self,
                                                 const char         *name,
                                                 const char         *value,
                                                 gboolean            secret);
/* NULL or "" for the detected command; 0 for the sandbox's port. */
void          forge_run_env_set_install_command (ForgeRunEnv        *self,
                                                 const char         *command);
void          forge_run_env_set_dev_command     (ForgeRunEnv        *self,
                                                 const char         *command);
void          forge_run_env_set_dev_port        (ForgeRunEnv        *self,
                                                 guint               port);
/* @overrides' variables and commands over @self's (what headless gives
 * for one process, over the project's own). */
void          forge_run_env_merge               (ForgeRunEnv        *self,
                                                 ForgeRunEnv        *overrides);

const char   *forge_run_env_get_install_command (ForgeRunEnv        *self);
const char   *forge_run_env_get_dev_command     (ForgeRunEnv        *self);
guint         forge_run_env_get_dev_port        (ForgeRunEnv        *self);
guint         forge_run_env_get_n_variables     (ForgeRunEnv        *self);
gboolean      forge_run_env_is_empty            (ForgeRunEnv        *self);
/* The variables as "NAME=VALUE" entries, in the order they were set,
 * added to (and replacing the same names in) @envp, which is
 * consumed. */
char        **forge_run_env_apply               (ForgeRunEnv        *self,
                                                 char              **envp);
/* @text with every secret value (of FORGE_RUN_ENV_MASK_MIN_LENGTH bytes
 * or more) replaced by FORGE_RUN_ENV_MASK; a copy of @text when there is
 * none. NULL-safe on both. */
char         *forge_run_env_mask                (ForgeRunEnv        *self,
                                                 const char         *text);
/* Hex SHA-256 of the names, the plain values and the names of secret
 * ones: what an install stamp may record so that a change of the
 * variables installs again. Secret values are left out: what is on disk
 * must not be a way to guess them. */
char         *forge_run_env_dup_digest          (ForgeRunEnv        *self);

/* Hex SHA-256 of everything, secret values and commands included: to
 * compare in memory (has anything changed since a server started?),
 * never to be written anywhere. */
char         *forge_run_env_dup_signature       (ForgeRunEnv        *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ForgeRunEnv, forge_run_env_unref)

G_END_DECLS
