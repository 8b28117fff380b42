// Package wineoracle runs Windows Installer packages under a headless Wine
// prefix and reads back the registry they wrote, for tests that compare two
// packages by what a real installer does with them.
//
// A Prefix is booted once (wineboot, about 10 to 40 seconds) and shared by
// many install and uninstall rounds (a few seconds each). Registry dumps
// parse the prefix's system.reg into sorted, timestamp-free entries, so two
// dumps compare with cmp.Diff. Nothing here is used outside tests.
package wineoracle
