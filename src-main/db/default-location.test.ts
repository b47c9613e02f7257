// Database location: Electron's userData folder for "HMPO Lab" on each OS, then HMPO_LAB_DB, then --db.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { appDataDirectory, defaultDatabasePath, resolveDatabasePath } from './default-location.js';

describe('default database location', () => {
  it('is the OS application-data folder that Electron uses for userData', () => {
    expect(appDataDirectory({ platform: 'linux', env: {}, home: '/home/ada' })).toBe('/home/ada/.config/HMPO Lab');
    expect(appDataDirectory({ platform: 'linux', env: { XDG_CONFIG_HOME: '/xdg' }, home: '/home/ada' })).toBe('/xdg/HMPO Lab');
    expect(appDataDirectory({ platform: 'darwin', env: {}, home: '/Users/ada' })).toBe('/Users/ada/Library/Application Support/HMPO Lab');
    expect(appDataDirectory({ platform: 'win32', env: { APPDATA: 'C:\\Users\\ada\\AppData\\Roaming' }, home: 'C:\\Users\\ada' })).toBe('C:\\Users\\ada\\AppData\\Roaming\\HMPO Lab');
    expect(appDataDirectory({ platform: 'win32', env: {}, home: 'C:\\Users\\ada' })).toBe('C:\\Users\\ada\\AppData\\Roaming\\HMPO Lab');
    expect(defaultDatabasePath({ platform: 'linux', env: {}, home: '/home/ada' })).toBe('/home/ada/.config/HMPO Lab/hmpo-lab.db');
  });

  it('is overridden by HMPO_LAB_DB, and --db wins over both', () => {
    const context = { platform: 'linux' as const, home: '/home/ada' };
    expect(resolveDatabasePath(undefined, { ...context, env: {} })).toBe('/home/ada/.config/HMPO Lab/hmpo-lab.db');
    expect(resolveDatabasePath(undefined, { ...context, env: { HMPO_LAB_DB: '/data/lab.db' } })).toBe('/data/lab.db');
    expect(resolveDatabasePath(undefined, { ...context, env: { HMPO_LAB_DB: '  ' } })).toBe('/home/ada/.config/HMPO Lab/hmpo-lab.db');
    expect(resolveDatabasePath('/tmp/flag.db', { ...context, env: { HMPO_LAB_DB: '/data/lab.db' } })).toBe('/tmp/flag.db');
    expect(resolveDatabasePath('relative.db', { ...context, env: {} })).toBe(path.resolve('relative.db'));
  });
});
