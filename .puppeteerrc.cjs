// Browsers come from the system package manager (Debian's chromium), never from a download at install time.
module.exports = { skipDownload: true };
