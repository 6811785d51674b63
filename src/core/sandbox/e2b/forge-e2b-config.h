/* forge-e2b-config.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define FORGE_TYPE_E2B_CONFIG (forge_e2b_config_get_type ())

G_DECLARE_FINAL_TYPE (ForgeE2bConfig, forge_e2b_config, FORGE, E2B_CONFIG, GObject)

/* Where E2B is reached and with which key, resolved once from an
 * environment as the official SDK's connectionConfig.ts does (see
 * README.md in this folder for the table), except that debug mode still
 * goes through the control plane so that a local stand-in serves every
 * call.
 *
 *   E2B_API_KEY     used only when no key is passed in
 *   E2B_DOMAIN      default "e2b.app"
 *   E2B_API_URL     the whole API base; else https://api.$E2B_DOMAIN,
 *                   or http://localhost:3000 in debug mode
 *   E2B_SANDBOX_URL envd for every sandbox; else https://49983-$ID.$DOMAIN,
 *                   or http://localhost:49983 in debug mode
 *   E2B_DEBUG       "true" (any case) for debug mode
 *   E2B_FULLSTACK_TEMPLATE_ID  the template, before a project's own
 *
 * Empty variables count as unset. Trailing slashes are dropped from the
 * URLs. The object is immutable, so it may be shared between threads.
 *
 * The API key is not a property, so that no property dump, GtkInspector
 * or notify handler ever shows it. */

#define FORGE_E2B_DEFAULT_DOMAIN    "e2b.app"
#define FORGE_E2B_DEFAULT_TEMPLATE  "base"
#define FORGE_E2B_ENVD_PORT         49983

/* envp: an environment such as g_get_environ() returns (NULL for an empty
 * one); it is read here and not kept. api_key: the key from the keyring,
 * or NULL/"" to use E2B_API_KEY from envp. */
ForgeE2bConfig *forge_e2b_config_new              (const char * const *envp,
                                                   const char         *api_key);

/* NULL when there is no key at all (then API calls fail with
 * FORGE_E2B_ERROR_NO_API_KEY). Never log it. */
const char     *forge_e2b_config_get_api_key      (ForgeE2bConfig     *self);
gboolean        forge_e2b_config_has_api_key      (ForgeE2bConfig     *self);

gboolean        forge_e2b_config_is_debug         (ForgeE2bConfig     *self);
/* The configured domain: E2B_DOMAIN or "e2b.app". */
const char     *forge_e2b_config_get_domain       (ForgeE2bConfig     *self);
/* The control plane's base, without a trailing slash. */
const char     *forge_e2b_config_get_api_url      (ForgeE2bConfig     *self);

/* envd of a sandbox, without a trailing slash. domain is the sandbox's own
 * (from the create response); NULL or "" means the configured one. */
char           *forge_e2b_config_dup_envd_url     (ForgeE2bConfig     *self,
                                                   const char         *sandbox_id,
                                                   const char         *domain);
/* Where a port of a sandbox is served, without a trailing slash. */
char           *forge_e2b_config_dup_port_url     (ForgeE2bConfig     *self,
                                                   guint               port,
                                                   const char         *sandbox_id,
                                                   const char         *domain);

/* The template to create a project's sandbox from:
 * E2B_FULLSTACK_TEMPLATE_ID, else project_setting (NULL or "" for none),
 * else "base". */
const char     *forge_e2b_config_resolve_template  (ForgeE2bConfig     *self,
                                                   const char         *project_setting);

G_END_DECLS
