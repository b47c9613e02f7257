/** Types of installed-electron.js (plain JS, so `npm start` runs it without a build). */
export declare function installedElectron(): string | null;
