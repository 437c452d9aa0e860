/** Where cluster-glue loads external STONITH plugins from. */
export const PLUGIN_PATH = '/usr/lib/stonith/plugins/external/maas';
