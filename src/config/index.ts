// nats.conf support: parse, load into ServerOptions, check, and diff for reloads.
export { ConfigError, formatIssue, type ConfigIssue, type Pos } from './errors.js';
export { parseConfig, parseConfigFile, toPlain, type ConfNode, type MapNode, type ParseOptions } from './parse.js';
export { loadConfig, loadConfigFile, loadTree, passesCheck, checkReport, type LoadOptions, type LoadResult } from './load.js';
export { diffOptions, reloadLogLines, type ReloadChange, type ReloadDiff, type ReloadRefusal } from './reload.js';
export { formatGoDuration, parseGoDuration } from './duration.js';
