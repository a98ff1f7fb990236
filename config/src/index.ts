export { ConfigSchema, type AtriumConfig } from './config.schema.ts';
export { loadConfig, ConfigError, type LoadConfigOptions } from './load-config.ts';
export { NAMED_ENV } from './env.ts';
export { PROFILES, type ProfileName } from './profiles.ts';
