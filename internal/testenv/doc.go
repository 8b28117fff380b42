// Package testenv finds the external oracles (msitools, olefile,
// osslsigncode, wine) and the shared corpus for tests.
//
// A test that needs an oracle calls NeedTool (or NeedOlefile, NeedWine).
// When the tool is missing the test is skipped with a message saying what
// to install, unless MSIKIT_REQUIRE_ORACLES=1 is set (as in CI), in which
// case it fails.
package testenv
