/* forge-e2b-config.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "forge-e2b"

#include "config.h"

#include <string.h>

#include "forge-e2b-config.h"

struct _ForgeE2bConfig
{
  GObject   parent_instance;

  char     *api_key;
  gboolean  debug;
  char     *domain;
  char     *api_url;
  char     *sandbox_url;     /* E2B_SANDBOX_URL, or NULL */
  char     *template_id;     /* E2B_FULLSTACK_TEMPLATE_ID, or NULL */
};

enum {
  PROP_0,
  PROP_DEBUG,
  PROP_DOMAIN,
  PROP_API_URL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (ForgeE2bConfig, forge_e2b_config, G_TYPE_OBJECT)

/* Empty counts as unset, as in the SDK (`getEnvVar(…) || default`). */
static const char *
env_get (const char * const *envp,
         const char         *name)
{
  const char *value = g_environ_getenv ((char **) envp, name);

  return value != NULL && *value != '\0' ? value : NULL;
}

static char *
strip_trailing_slashes (const char *url)
{
  char *copy = g_strdup (url);
  gsize len = strlen (copy);

  /* "http://host/" and "http://host" are the same base; paths are
   * appended with their own leading slash. */
  while (len > 0 && copy[len - 1] == '/')
    copy[--len] = '\0';

  return copy;
}

ForgeE2bConfig *
forge_e2b_config_new (const char * const *envp,
                      const char         *api_key)
{
  ForgeE2bConfig *self = g_object_new (FORGE_TYPE_E2B_CONFIG, NULL);
  const char *debug = env_get (envp, "E2B_DEBUG");
  const char *api_url = env_get (envp, "E2B_API_URL");
  const char *sandbox_url = env_get (envp, "E2B_SANDBOX_URL");

  if (api_key == NULL || *api_key == '\0')
    api_key = env_get (envp, "E2B_API_KEY");
  self->api_key = g_strdup (api_key);

  /* As the SDK: `E2B_DEBUG?.toLowerCase() === 'true'`. */
  self->debug = debug != NULL && g_ascii_strcasecmp (debug, "true") == 0;

  self->domain = g_strdup (env_get (envp, "E2B_DOMAIN") != NULL ? env_get (envp, "E2B_DOMAIN") : FORGE_E2B_DEFAULT_DOMAIN);

  if (api_url != NULL)
    self->api_url = strip_trailing_slashes (api_url);
  else if (self->debug)
    self->api_url = g_strdup ("http://localhost:3000");
  else
    self->api_url = g_strdup_printf ("https://api.%s", self->domain);

  if (sandbox_url != NULL)
    self->sandbox_url = strip_trailing_slashes (sandbox_url);

  self->template_id = g_strdup (env_get (envp, "E2B_FULLSTACK_TEMPLATE_ID"));

  return self;
}

static void
forge_e2b_config_finalize (GObject *object)
{
  ForgeE2bConfig *self = FORGE_E2B_CONFIG (object);

  /* Wiped, not only freed: freed memory is read by the next allocation. */
  if (self->api_key != NULL)
    memset (self->api_key, 0, strlen (self->api_key));
  g_clear_pointer (&self->api_key, g_free);
  g_clear_pointer (&self->domain, g_free);
  g_clear_pointer (&self->api_url, g_free);
  g_clear_pointer (&self->sandbox_url, g_free);
  g_clear_pointer (&self->template_id, g_free);

  G_OBJECT_CLASS (forge_e2b_config_parent_class)->finalize (object);
}

static void
forge_e2b_config_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  ForgeE2bConfig *self = FORGE_E2B_CONFIG (object);

  switch (prop_id)
    {
    case PROP_DEBUG:
      g_value_set_boolean (value, self->debug);
      break;
    case PROP_DOMAIN:
      g_value_set_string (value, self->domain);
      break;
    case PROP_API_URL:
      g_value_set_string (value, self->api_url);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
forge_e2b_config_class_init (ForgeE2bConfigClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = forge_e2b_config_finalize;
  object_class->get_property = forge_e2b_config_get_property;

  properties[PROP_DEBUG] =
    g_param_spec_boolean ("debug", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_DOMAIN] =
    g_param_spec_string ("domain", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_API_URL] =
    g_param_spec_string ("api-url", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
forge_e2b_config_init (ForgeE2bConfig *self)
{
}

const char *
forge_e2b_config_get_api_key (ForgeE2bConfig *self)
{
  g_return_val_if_fail (FORGE_IS_E2B_CONFIG (self), NULL);

  return self->api_key;
}

gboolean
forge_e2b_config_has_api_key (ForgeE2bConfig *self)
{
  g_return_val_if_fail (FORGE_IS_E2B_CONFIG (self), FALSE);

  return self->api_key != NULL;
}

gboolean
forge_e2b_config_is_debug (ForgeE2bConfig *self)
{
  g_return_val_if_fail (FORGE_IS_E2B_CONFIG (self), FALSE);

  return self->debug;
}

const char *
forge_e2b_config_get_domain (ForgeE2bConfig *self)
{
  g_return_val_if_fail (FORGE_IS_E2B_CONFIG (self), NULL);

  return self->domain;
}

const char *
forge_e2b_config_get_api_url (ForgeE2bConfig *self)
{
  g_return_val_if_fail (FORGE_IS_E2B_CONFIG (self), NULL);

  return self->api_url;
}

/* "$PORT-$ID.$DOMAIN", or localhost:$PORT in debug mode where every
 * sandbox is the one local stand-in. */
static char *
host_url (ForgeE2bConfig *self,
          guint           port,
          const char     *sandbox_id,
          const char     *domain)
{
  if (self->debug)
    return g_strdup_printf ("http://localhost:%u", port);

  if (domain == NULL || *domain == '\0')
    domain = self->domain;

  return g_strdup_printf ("https://%u-%s.%s", port, sandbox_id, domain);
}

char *
forge_e2b_config_dup_envd_url (ForgeE2bConfig *self,
                               const char     *sandbox_id,
                               const char     *domain)
{
  g_return_val_if_fail (FORGE_IS_E2B_CONFIG (self), NULL);
  g_return_val_if_fail (sandbox_id != NULL, NULL);

  if (self->sandbox_url != NULL)
    return g_strdup (self->sandbox_url);

  return host_url (self, FORGE_E2B_ENVD_PORT, sandbox_id, domain);
}

char *
forge_e2b_config_dup_port_url (ForgeE2bConfig *self,
                               guint           port,
                               const char     *sandbox_id,
                               const char     *domain)
{
  g_return_val_if_fail (FORGE_IS_E2B_CONFIG (self), NULL);
  g_return_val_if_fail (sandbox_id != NULL, NULL);
  g_return_val_if_fail (port > 0 && port <= G_MAXUINT16, NULL);

  return host_url (self, port, sandbox_id, domain);
}

const char *
forge_e2b_config_resolve_template (ForgeE2bConfig *self,
                                   const char     *project_setting)
{
  g_return_val_if_fail (FORGE_IS_E2B_CONFIG (self), NULL);

  if (self->template_id != NULL)
    return self->template_id;
  if (project_setting != NULL && *project_setting != '\0')
    return project_setting;
  return FORGE_E2B_DEFAULT_TEMPLATE;
}
